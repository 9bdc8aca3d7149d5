"""Every differentiable op: finite differences in float64, and PyTorch as the oracle."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from op_cases import CASES, draw

import tinymoe as tm

IDS = [c.name for c in CASES]


def _tensors(arrays):
    return [tm.tensor(a, requires_grad=True) for a in arrays]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradcheck(case, rng):
    inputs = _tensors(draw(case, rng))
    assert tm.gradcheck(case.ours, inputs)


def _compare_with_torch(torch, ours, theirs, arrays, transpose=False):
    """Forward values and input gradients of ``ours`` and ``theirs`` agree (rtol 1e-6)."""
    if transpose:  # non-contiguous inputs: the same values, stored transposed
        arrays = [np.ascontiguousarray(a.T).T if a.ndim >= 2 else a for a in arrays]
    mine = _tensors(arrays)
    ref = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = ours(*mine)
    expected = theirs(*ref)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-6, atol=1e-9)
    seed = np.random.default_rng(7).standard_normal(out.shape)
    out.backward(seed)
    expected.backward(torch.tensor(seed))
    for i, (m, r) in enumerate(zip(mine, ref)):
        expected_grad = np.zeros(m.shape) if r.grad is None else r.grad.numpy()
        got = np.zeros(m.shape) if m.grad is None else m.grad
        np.testing.assert_allclose(got, expected_grad, rtol=1e-6, atol=1e-9,
                                   err_msg=f"gradient of input {i}")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_matches_torch(case, rng, torch):
    _compare_with_torch(torch, case.ours, case.theirs, draw(case, rng))


@pytest.mark.parametrize("case", [c for c in CASES if any(len(s) >= 2 for s in c.shapes)],
                         ids=lambda c: c.name)
def test_matches_torch_non_contiguous(case, rng, torch):
    _compare_with_torch(torch, case.ours, case.theirs, draw(case, rng), transpose=True)


# ---------------------------------------------------------------- random shapes

floats = st.floats(-3, 3, allow_nan=False, width=64)


@st.composite
def broadcast_pair(draw):
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4,
                                                    max_side=4))
    a = draw(hnp.arrays(np.float64, shapes.input_shapes[0], elements=floats))
    b = draw(hnp.arrays(np.float64, shapes.input_shapes[1], elements=floats))
    return a, b


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "maximum"])
@given(pair=broadcast_pair())
def test_binary_ops_broadcast_like_torch(op, pair, torch):
    a, b = pair
    if op == "div":
        b = np.abs(b) + 0.5
    ours = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
            "div": lambda x, y: x / y, "maximum": tm.maximum}[op]
    theirs = {"maximum": torch.maximum}.get(op, ours)
    _compare_with_torch(torch, ours, theirs, [a, b])


@st.composite
def reduction_case(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4))
    dims = draw(st.lists(st.integers(0, len(shape) - 1), unique=True, min_size=1))
    x = draw(hnp.arrays(np.float64, shape, elements=floats, unique=True))
    return x, tuple(dims), draw(st.booleans())


@pytest.mark.parametrize("op", ["sum", "mean", "max", "min", "var", "logsumexp"])
@given(case=reduction_case())
def test_reductions_over_dim_tuples_like_torch(op, case, torch):
    x, dims, keepdim = case
    if op == "var" and np.prod([x.shape[d] for d in dims]) < 2:
        return
    torch_name = {"max": "amax", "min": "amin"}.get(op, op)
    _compare_with_torch(torch, lambda t: getattr(t, op)(dim=dims, keepdim=keepdim),
                        lambda t: getattr(t, torch_name)(dim=dims, keepdim=keepdim), [x])


@st.composite
def matmul_case(draw):
    batch = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3))
    m, k, n = (draw(st.integers(1, 5)) for _ in range(3))
    a_shape = (*batch.input_shapes[0], m, k) if draw(st.booleans()) else (k,)
    b_shape = (*batch.input_shapes[1], k, n) if draw(st.booleans()) else (k,)
    a = draw(hnp.arrays(np.float64, a_shape, elements=floats))
    b = draw(hnp.arrays(np.float64, b_shape, elements=floats))
    return a, b


@given(case=matmul_case())
def test_matmul_random_shapes_like_torch(case, torch):
    _compare_with_torch(torch, lambda a, b: a @ b, lambda a, b: a @ b, list(case))


@given(data=st.data())
def test_getitem_random_repeated_indices_like_torch(data, torch):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5))
    index = data.draw(hnp.arrays(np.int64, data.draw(st.integers(1, 8)),
                                 elements=st.integers(0, shape[0] - 1)))
    x = np.random.default_rng(0).standard_normal(shape)
    _compare_with_torch(torch, lambda t: t[index], lambda t: t[torch.tensor(index)], [x])


# ---------------------------------------------------------------- composites


def test_mlp_with_softmax_cross_entropy_matches_torch(torch, rng):
    from tinymoe.nn import functional as F

    x, w1, b1, w2, b2 = (rng.standard_normal(s) for s in [(8, 6), (16, 6), (16,), (4, 16), (4,)])
    y = rng.integers(0, 4, 8)

    def ours(x, w1, b1, w2, b2):
        return F.cross_entropy(F.linear(F.gelu(F.linear(x, w1, b1)), w2, b2), y)

    def theirs(x, w1, b1, w2, b2):
        TF = torch.nn.functional
        return TF.cross_entropy(TF.linear(TF.gelu(TF.linear(x, w1, b1)), w2, b2),
                                torch.tensor(y))

    _compare_with_torch(torch, ours, theirs, [x, w1, b1, w2, b2])


def test_tiny_attention_block_matches_torch(torch, rng):
    from tinymoe.nn import functional as F

    B, T, C = 2, 5, 8
    x, wq, wk, wv = (rng.standard_normal(s) for s in [(B, T, C), (C, C), (C, C), (C, C)])
    mask = np.triu(np.ones((T, T), dtype=bool), k=1)

    def ours(x, wq, wk, wv):
        q, k, v = F.linear(x, wq), F.linear(x, wk), F.linear(x, wv)
        scores = (q @ k.transpose(1, 2)) / np.sqrt(C)
        scores = tm.where(mask, tm.tensor(-1e9, dtype=tm.float64), scores)
        return F.softmax(scores, dim=-1) @ v

    def theirs(x, wq, wk, wv):
        TF = torch.nn.functional
        q, k, v = TF.linear(x, wq), TF.linear(x, wk), TF.linear(x, wv)
        scores = (q @ k.transpose(1, 2)) / np.sqrt(C)
        scores = torch.where(torch.tensor(mask), torch.tensor(-1e9), scores)
        return scores.softmax(dim=-1) @ v

    _compare_with_torch(torch, ours, theirs, [x, wq, wk, wv])
    assert tm.gradcheck(ours, _tensors([x, wq, wk, wv]))

"""The MoE layer: gradcheck per router, fast == reference, a PyTorch (Mixtral) oracle,
DeepSeek's bias, shapes, stats and errors."""

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.errors import ShapeError
from tinymoe.nn.moe import MoE

# router -> extra options exercising its features (tiny sizes, float64)
ROUTER_CASES = {
    "dense": {"z_loss_coef": 0.1},
    "topk": {"top_k": 2, "z_loss_coef": 0.1, "aux_loss_coef": 0.5},
    "noisy_topk": {"top_k": 2, "aux_loss_coef": 0.5},
    "switch": {"capacity_factor": 1.0, "aux_loss_coef": 0.5, "jitter": 0.1},
    "expert_choice": {"capacity_factor": 1.0},
    "deepseek": {"top_k": 2, "n_shared": 1, "bias_update_rate": 0.0},
}


def _layer(router, dispatch="fast", expert="mlp", seed=0, **options):
    tm.manual_seed(seed)
    kwargs = {**ROUTER_CASES[router], **options}
    return MoE(3, 4, 3, router=router, expert=expert, dispatch=dispatch, dtype=tm.float64,
               **kwargs)


def _run(moe, x, seed=5):
    """Output and aux loss as one vector; reseeding makes router noise and jitter repeatable."""
    tm.manual_seed(seed)
    y = moe(x)
    return tm.cat([y.reshape(-1), moe.aux_loss().reshape(1)])


@pytest.mark.parametrize("router", list(ROUTER_CASES))
def test_gradcheck_whole_layer(router, rng):
    moe = _layer(router)
    x = tm.tensor(rng.standard_normal((5, 3)), requires_grad=True)
    params = list(moe.parameters())
    tm.gradcheck(lambda *inputs: _run(moe, x), [x, *params], atol=1e-6, rtol=1e-4)


@pytest.mark.parametrize("expert", ["mlp", "swiglu"])
@pytest.mark.parametrize("router", list(ROUTER_CASES))
def test_fast_path_equals_reference_path(router, expert, rng):
    x_np = rng.standard_normal((2, 7, 3))
    results = []
    for dispatch in ("fast", "reference"):
        moe = _layer(router, dispatch, expert, n_shared=1)
        x = tm.tensor(x_np, requires_grad=True)
        out = _run(moe, x)
        out.backward(np.linspace(-1, 1, out.shape[0]))
        results.append((out.data, x.grad, [p.grad for p in moe.parameters()]))
    (y_fast, gx_fast, gp_fast), (y_ref, gx_ref, gp_ref) = results
    np.testing.assert_allclose(y_fast, y_ref, atol=1e-12)
    np.testing.assert_allclose(gx_fast, gx_ref, atol=1e-12)
    for fast, ref in zip(gp_fast, gp_ref):
        np.testing.assert_allclose(fast, ref, atol=1e-12)


def _same_weights_pair(rng, top_k):
    tm.manual_seed(1)
    dense = MoE(4, 5, 4, router="dense", dtype=tm.float64)
    tm.manual_seed(1)
    sparse = MoE(4, 5, 4, router="topk", top_k=top_k, dtype=tm.float64)
    return dense, sparse, tm.tensor(rng.standard_normal((9, 4)))


def test_topk_layer_with_k_equal_to_n_experts_equals_the_dense_layer(rng):
    dense, sparse, x = _same_weights_pair(rng, top_k=4)
    np.testing.assert_allclose(sparse(x).data, dense(x).data, atol=1e-13)


def test_topk_layer_whose_other_gates_are_zero_equals_the_dense_layer(rng):
    dense, sparse, x = _same_weights_pair(rng, top_k=2)
    x.data[:, 0] = 1.0
    for moe in (dense, sparse):
        moe.router.weight.data[2:, 0] = -1e3  # experts 2, 3 get probability exp(-1000) == 0
    y_dense, y_sparse = dense(x), sparse(x)
    assert np.all(dense.stats.gates[:, 2:] == 0)
    np.testing.assert_allclose(y_sparse.data, y_dense.data, atol=1e-13)


def test_topk_swiglu_matches_a_pytorch_mixtral_block(torch, rng):
    """Mixtral's formulas: softmax over all experts, top-k, renormalise, SwiGLU experts
    w2(silu(w1 x) * w3 x), summed with the gates."""
    n_experts, k = 4, 2
    moe = MoE(6, 5, n_experts, top_k=k, expert="swiglu", aux_loss_coef=0.3, dtype=tm.float64)
    x_np = rng.standard_normal((11, 6))
    x = tm.tensor(x_np, requires_grad=True)
    y = moe(x)
    ((y * y).sum() + moe.aux_loss()).backward()

    weights = {name: torch.tensor(p.data, requires_grad=True)
               for name, p in moe.named_parameters()}
    xt = torch.tensor(x_np, requires_grad=True)
    probs = torch.softmax(xt @ weights["router.weight"].T, dim=-1)
    top, idx = probs.topk(k, dim=-1)
    top = top / top.sum(dim=-1, keepdim=True)
    yt = torch.zeros_like(xt)
    for e in range(n_experts):
        token, slot = (idx == e).nonzero(as_tuple=True)
        w1, w2, w3 = (weights[f"experts.{n}"][e] for n in ("w1", "w2", "w3"))
        h = xt[token]
        out = (torch.nn.functional.silu(h @ w1.T) * (h @ w3.T)) @ w2.T
        yt = yt.index_add(0, token, out * top[token, slot, None])
    f = torch.bincount(idx.flatten(), minlength=n_experts).double() / idx.numel()
    aux = 0.3 * n_experts * (f * probs.mean(dim=0)).sum()
    ((yt * yt).sum() + aux).backward()

    np.testing.assert_allclose(y.data, yt.detach().numpy(), atol=1e-6)
    assert moe.aux_loss().item() == pytest.approx(aux.item(), abs=1e-6)
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), atol=1e-6)
    for name, p in moe.named_parameters():
        np.testing.assert_allclose(p.grad, weights[name].grad.numpy(), atol=1e-6, err_msg=name)


def test_deepseek_bias_balances_a_skewed_load_without_gradient(rng):
    tm.manual_seed(0)
    moe = MoE(4, 4, 4, top_k=2, router="deepseek", bias_update_rate=0.01)
    with tm.no_grad():
        moe.router.weight.data[:, 0] = [3.0, 2.0, 0.0, 0.0]  # feature 0 ~1: skew to 0, 1
    x_np = rng.standard_normal((64, 4)).astype(np.float32) * 0.3
    x_np[:, 0] = 1.0
    x = tm.tensor(x_np)
    moe(x)
    before = moe.stats.max_load_ratio
    for _ in range(300):
        moe(x)
        tm.moe.update_bias(moe)
    after = moe.stats.max_load_ratio
    assert before >= 1.9 and after < 1.3, (before, after)
    assert "router.expert_bias" in moe.state_dict()
    assert all(p is not moe.router.expert_bias for p in moe.parameters())
    y = moe(tm.tensor(x_np, requires_grad=True))
    bias = moe.router.expert_bias.copy()
    y.sum().backward()
    assert isinstance(moe.router.expert_bias, np.ndarray)  # a plain buffer: no grad to hold
    np.testing.assert_array_equal(moe.router.expert_bias, bias)  # forward + backward: no update


def test_shapes_dtypes_and_stats(rng):
    moe = MoE(8, 16, 4, top_k=2)
    x = tm.tensor(rng.standard_normal((3, 5, 8)).astype(np.float32))
    y = moe(x)
    assert y.shape == (3, 5, 8) and y.dtype == np.float32
    stats = moe.stats
    assert stats.tokens_per_expert.sum() == 15 * 2
    np.testing.assert_allclose(stats.load.sum(), 1.0)
    np.testing.assert_allclose(stats.gates.sum(axis=1), 1.0, rtol=1e-5)
    assert 0 < stats.router_entropy <= np.log(4) + 1e-6
    assert stats.drop_rate == 0.0 and moe.aux_loss().shape == ()
    # each expert has its own weights: no two experts share a matrix
    w1 = moe.experts.w1.data
    assert w1.shape == (4, 16, 8) and not np.allclose(w1[0], w1[1])


def test_router_math_is_float32_or_float64(rng):
    moe = MoE(4, 4, 2, dtype=tm.float64)
    assert moe.router.weight.dtype == np.float64 and moe.aux_loss().dtype == np.float64
    moe32 = MoE(4, 4, 2)
    moe32(tm.tensor(rng.standard_normal((3, 4)).astype(np.float32)))
    assert moe32.router.weight.dtype == np.float32 and moe32.aux_loss().dtype == np.float32


def test_disabled_aux_loss_is_zero(rng):
    moe = MoE(4, 4, 3, aux_loss_coef=0.0)
    moe(tm.tensor(rng.standard_normal((6, 4)).astype(np.float32)))
    assert moe.aux_loss().item() == 0.0
    assert moe.stats.aux_loss > 0  # the diagnostic is still reported


def test_bad_input_gives_clear_errors(rng):
    moe = MoE(4, 4, 3)
    with pytest.raises(ShapeError, match=r"MoE: input \(2, 5\).*d_model=4"):
        moe(tm.tensor(rng.standard_normal((2, 5)).astype(np.float32)))
    with pytest.raises(ValueError, match="unknown router 'top2'"):
        MoE(4, 4, 3, router="top2")
    with pytest.raises(ValueError, match=r"top_k must lie in \[1, n_experts=3\]"):
        MoE(4, 4, 3, top_k=4)
    with pytest.raises(ValueError, match="unknown expert .moe."):
        MoE(4, 4, 3, expert="moe")
    with pytest.raises(ValueError, match="unknown dispatch"):
        MoE(4, 4, 3, dispatch="fastest")

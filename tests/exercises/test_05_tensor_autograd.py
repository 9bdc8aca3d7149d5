"""Graded tests for lesson 05: unbroadcast and tensor Functions, checked against the engine.

Oracles: the tinymoe engine (checked against PyTorch in the engine's own tests), adjoint
identities, finite differences (tm.gradcheck) and invariants. Every random draw is seeded
inside the test.
"""

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.autograd import Context
from tinymoe.autograd import unbroadcast as engine_unbroadcast
from tinymoe.nn import functional as F

# (input shape, broadcast-result shape) pairs: added leading axes, stretched size-1 axes, both
BROADCASTS = [
    ((4,), (3, 4)),
    ((1,), (2, 5)),
    ((3, 1), (3, 6)),
    ((1, 4), (2, 3, 4)),
    ((4, 1), (3, 4, 5)),
    ((2, 1, 3), (5, 2, 4, 3)),
    ((), (2, 3)),
    ((3, 2), (3, 2)),
]


@pytest.fixture
def m(load_exercise):
    return load_exercise("05_tensor_autograd")


@pytest.fixture
def m_alone(m, monkeypatch):
    """The lesson module with tinymoe's own unbroadcast in place of exercise 05.1's, so
    that Mul and MatMul are graded apart from it."""
    monkeypatch.setattr(m, "unbroadcast", engine_unbroadcast)
    return m


def _leaf(rng, *shape):
    return tm.tensor(rng.standard_normal(shape), requires_grad=True, dtype=tm.float64)


def _ctx_after_forward(fn_cls, *arrays):
    ctx = Context()
    fn_cls.forward(ctx, *arrays)
    return ctx


def _grads(fn_cls, arrays, grad):
    """Call fn_cls.forward then .backward directly (no engine), returning the gradients;
    fails if backward wrote into the upstream gradient it was given."""
    before = np.array(grad, copy=True)
    result = fn_cls.backward(_ctx_after_forward(fn_cls, *arrays), grad)
    np.testing.assert_array_equal(
        grad, before, err_msg=f"{fn_cls.__name__}.backward changed the upstream gradient array "
        "in place (grad *= ... or grad -= ...): the engine may still need it; compute new arrays",
    )
    return result


def _check_shape(name, got, want, hint=""):
    assert got is not None, f"{name} is None; expected an array of shape {want}"
    assert np.shape(got) == tuple(want), (
        f"{name} has shape {np.shape(got)}; expected {tuple(want)}, the input's shape{hint}"
    )


@pytest.mark.exercise("05.1")
@pytest.mark.points(2)
def test_unbroadcast_is_adjoint_of_broadcast(m):
    rng = np.random.default_rng(501)
    for shape, big in BROADCASTS:
        g = rng.standard_normal(big)
        out = m.unbroadcast(g, shape)
        _check_shape(f"unbroadcast(grad {big}, {shape})", out, shape,
                     ": keep size-1 axes (keepdims=True) and drop only the leading added axes")
        # <unbroadcast(g), v> == <g, broadcast_to(v)> for every v: unbroadcast is the adjoint
        v = rng.standard_normal(shape)
        np.testing.assert_allclose(
            np.sum(out * v), np.sum(g * np.broadcast_to(v, big)), rtol=1e-10,
            err_msg=f"{shape} -> {big}: each input entry was copied to several output entries; "
            "its gradient is the SUM of their gradients (not the mean, not one of them)",
        )
        np.testing.assert_allclose(out, engine_unbroadcast(g, shape), rtol=1e-12,
                                   err_msg=f"{shape} -> {big}: differs from tinymoe's unbroadcast")


@pytest.mark.exercise("05.1")
@pytest.mark.points(1)
def test_unbroadcast_docstring_example(m):
    out = m.unbroadcast(np.ones((3, 4, 5)), (4, 1))
    assert np.shape(out) == (4, 1), f"shape {np.shape(out)}; expected (4, 1)"
    np.testing.assert_allclose(out, np.full((4, 1), 15.0),
                               err_msg="3 copies along the added axis times 5 along the "
                               "stretched one: each entry must be 15")


@pytest.mark.exercise("05.2")
@pytest.mark.points(2)
def test_mul_backward_shapes_and_values(m_alone):
    rng = np.random.default_rng(502)
    m = m_alone
    for sa, sb in [((3, 4), (3, 4)), ((5, 3), (3,)), ((2, 1, 4), (3, 1))]:
        a, b = rng.standard_normal(sa), rng.standard_normal(sb)
        g = rng.standard_normal(np.broadcast_shapes(sa, sb))
        ga, gb = _grads(m.Mul, (a, b), g)
        _check_shape(f"grad_a for a {sa} * b {sb}", ga, sa, ": did you unbroadcast?")
        _check_shape(f"grad_b for a {sa} * b {sb}", gb, sb, ": did you unbroadcast?")
        if sa == sb and np.allclose(ga, g * a):
            pytest.fail("grad_a equals grad * a: d(a*b)/da is b, not a (inputs swapped)")
        np.testing.assert_allclose(ga, engine_unbroadcast(g * b, sa), rtol=1e-10,
                                   err_msg="grad_a must be unbroadcast(grad * b, a.shape)")
        np.testing.assert_allclose(gb, engine_unbroadcast(g * a, sb), rtol=1e-10,
                                   err_msg="grad_b must be unbroadcast(grad * a, b.shape)")


@pytest.mark.exercise("05.2")
@pytest.mark.points(1)
def test_mul_in_engine_gradcheck(m_alone):
    rng = np.random.default_rng(503)
    m = m_alone
    x, gamma = _leaf(rng, 4, 3), _leaf(rng, 3)
    assert tm.gradcheck(lambda p, q: m.Mul.apply(p, q), [x, gamma])
    # a * a through the engine: both uses of a accumulate, giving 2a
    a = _leaf(rng, 5)
    m.Mul.apply(a, a).sum().backward()
    np.testing.assert_allclose(a.grad, 2 * a.data, rtol=1e-12,
                               err_msg="d(a*a)/da must be 2a: each use of a contributes")


@pytest.mark.exercise("05.3")
@pytest.mark.points(2)
def test_sum_backward_matches_engine(m):
    rng = np.random.default_rng(504)
    cases = [(None, False), (None, True), (1, False), (-1, True), ((0, 2), False), ((0, -1), True)]
    for axis, keepdims in cases:
        x = _leaf(rng, 2, 3, 4)
        g = rng.standard_normal(np.sum(x.data, axis=axis, keepdims=keepdims).shape)
        try:
            result = _grads(m.Sum, (x.data, axis, keepdims), g)
        except (ValueError, IndexError) as err:  # numpy's AxisError is both
            pytest.fail(
                f"Sum(axis={axis}, keepdims={keepdims}).backward raised {type(err).__name__}: "
                f"{err}. Without keepdims re-insert the summed axes (np.expand_dims, negative "
                "axes normalised) before broadcasting; with keepdims they are already there"
            )
        assert isinstance(result, tuple | list) and len(result) == 3, (
            "Sum.backward must return a tuple (grad_x, None, None): one entry per forward "
            f"argument (x, axis, keepdims); got {type(result).__name__}"
        )
        gx, *rest = result
        _check_shape(f"grad_x of Sum(axis={axis}, keepdims={keepdims})", gx, x.shape,
                     ": re-insert the summed axes (np.expand_dims) before broadcasting")
        assert all(r is None for r in rest), "axis, keepdims are not tensors: return None for them"
        x.sum(dim=axis, keepdim=keepdims).backward(g)
        np.testing.assert_allclose(gx, x.grad, rtol=1e-12,
                                   err_msg=f"Sum(axis={axis}, keepdims={keepdims}) backward "
                                   "differs from tinymoe's: each x entry gets the grad of the "
                                   "sum it fed")


@pytest.mark.exercise("05.3")
@pytest.mark.points(1)
def test_sum_in_engine_gradcheck(m):
    rng = np.random.default_rng(505)
    x = _leaf(rng, 3, 5)
    assert tm.gradcheck(lambda t: m.Sum.apply(t, 0), [x])
    assert tm.gradcheck(lambda t: m.Sum.apply(t), [x])


@pytest.mark.exercise("05.4")
@pytest.mark.points(2)
def test_matmul_backward_shapes_2d(m_alone):
    rng = np.random.default_rng(506)
    m = m_alone
    n, k, p = 5, 3, 7
    a, b, g = rng.standard_normal((n, k)), rng.standard_normal((k, p)), rng.standard_normal((n, p))
    ga, gb = _grads(m.MatMul, (a, b), g)
    assert np.shape(ga) != (k, n), f"grad_a has shape {np.shape(ga)}; want {(n, k)}: transposed?"
    _check_shape("grad_a", ga, (n, k), ": grad_a = grad @ b^T, (n, p) @ (p, k)")
    assert np.shape(gb) != (p, k), f"grad_b has shape {np.shape(gb)}; want {(k, p)}: transposed?"
    _check_shape("grad_b", gb, (k, p), ": grad_b = a^T @ grad, (k, n) @ (n, p)")
    np.testing.assert_allclose(ga, g @ b.T, rtol=1e-10, err_msg="grad_a must be grad @ b.T")
    np.testing.assert_allclose(gb, a.T @ g, rtol=1e-10, err_msg="grad_b must be a.T @ grad")


@pytest.mark.exercise("05.4")
@pytest.mark.points(2)
def test_matmul_batched_against_engine(m_alone):
    m = m_alone
    rng = np.random.default_rng(508)
    for sa, sb in [((4, 2, 3), (3, 5)), ((2, 3), (4, 3, 2)), ((2, 1, 3, 4), (5, 4, 2))]:
        a, b = _leaf(rng, *sa), _leaf(rng, *sb)
        out = m.MatMul.apply(a, b)
        g = rng.standard_normal(out.shape)
        try:
            out.backward(g)
        except ValueError as err:  # NumPy's shape error, from a transpose of the wrong axes
            pytest.fail(f"backward of a {sa} @ b {sb} raised {err}. For batched inputs swap "
                        "only the last two axes, np.swapaxes(x, -1, -2); .T reverses all axes")
        ta = tm.tensor(a.data, requires_grad=True, dtype=tm.float64)
        tb = tm.tensor(b.data, requires_grad=True, dtype=tm.float64)
        (ta @ tb).backward(g)  # the engine's own matmul
        _check_shape(f"a.grad for a {sa} @ b {sb}", a.grad, sa)
        _check_shape(f"b.grad for a {sa} @ b {sb}", b.grad, sb)
        np.testing.assert_allclose(a.grad, ta.grad, rtol=1e-10, atol=1e-12,
                                   err_msg="batched grad_a: swap the LAST two axes of b "
                                   "(np.swapaxes(b, -1, -2)); .T reverses all axes")
        np.testing.assert_allclose(b.grad, tb.grad, rtol=1e-10, atol=1e-12,
                                   err_msg="a b shared by the whole batch gets the SUM of the "
                                   "per-batch gradients: unbroadcast grad_b")


@pytest.mark.exercise("05.5")
@pytest.mark.points(2)
def test_softmax_backward_against_engine(m):
    rng = np.random.default_rng(509)
    x = _leaf(rng, 3, 4, 6)
    y = m.Softmax.apply(x)
    g = rng.standard_normal(y.shape)
    y.backward(g)
    tx = tm.tensor(x.data, requires_grad=True, dtype=tm.float64)
    F.softmax(tx, dim=-1).backward(g)
    _check_shape("x.grad", x.grad, x.shape)
    np.testing.assert_allclose(x.grad, tx.grad, rtol=1e-9, atol=1e-12,
                               err_msg="grad_x must be y * (grad - sum(grad * y, axis=-1, "
                               "keepdims=True)); y is the softmax OUTPUT")


@pytest.mark.exercise("05.5")
@pytest.mark.points(1)
def test_softmax_backward_invariants(m):
    rng = np.random.default_rng(507)
    x = 30 * rng.standard_normal((4, 5))
    ctx = _ctx_after_forward(m.Softmax, x)
    const = np.repeat(rng.standard_normal((4, 1)), 5, axis=1)
    gx = m.Softmax.backward(ctx, const)
    gx = gx[0] if isinstance(gx, tuple) else gx
    np.testing.assert_allclose(gx, 0, atol=1e-12,
                               err_msg="a gradient that is constant along a row must give 0: "
                               "softmax ignores a constant added to all logits")
    upstream = rng.standard_normal((4, 5))
    before = upstream.copy()
    gx = m.Softmax.backward(ctx, upstream)
    np.testing.assert_array_equal(
        upstream, before, err_msg="Softmax.backward changed the upstream gradient array in place "
        "(grad -= ...): the engine may still need it; compute a new array",
    )
    gx = gx[0] if isinstance(gx, tuple) else gx
    np.testing.assert_allclose(gx.sum(axis=-1), 0, atol=1e-12,
                               err_msg="each row of grad_x must sum to 0 (the outputs sum to 1)")
    assert tm.gradcheck(lambda t: m.Softmax.apply(t), [_leaf(rng, 2, 5)])

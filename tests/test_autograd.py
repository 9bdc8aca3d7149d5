"""The autograd rules: accumulation, grad mode, graph freeing, deep graphs, tensors."""

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.autograd import Function, unbroadcast


def test_gradient_accumulates_across_uses():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    (x + x).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])


def test_gradient_accumulates_across_backward_calls_until_reset():
    x = tm.tensor([3.0], requires_grad=True)
    (x * x).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [12.0])
    x.grad = None
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0])


def test_diamond_graph_sums_both_paths():
    x = tm.tensor(2.0, requires_grad=True)
    y = x * 3
    z = y * y + y  # dz/dx = (2y + 1) * 3 = 39
    z.backward()
    assert x.grad == pytest.approx(39.0)


def test_hundred_thousand_node_chain_has_no_recursion_limit():
    x = tm.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    y.backward()
    assert x.grad == 1.0


def test_no_grad_context_and_decorator_record_nothing():
    x = tm.tensor([1.0], requires_grad=True)
    with tm.no_grad():
        y = x * 2
    assert not y.requires_grad and y._ctx is None

    @tm.no_grad()
    def double(t):
        return t * 2

    assert not double(x).requires_grad
    assert tm.is_grad_enabled()
    assert (x * 2).requires_grad


def test_backward_of_non_scalar_needs_grad():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="scalar output.*shape \\(2,\\)"):
        (x * 2).backward()
    (x * 2).backward(np.array([1.0, 10.0]))
    np.testing.assert_array_equal(x.grad, [2.0, 20.0])


def test_second_backward_through_freed_graph_raises_and_retain_graph_allows_it():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="second time"):
        loss.backward()
    x.grad = None
    kept = (x * x).sum()
    kept.backward(retain_graph=True)
    kept.backward()
    np.testing.assert_array_equal(x.grad, [4.0, 8.0])


def test_non_leaf_grad_only_when_retained():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    hidden = x * 3
    hidden.retain_grad()
    other = x * 2
    (hidden * other).sum().backward()
    np.testing.assert_array_equal(hidden.grad, [2.0, 4.0])
    assert other.grad is None


def test_unbroadcast_sums_added_and_stretched_axes():
    grad = np.ones((3, 4, 5))
    assert unbroadcast(grad, (4, 1)).shape == (4, 1)
    np.testing.assert_array_equal(unbroadcast(grad, (4, 1)), np.full((4, 1), 15.0))
    np.testing.assert_array_equal(unbroadcast(grad, ()), 60.0)


def test_custom_function_with_saved_tensors():
    class Cube(Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a**3

        @staticmethod
        def backward(ctx, grad):
            (a,) = ctx.saved_tensors
            return 3 * a**2 * grad

    x = tm.tensor([2.0], dtype=tm.float64, requires_grad=True)
    Cube.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad, [12.0])
    assert tm.gradcheck(Cube.apply, [tm.tensor([0.3, -1.2], dtype=tm.float64,
                                               requires_grad=True)])


def test_gradcheck_reports_worst_entry_of_a_wrong_backward():
    class WrongSquare(Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx, grad):
            (a,) = ctx.saved_tensors
            return a * grad  # should be 2 * a * grad

    x = tm.tensor([1.0, -3.0, 0.5], dtype=tm.float64, requires_grad=True)
    with pytest.raises(AssertionError, match=r"index \(\d,\).*backward gives.*finite"):
        tm.gradcheck(WrongSquare.apply, [x])


def test_gradcheck_requires_float64():
    with pytest.raises(TypeError, match="float64"):
        tm.gradcheck(lambda t: t * 2, [tm.tensor([1.0], requires_grad=True)])


def test_factories_and_default_dtypes():
    tm.manual_seed(0)
    a = tm.randn(2, 3)
    tm.manual_seed(0)
    np.testing.assert_array_equal(a.data, tm.randn(2, 3).data)
    assert a.dtype == tm.float32
    assert tm.tensor([1, 2]).dtype == tm.int64
    assert tm.tensor([1.0, 2]).dtype == tm.float32
    assert tm.tensor(np.zeros(2)).dtype == tm.float64
    assert tm.zeros(2, 3).shape == (2, 3) and tm.ones((4,)).data.sum() == 4
    assert tm.full((2,), 7.0).data.tolist() == [7.0, 7.0]
    assert tm.arange(5).dtype == tm.int64 and tm.arange(0.0, 1.0, 0.5).tolist() == [0.0, 0.5]
    assert tm.zeros_like(a).shape == a.shape and tm.ones_like(a).dtype == a.dtype
    assert 0 <= tm.rand(100).data.min() and tm.rand(100).data.max() < 1


def test_tensor_basics():
    t = tm.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert t.shape == (2, 2) and t.ndim == 2 and t.size() == (2, 2) and t.size(1) == 2
    assert isinstance(t.numpy(), np.ndarray)
    assert t.sum().item() == 10.0
    d = t.detach()
    assert not d.requires_grad and d.data is t.data
    assert "requires_grad=True" in repr(t) and repr(t).startswith("tensor([[1., 2.]")
    assert "grad_fn=<MulBackward>" in repr(t * 2)
    assert (t > 2).data.tolist() == [[False, False], [True, True]]
    with pytest.raises(TypeError, match="floating-point"):
        tm.tensor([1, 2], requires_grad=True)


def test_tensor_tensor_does_not_alias_its_input():
    source = np.zeros(3)
    t = tm.tensor(source)
    t.data[0] = 1
    assert source[0] == 0


def test_reflected_operators_with_numpy_arrays_and_scalars():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    y = np.array([10.0, 20.0]) - x * 2 + 1
    assert isinstance(y, tm.Tensor)
    np.testing.assert_allclose(y.data, [9.0, 17.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [-2.0, -2.0])
    z = 2 ** tm.tensor([3.0])
    assert z.item() == 8.0


def test_setitem_refuses_to_break_the_graph():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="setitem"):
        x[0] = 5.0
    with tm.no_grad():
        x[0] = 5.0
    assert x.data[0] == 5.0


def test_one_hot_and_split_chunk():
    oh = tm.one_hot(tm.tensor([0, 2, 1]), 3)
    assert oh.dtype == tm.int64 and oh.data.tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
    parts = tm.tensor(np.arange(10.0)).split([3, 7])
    assert [p.shape for p in parts] == [(3,), (7,)]
    assert [p.shape[0] for p in tm.tensor(np.arange(10.0)).chunk(3)] == [4, 4, 2]


def test_float32_gradients_stay_float32():
    x = tm.randn(3, 4, requires_grad=True)
    ((x * 2.5).exp().sum() / 3).backward()
    assert x.grad.dtype == np.float32


# ---------------------------------------------------------------- version counters


def _leaf(*shape, seed=0):
    rng = np.random.default_rng(seed)
    return tm.tensor(rng.standard_normal(shape), requires_grad=True)


@pytest.mark.parametrize("optimizer", [tm.optim.SGD, tm.optim.Adam])
def test_optimizer_step_between_forward_and_backward_raises_naming_the_op(optimizer):
    x, w = _leaf(3, seed=1), _leaf(3, seed=2)
    loss = (x * w).sum()
    w.grad = np.ones(3)
    optimizer([w], lr=0.1).step()
    expected = r"saved by Mul .*in place after the forward: input 1, of shape \(3,\), is now at"
    with pytest.raises(RuntimeError, match=expected + " version 1"):
        loss.backward()


def test_a_step_through_a_transposed_view_is_caught():
    """``x @ W.T`` saves a view of W; the view shares W's version counter."""
    x, w = _leaf(2, 4, seed=1), _leaf(3, 4, seed=2)
    loss = (x @ w.T).sum()
    w.grad = np.ones((3, 4))
    tm.optim.Adam([w], lr=0.1).step()
    with pytest.raises(RuntimeError, match=r"saved by Matmul .*input 1, of shape \(4, 3\)"):
        loss.backward()


@pytest.mark.parametrize("write", ["augmented data", "setitem", "mark_modified"])
def test_every_in_place_write_bumps_the_version(write):
    x = _leaf(4)
    y = x.exp()  # saves its output
    loss = y.sum()
    with tm.no_grad():
        if write == "augmented data":
            y.data *= 2
        elif write == "setitem":
            y[0] = 5.0
        else:
            y.data[1] = 0.0
            tm.autograd.mark_modified(y)
    with pytest.raises(RuntimeError, match="saved by Exp .*its output"):
        loss.backward()


def test_writes_the_backward_does_not_need_pass():
    x, w = _leaf(3, seed=1), _leaf(3, seed=2)
    loss = (x + w).sum()  # Add saves no array
    w.data -= 1.0
    loss.backward()
    np.testing.assert_array_equal(w.grad, np.ones(3))
    x, w = _leaf(3, seed=1), _leaf(3, seed=2)
    loss = (x * w).sum()
    w.data = w.data + 1.0  # a new array: the saved one still holds the forward's values
    loss.backward()
    np.testing.assert_allclose(x.grad, w.data - 1.0)


def test_the_normal_training_loop_never_raises():
    rng = np.random.default_rng(0)
    model = tm.nn.Sequential(tm.nn.Linear(4, 8), tm.nn.ReLU(), tm.nn.Linear(8, 2))
    for opt in (tm.optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
                tm.optim.AdamW(model.parameters(), lr=1e-2)):
        for _ in range(3):
            x = tm.tensor(rng.standard_normal((5, 4)).astype(np.float32))
            loss = (model(x) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    assert all(p._version[0] == 6 for p in model.parameters())


def test_a_retained_graph_is_stale_after_a_step():
    x, w = _leaf(3, seed=1), _leaf(3, seed=2)
    loss = (x * w).sum()
    loss.backward(retain_graph=True)
    tm.optim.SGD([w], lr=0.1).step()
    with pytest.raises(RuntimeError, match="saved by Mul .*input 1"):
        loss.backward()


def test_detach_shares_the_version_counter():
    x = _leaf(3)
    loss = (x * x).sum()
    d = x.detach()
    d[0] = 1.0
    assert x._version[0] == 1
    with pytest.raises(RuntimeError, match="saved by Mul"):
        loss.backward()


# ---------------------------------------------------------------- the backward contract


class _TooFew(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        return grad


class _ExtraNotNone(Function):
    @staticmethod
    def forward(ctx, a, scale=2.0):
        return a * scale

    @staticmethod
    def backward(ctx, grad):
        return grad * 2.0, grad


class _DefaultedParameter(Function):
    @staticmethod
    def forward(ctx, a, scale=2.0):
        ctx.scale = scale
        return a * scale

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.scale, None  # None for the defaulted ``scale``: allowed


class _WrongShape(Function):
    @staticmethod
    def forward(ctx, a):
        return a.sum()

    @staticmethod
    def backward(ctx, grad):
        return np.ones(7)


def test_backward_with_too_few_gradients_names_the_op():
    a, b = _leaf(3), _leaf(3)
    with pytest.raises(RuntimeError, match=r"_TooFew.backward returned 1 gradient\(s\) for 2"):
        _TooFew.apply(a, b).sum().backward()


def test_extra_gradients_must_be_none():
    with pytest.raises(RuntimeError, match=r"_ExtraNotNone.backward returned 2 .* for 1"):
        _ExtraNotNone.apply(_leaf(3)).sum().backward()
    a = _leaf(3)
    _DefaultedParameter.apply(a).sum().backward()
    np.testing.assert_array_equal(a.grad, np.full(3, 2.0))


def test_gradient_of_the_wrong_shape_names_the_op():
    with pytest.raises(RuntimeError, match=r"_WrongShape.backward .*\(7,\).*\(3,\)"):
        _WrongShape.apply(_leaf(3)).backward()


def test_every_basic_op_documents_its_derivative():
    import inspect

    from tinymoe import functions

    ops = [c for _, c in inspect.getmembers(functions, inspect.isclass)
           if issubclass(c, Function) and c is not Function and c.__module__ == functions.__name__]
    undocumented = [c.__name__ for c in ops if "d(" not in (c.__doc__ or "")]
    assert undocumented == [], f"ops without a derivative in their docstring: {undocumented}"

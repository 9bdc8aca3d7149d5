"""The differentiable tensor ops, one ``Function`` each.

``forward`` works on NumPy arrays; ``backward`` returns one gradient per positional
argument. Broadcasting is undone by ``unbroadcast``; scatters use ``np.add.at`` so
repeated indices add up.
"""

import numpy as np

from .autograd import Function, unbroadcast
from .backend import matmul as backend_matmul
from .errors import DTypeError, ShapeError, check_integer, check_same_dtype, fmt, normalize_dim


def _broadcasting(op: str, ufunc, a, b) -> np.ndarray:
    """``ufunc(a, b)``, turning NumPy's broadcast failure into an error naming the op."""
    try:
        return ufunc(a, b)
    except ValueError:
        raise ShapeError(f"{op}: shapes {fmt(np.shape(a))} and {fmt(np.shape(b))} cannot be "
                         f"broadcast together") from None


def _shape(x) -> tuple:
    return x.shape if isinstance(x, np.ndarray) else np.shape(x)


# ---------------------------------------------------------------- arithmetic


class Add(Function):
    """``a + b``; d(a+b)/da = 1, d(a+b)/db = 1 (summed over broadcast axes)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = _shape(a), _shape(b)
        return _broadcasting("add", np.add, a, b)

    @staticmethod
    def backward(ctx, grad):
        sa, sb = ctx.shapes
        return unbroadcast(grad, sa), unbroadcast(grad, sb)


class Sub(Function):
    """``a - b``; d(a-b)/da = 1, d(a-b)/db = -1."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = _shape(a), _shape(b)
        return _broadcasting("sub", np.subtract, a, b)

    @staticmethod
    def backward(ctx, grad):
        sa, sb = ctx.shapes
        return unbroadcast(grad, sa), unbroadcast(-grad, sb)


class Mul(Function):
    """``a * b``; d(a*b)/da = b, d(a*b)/db = a."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _broadcasting("mul", np.multiply, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (
            unbroadcast(grad * b, _shape(a)) if need_a else None,
            unbroadcast(grad * a, _shape(b)) if need_b else None,
        )


class Div(Function):
    """``a / b``; d(a/b)/da = 1/b, d(a/b)/db = -a/b^2."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _broadcasting("div", np.divide, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (
            unbroadcast(grad / b, _shape(a)) if need_a else None,
            unbroadcast(-grad * a / (b * b), _shape(b)) if need_b else None,
        )


class Pow(Function):
    """``a ** b`` (tensor base, tensor or scalar exponent); d(a^b)/da = b a^(b-1),
    d(a^b)/db = a^b log(a) (taken as 0 where a <= 0)."""

    @staticmethod
    def forward(ctx, a, b):
        out = _broadcasting("pow", np.power, a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad_b = None
        if need_a:
            grad_a = unbroadcast(grad * b * np.power(a, b - 1), _shape(a))
        if need_b:
            log_a = np.log(np.where(a > 0, a, 1))
            grad_b = unbroadcast(grad * out * log_a, _shape(b))
        return grad_a, grad_b


class Neg(Function):
    """``-a``; d(-a)/da = -1."""

    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Matmul(Function):
    """``a @ b`` with NumPy's rules: 1-D, 2-D and batched N-D (batch dims broadcast);
    d(a@b)/da = grad @ b^T, d(a@b)/db = a^T @ grad."""

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ShapeError(f"matmul: both operands need >= 1 dim, got {fmt(a.shape)} @ "
                             f"{fmt(b.shape)}")
        k_a = a.shape[-1]
        k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
        if k_a != k_b:
            raise ShapeError(f"matmul: {fmt(a.shape)} @ {fmt(b.shape)}: inner dimensions "
                             f"{k_a} and {k_b} differ")
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise ShapeError(f"matmul: {fmt(a.shape)} @ {fmt(b.shape)}: batch dimensions "
                             f"{fmt(a.shape[:-2])} and {fmt(b.shape[:-2])} do not broadcast"
                             ) from None
        check_same_dtype("matmul", a, b)
        ctx.save_for_backward(a, b)
        return backend_matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        a2 = a[None, :] if a.ndim == 1 else a  # (..., M, K)
        b2 = b[:, None] if b.ndim == 1 else b  # (..., K, N)
        if b.ndim == 1:
            grad = np.expand_dims(grad, -1)
        if a.ndim == 1:
            grad = np.expand_dims(grad, -2)  # (..., M, N)
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad_b = None
        if need_a:
            grad_a = unbroadcast(backend_matmul(grad, b2.swapaxes(-1, -2)), a2.shape)
            grad_a = grad_a.reshape(a.shape)
        if need_b:
            grad_b = unbroadcast(backend_matmul(a2.swapaxes(-1, -2), grad), b2.shape)
            grad_b = grad_b.reshape(b.shape)
        return grad_a, grad_b


# ---------------------------------------------------------------- elementwise


class Exp(Function):
    """``exp(a)``; d(exp a)/da = exp(a) (the saved output)."""

    @staticmethod
    def forward(ctx, a):
        out = np.exp(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out


class Log(Function):
    """``log(a)``; d(log a)/da = 1/a."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.log(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / a


class Sqrt(Function):
    """``sqrt(a)``; d(sqrt a)/da = 1 / (2 sqrt(a)) (from the saved output)."""

    @staticmethod
    def forward(ctx, a):
        out = np.sqrt(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad / (2 * out)


class Abs(Function):
    """``|a|``; d(|a|)/da = sign(a) (0 at a = 0)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.abs(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * np.sign(a)


class Tanh(Function):
    """``tanh(a)``; d(tanh a)/da = 1 - tanh(a)^2."""

    @staticmethod
    def forward(ctx, a):
        out = np.tanh(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (1 - out * out)


def stable_sigmoid(a: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-a))`` without overflow for any ``a`` (exp only sees ``-|a|``)."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)


class Sigmoid(Function):
    """``sigmoid(a)``; d(s(a))/da = s(a) (1 - s(a))."""

    @staticmethod
    def forward(ctx, a):
        out = stable_sigmoid(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out * (1 - out)


class Relu(Function):
    """``max(a, 0)``; d(relu a)/da = 1 where a > 0, else 0 (0 at a = 0)."""

    @staticmethod
    def forward(ctx, a):
        out = np.maximum(a, 0)
        ctx.save_for_backward(a)
        return out

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * (a > 0)


class Clip(Function):
    """``clip(a, low, high)``; d(clip a)/da = 1 where low <= a <= high, else 0; the bounds
    get no gradient."""

    @staticmethod
    def forward(ctx, a, low=None, high=None):
        ctx.save_for_backward(a)
        ctx.low, ctx.high = low, high
        return np.clip(a, low, high)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        inside = np.ones(a.shape, dtype=bool)
        if ctx.low is not None:
            inside &= a >= ctx.low
        if ctx.high is not None:
            inside &= a <= ctx.high
        return grad * inside, None, None


class Maximum(Function):
    """Elementwise ``max(a, b)``; d(max)/da = 1 where a > b, d(max)/db = 1 where b > a,
    1/2 each on ties (as in PyTorch)."""

    ufunc = staticmethod(np.maximum)
    a_wins = staticmethod(np.greater)

    @classmethod
    def forward(cls, ctx, a, b):
        ctx.save_for_backward(a, b)
        ctx.a_wins = cls.a_wins
        return _broadcasting(cls.__name__.lower(), cls.ufunc, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        share_a = ctx.a_wins(a, b) + 0.5 * (a == b)
        return unbroadcast(grad * share_a, _shape(a)), unbroadcast(grad * (1 - share_a), _shape(b))


class Minimum(Maximum):
    """Elementwise ``min(a, b)``; d(min)/da = 1 where a < b, d(min)/db = 1 where b < a,
    1/2 each on ties (as in PyTorch)."""

    ufunc = staticmethod(np.minimum)
    a_wins = staticmethod(np.less)


class Where(Function):
    """``where(condition, a, b)``; d(where)/da = condition, d(where)/db = not
    condition; the boolean ``condition`` gets no gradient."""

    @staticmethod
    def forward(ctx, condition, a, b):
        if np.asarray(condition).dtype != np.bool_:
            raise DTypeError(f"where: condition must be a bool tensor, got dtype "
                             f"{np.asarray(condition).dtype}")
        ctx.save_for_backward(condition)
        ctx.shapes = _shape(a), _shape(b)
        try:
            return np.where(condition, a, b)
        except ValueError:
            raise ShapeError(f"where: condition {fmt(np.shape(condition))}, a "
                             f"{fmt(np.shape(a))} and b {fmt(np.shape(b))} cannot be broadcast"
                             ) from None

    @staticmethod
    def backward(ctx, grad):
        (condition,) = ctx.saved_tensors
        sa, sb = ctx.shapes
        zero = np.zeros((), dtype=grad.dtype)
        return (None, unbroadcast(np.where(condition, grad, zero), sa),
                unbroadcast(np.where(condition, zero, grad), sb))


class Cast(Function):
    """``a.astype(dtype)``; d(cast a)/da = 1: the gradient cast back to the input's dtype."""

    @staticmethod
    def forward(ctx, a, dtype):
        ctx.dtype = a.dtype
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.astype(ctx.dtype), None


# ---------------------------------------------------------------- reductions


def _axes(op: str, dim, ndim: int):
    """``dim`` (None, int or tuple) as a tuple of non-negative axes, or None for all."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, int | np.integer) else tuple(dim)
    axes = tuple(normalize_dim(op, int(d), ndim) for d in dims)
    if len(set(axes)) != len(axes):
        raise ShapeError(f"{op}: dim {dim} repeats an axis")
    return axes


def _expand_reduced(grad: np.ndarray, shape: tuple, axes, keepdim: bool) -> np.ndarray:
    """Reshape a reduced gradient so it broadcasts against the input ``shape``."""
    if axes is None:
        return np.reshape(grad, (1,) * len(shape))
    if keepdim:
        return grad
    return np.expand_dims(grad, axes)


class Sum(Function):
    """``a.sum(dim)``; d(sum a)/da_i = 1: the gradient broadcast back over ``dim``."""

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False):
        ctx.axes = _axes("sum", dim, a.ndim)
        ctx.shape, ctx.keepdim = a.shape, keepdim
        return np.sum(a, axis=ctx.axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        grad = _expand_reduced(grad, ctx.shape, ctx.axes, ctx.keepdim)
        return np.broadcast_to(grad, ctx.shape).copy()


class Mean(Function):
    """``a.mean(dim)``; d(mean a)/da_i = 1/n, n the number of entries averaged."""

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False):
        ctx.axes = _axes("mean", dim, a.ndim)
        ctx.shape, ctx.keepdim = a.shape, keepdim
        out = np.mean(a, axis=ctx.axes, keepdims=keepdim)
        ctx.count = a.size // max(np.size(out), 1) if a.size else 0
        return out

    @staticmethod
    def backward(ctx, grad):
        grad = _expand_reduced(grad, ctx.shape, ctx.axes, ctx.keepdim) / ctx.count
        return np.broadcast_to(grad, ctx.shape).copy()


class Amax(Function):
    """Max over ``dim`` (torch.amax); d(max a)/da_i = 1/m at each of the m tied maxima, else 0."""

    reduce = staticmethod(np.max)
    name = "max"

    @classmethod
    def forward(cls, ctx, a, dim=None, keepdim=False):
        axes = _axes(cls.name, dim, a.ndim)
        if a.size == 0:
            raise ShapeError(f"{cls.name}: cannot reduce an empty tensor of shape {fmt(a.shape)}")
        out = cls.reduce(a, axis=axes, keepdims=True)
        ctx.save_for_backward(a, out)
        ctx.axes = axes
        return out if keepdim else np.squeeze(out, axis=axes)

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        mask = a == out
        return np.reshape(grad, out.shape) * mask / mask.sum(axis=ctx.axes, keepdims=True)


class Amin(Amax):
    """Min over ``dim`` (torch.amin); d(min a)/da_i = 1/m at each of the m tied minima, else 0."""

    reduce = staticmethod(np.min)
    name = "min"


class Var(Function):
    """Variance over ``dim`` with Bessel's ``correction`` (1 = unbiased, as torch.var);
    d(var a)/da_i = 2 (a_i - mean) / (n - correction)."""

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False, correction=1):
        axes = _axes("var", dim, a.ndim)
        mean = np.mean(a, axis=axes, keepdims=True)
        centered = a - mean
        count = a.size // max(mean.size, 1)
        ctx.save_for_backward(centered)
        ctx.denominator = max(count - correction, 0)
        out = np.sum(centered * centered, axis=axes, keepdims=keepdim) / ctx.denominator
        ctx.axes, ctx.keepdim = axes, keepdim
        return out

    @staticmethod
    def backward(ctx, grad):
        (centered,) = ctx.saved_tensors
        grad = _expand_reduced(grad, centered.shape, ctx.axes, ctx.keepdim)
        return grad * 2 * centered / ctx.denominator


class LogSumExp(Function):
    """``log(sum(exp(a)))`` over ``dim``, shifted by the max so it never overflows;
    d(logsumexp a)/da = softmax(a)."""

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False):
        axes = _axes("logsumexp", dim, a.ndim)
        peak = np.max(a, axis=axes, keepdims=True)
        peak = np.where(np.isfinite(peak), peak, 0)
        exp = np.exp(a - peak)
        total = np.sum(exp, axis=axes, keepdims=True)
        out = np.log(total) + peak
        ctx.save_for_backward(exp / total)
        ctx.axes, ctx.keepdim = axes, keepdim
        return out if keepdim else np.squeeze(out, axis=axes)

    @staticmethod
    def backward(ctx, grad):
        (softmax,) = ctx.saved_tensors
        return _expand_reduced(grad, softmax.shape, ctx.axes, ctx.keepdim) * softmax


# ---------------------------------------------------------------- shapes


class Reshape(Function):
    """``a.reshape(shape)``; d(reshape a)/da = identity: the gradient reshaped back."""

    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        try:
            return np.reshape(a, shape)
        except ValueError:
            raise ShapeError(f"reshape: cannot reshape {fmt(a.shape)} ({a.size} elements) into "
                             f"{tuple(shape)}") from None

    @staticmethod
    def backward(ctx, grad):
        return np.reshape(grad, ctx.shape), None


class Permute(Function):
    """``a.permute(dims)``; d(permute a)/da: the gradient permuted back by the inverse."""

    @staticmethod
    def forward(ctx, a, dims):
        dims = tuple(normalize_dim("permute", d, a.ndim) for d in dims)
        if sorted(dims) != list(range(a.ndim)):
            raise ShapeError(f"permute: dims {dims} are not a permutation of {a.ndim} dims "
                             f"of a {fmt(a.shape)} tensor")
        ctx.inverse = tuple(np.argsort(dims))
        return np.transpose(a, dims)

    @staticmethod
    def backward(ctx, grad):
        return np.transpose(grad, ctx.inverse), None


class Expand(Function):
    """Broadcast to a larger ``shape`` (a view); d(expand a)/da: the gradient summed over
    the copies."""

    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        shape = tuple(a.shape[i - len(shape) + a.ndim] if n == -1 else n
                      for i, n in enumerate(shape))
        try:
            return np.broadcast_to(a, shape)
        except ValueError:
            raise ShapeError(f"expand: cannot expand {fmt(a.shape)} to {shape}") from None

    @staticmethod
    def backward(ctx, grad):
        return unbroadcast(grad, ctx.shape), None


def _is_advanced(index) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, np.ndarray | list) for p in parts)


def _advanced_to_integers(index):
    """Boolean masks become the integer arrays ``np.nonzero`` gives, for ``np.add.at``."""
    parts = index if isinstance(index, tuple) else (index,)
    out = []
    for p in parts:
        p = np.asarray(p) if isinstance(p, list) else p
        if isinstance(p, np.ndarray) and p.dtype == np.bool_:
            out.extend(np.nonzero(p))
        else:
            out.append(p)
    return tuple(out)


class GetItem(Function):
    """``a[index]``: ints, slices, None, Ellipsis, integer arrays and boolean masks;
    d(a[index])/da: the gradient scattered back with ``np.add.at`` (repeats add up)."""

    @staticmethod
    def forward(ctx, a, index):
        ctx.shape, ctx.dtype = a.shape, a.dtype
        ctx.index = index
        try:
            return a[index]
        except IndexError as err:
            raise IndexError(f"getitem: {err} (tensor shape {fmt(a.shape)})") from None

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        if _is_advanced(ctx.index):
            np.add.at(out, _advanced_to_integers(ctx.index), grad)
        else:
            out[ctx.index] = grad
        return out, None


class Cat(Function):
    """Concatenate tensors along ``dim``: ``cat(a, b, c, dim=0)``; d(cat)/d(each input): its
    slice of the gradient."""

    @staticmethod
    def forward(ctx, *arrays, dim=0):
        if not arrays:
            raise ShapeError("cat: needs at least one tensor")
        dim = normalize_dim("cat", dim, arrays[0].ndim)
        for x in arrays[1:]:
            if x.ndim != arrays[0].ndim or any(
                    x.shape[i] != arrays[0].shape[i] for i in range(x.ndim) if i != dim):
                raise ShapeError(f"cat: shapes {[fmt(y.shape) for y in arrays]} differ outside "
                                 f"dim {dim}")
        ctx.dim = dim
        ctx.splits = np.cumsum([x.shape[dim] for x in arrays])[:-1]
        return np.concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return tuple(np.split(grad, ctx.splits, axis=ctx.dim))


class Stack(Function):
    """Stack same-shaped tensors along a new ``dim``; d(stack)/d(input i): the gradient at
    index i of ``dim``."""

    @staticmethod
    def forward(ctx, *arrays, dim=0):
        if not arrays:
            raise ShapeError("stack: needs at least one tensor")
        shapes = {x.shape for x in arrays}
        if len(shapes) != 1:
            raise ShapeError(f"stack: all tensors need the same shape, got "
                             f"{[fmt(x.shape) for x in arrays]}")
        ctx.dim = normalize_dim("stack", dim, arrays[0].ndim + 1)
        return np.stack(arrays, axis=ctx.dim)

    @staticmethod
    def backward(ctx, grad):
        return tuple(np.moveaxis(grad, ctx.dim, 0))


class Pad(Function):
    """Constant padding, PyTorch order: ``pad=(left, right, top, bottom, ...)``, last dim
    first; d(pad a)/da: the gradient with the padding cut off."""

    @staticmethod
    def forward(ctx, a, pad, value=0.0):
        if len(pad) % 2 or len(pad) // 2 > a.ndim:
            raise ShapeError(f"pad: pad {tuple(pad)} must hold pairs for at most {a.ndim} dims")
        widths = [(0, 0)] * a.ndim
        for i in range(len(pad) // 2):
            widths[a.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
        if any(lo < 0 or hi < 0 for lo, hi in widths):
            raise ShapeError(f"pad: negative padding {tuple(pad)} is not supported")
        ctx.slices = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, a.shape))
        return np.pad(a, widths, constant_values=value)

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.slices], None, None


def _gather_index(op: str, a: np.ndarray, dim: int, index: np.ndarray):
    """The ``np.add.at``/fancy-index tuple that addresses ``a`` along ``dim`` by ``index``."""
    check_integer(op, index, "index")
    if index.ndim != a.ndim:
        raise ShapeError(f"{op}: index {fmt(index.shape)} and input {fmt(a.shape)} need the "
                         f"same number of dims")
    if index.size and (index.min() < -a.shape[dim] or index.max() >= a.shape[dim]):
        raise IndexError(f"{op}: index values must lie in [0, {a.shape[dim]}) along dim {dim}, "
                         f"got range [{index.min()}, {index.max()}]")
    axes = list(np.indices(index.shape, sparse=True))
    axes[dim] = index
    return tuple(axes)


class Gather(Function):
    """``out[i][j] = a[i][index[i][j]]`` for ``dim=1`` (torch.gather); d(out)/da: the
    gradient scattered back to the gathered places (repeats add up)."""

    @staticmethod
    def forward(ctx, a, dim, index):
        dim = normalize_dim("gather", dim, a.ndim)
        ctx.where = _gather_index("gather", a, dim, index)
        ctx.shape = a.shape
        return a[ctx.where]

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        np.add.at(out, ctx.where, grad)
        return out, None, None


class ScatterAdd(Function):
    """``out = a.copy(); out[i][index[i][j]] += src[i][j]`` for ``dim=1`` (torch.scatter_add);
    d(out)/da = 1, d(out)/d(src): the gradient gathered at ``index``."""

    @staticmethod
    def forward(ctx, a, dim, index, src):
        dim = normalize_dim("scatter_add", dim, a.ndim)
        if index.shape != src.shape:
            raise ShapeError(f"scatter_add: index {fmt(index.shape)} and src {fmt(src.shape)} "
                             f"must have the same shape")
        ctx.where = _gather_index("scatter_add", a, dim, index)
        out = a.copy()
        np.add.at(out, ctx.where, src)
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad, None, None, grad[ctx.where]


class IndexAdd(Function):
    """``out = a.copy(); out.index_select(dim, index) += source`` (torch.index_add);
    d(out)/da = 1, d(out)/d(source): the gradient taken at ``index`` along ``dim``."""

    @staticmethod
    def forward(ctx, a, dim, index, source):
        dim = normalize_dim("index_add", dim, a.ndim)
        check_integer("index_add", index, "index")
        expected = a.shape[:dim] + (len(index),) + a.shape[dim + 1:]
        if index.ndim != 1 or source.shape != expected:
            raise ShapeError(f"index_add: input {fmt(a.shape)}, index {fmt(index.shape)} (must "
                             f"be 1-D), source {fmt(source.shape)} (expected {fmt(expected)})")
        ctx.dim, ctx.index = dim, index
        out = a.copy()
        np.add.at(np.moveaxis(out, dim, 0), index, np.moveaxis(source, dim, 0))
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad, None, None, np.take(grad, ctx.index, axis=ctx.dim)

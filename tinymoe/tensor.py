"""``Tensor``: a NumPy array plus the autograd bookkeeping, and the factory functions."""

import numbers
import operator

import numpy as np

from . import autograd
from . import functions as fn
from .errors import DTypeError, ShapeError, check_integer, fmt
from .rng import generator

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
bool_ = np.dtype(np.bool_)
DEFAULT_FLOAT = float32


def _as_array(data, dtype=None) -> np.ndarray:
    """Convert ``data`` like ``torch.tensor``: Python floats become float32, ints int64,
    NumPy arrays keep their dtype (unless ``dtype`` says otherwise)."""
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, np.ndarray):
        return data if dtype is None else data.astype(dtype, copy=False)
    array = np.asarray(data)
    if dtype is not None:
        return array.astype(dtype, copy=False)
    if array.dtype == np.float64 and not isinstance(data, np.floating):
        return array.astype(DEFAULT_FLOAT)
    if np.issubdtype(array.dtype, np.integer):
        return array.astype(int64, copy=False)
    return array


NUMERIC_KINDS = "biuf"  # the dtypes a tensor holds: bool, (unsigned) integers, floats


def _numeric(array: np.ndarray) -> np.ndarray:
    """``array`` if its dtype is numeric; object arrays (slow Python arithmetic), strings
    and complex numbers (no gradient rule here) raise a DTypeError naming the dtype."""
    if array.dtype.kind not in NUMERIC_KINDS:
        raise DTypeError(f"tensor(): data has dtype {array.dtype}, but a tensor holds bool, "
                         f"integer or floating-point numbers; convert it first, e.g. "
                         f"np.asarray(data, dtype=np.float32)")
    return array


class Tensor:
    """An n-dimensional array that records the ops applied to it, for ``backward()``.

    ``data`` is the ``numpy.ndarray``; ``grad`` is an ndarray of the same shape (or None)
    filled by ``backward``; ``requires_grad`` marks tensors whose gradient is wanted.
    ``_version[0]`` counts in-place writes (see ``tinymoe.autograd``)."""

    __slots__ = ("_data", "_version", "grad", "requires_grad", "_ctx", "_retains_grad",
                 "__weakref__")
    __array_ufunc__ = None  # make ``ndarray + Tensor`` call ``Tensor.__radd__``

    def __init__(self, data, requires_grad: bool = False, dtype=None):
        fast = type(data) is np.ndarray and dtype is None and data.dtype.kind in NUMERIC_KINDS
        self._data = data if fast else _numeric(_as_array(data, dtype))
        self._version = [0, 0]  # [version, number of its last write] (tinymoe.autograd)
        if requires_grad and self._data.dtype.kind != "f":
            raise DTypeError(f"tensor: only floating-point tensors can require grad, "
                             f"got dtype {self._data.dtype}")
        self.grad = None
        self.requires_grad = requires_grad
        self._ctx = None
        self._retains_grad = False

    def _set_data(self, value) -> None:
        """Assigning the same array back (``t.data -= x``, ``t.data *= 0.5``) means it was
        changed in place: bump the version. A new array leaves saved arrays intact."""
        if value is self._data:
            autograd.mark_modified(self)
        self._data = value

    data = property(operator.attrgetter("_data"), _set_data,
                    doc="The ``numpy.ndarray`` (assigning it back in place bumps the version).")

    # ------------------------------------------------------------ metadata
    @property
    def shape(self) -> tuple:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    def size(self, dim: int | None = None):
        return self.data.shape if dim is None else self.data.shape[dim]

    def numel(self) -> int:
        return self.data.size

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def numpy(self) -> np.ndarray:
        return self.data

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype)

    def item(self):
        if self.data.size != 1:
            raise ShapeError(f"item: only one-element tensors convert to a Python number, "
                             f"got shape {fmt(self.shape)}")
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    def detach(self) -> "Tensor":
        """A tensor sharing this data (and its version counter), cut from the graph."""
        out = Tensor(self._data)
        out._version = self._version
        return out

    def requires_grad_(self, flag: bool = True) -> "Tensor":
        self.requires_grad = flag
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after ``backward``."""
        self._retains_grad = True

    def backward(self, grad=None, retain_graph: bool = False) -> None:
        """Accumulate gradients into the ``.grad`` of every leaf that requires grad.

        ``grad`` defaults to 1 for a scalar output. Gradients add up across calls until
        reset with ``t.grad = None``. The graph's saved arrays are freed afterwards
        unless ``retain_graph=True``; a second backward through it raises."""
        autograd.backward(self, grad, retain_graph)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(", precision=4)
        extras = []
        if self.data.dtype not in (float32, int64, bool_):
            extras.append(f"dtype={self.data.dtype}")
        if self.requires_grad:
            extras.append("requires_grad=True" if self.is_leaf else
                          f"grad_fn=<{self._ctx.function.__name__}Backward>")
        return f"tensor({', '.join([body, *extras])})"

    # ------------------------------------------------------------ dtype
    def to(self, dtype) -> "Tensor":
        dtype = np.dtype(dtype)
        return self if dtype == self.dtype else fn.Cast.apply(self, dtype)

    def float(self) -> "Tensor":
        return self.to(float32)

    def double(self) -> "Tensor":
        return self.to(float64)

    def long(self) -> "Tensor":
        return Tensor(self.data.astype(int64))

    # ------------------------------------------------------------ arithmetic
    def __add__(self, other):
        return fn.Add.apply(self, other)

    def __radd__(self, other):
        return fn.Add.apply(other, self)

    def __sub__(self, other):
        return fn.Sub.apply(self, other)

    def __rsub__(self, other):
        return fn.Sub.apply(other, self)

    def __mul__(self, other):
        return fn.Mul.apply(self, other)

    def __rmul__(self, other):
        return fn.Mul.apply(other, self)

    def __truediv__(self, other):
        return fn.Div.apply(self, other)

    def __rtruediv__(self, other):
        return fn.Div.apply(other, self)

    def __pow__(self, other):
        return fn.Pow.apply(self, other)

    def __rpow__(self, other):
        return fn.Pow.apply(other, self)

    def __neg__(self):
        return fn.Neg.apply(self)

    def __matmul__(self, other):
        return fn.Matmul.apply(self, other)

    def __rmatmul__(self, other):
        return fn.Matmul.apply(other, self)

    matmul = __matmul__

    # comparisons give boolean tensors (no gradient)
    def __eq__(self, other):
        return Tensor(self.data == _raw(other))

    def __ne__(self, other):
        return Tensor(self.data != _raw(other))

    def __lt__(self, other):
        return Tensor(self.data < _raw(other))

    def __le__(self, other):
        return Tensor(self.data <= _raw(other))

    def __gt__(self, other):
        return Tensor(self.data > _raw(other))

    def __ge__(self, other):
        return Tensor(self.data >= _raw(other))

    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    # ------------------------------------------------------------ elementwise
    def exp(self):
        return fn.Exp.apply(self)

    def log(self):
        return fn.Log.apply(self)

    def sqrt(self):
        return fn.Sqrt.apply(self)

    def abs(self):
        return fn.Abs.apply(self)

    def tanh(self):
        return fn.Tanh.apply(self)

    def sigmoid(self):
        return fn.Sigmoid.apply(self)

    def relu(self):
        return fn.Relu.apply(self)

    def clip(self, min=None, max=None):
        return fn.Clip.apply(self, min, max)

    clamp = clip

    def maximum(self, other):
        return fn.Maximum.apply(self, other)

    def minimum(self, other):
        return fn.Minimum.apply(self, other)

    # ------------------------------------------------------------ reductions
    def sum(self, dim=None, keepdim=False):
        return fn.Sum.apply(self, dim=dim, keepdim=keepdim)

    def mean(self, dim=None, keepdim=False):
        return fn.Mean.apply(self, dim=dim, keepdim=keepdim)

    def max(self, dim=None, keepdim=False):
        """Maximum values over ``dim`` (like ``torch.amax``; use ``argmax`` for indices)."""
        return fn.Amax.apply(self, dim=dim, keepdim=keepdim)

    def min(self, dim=None, keepdim=False):
        """Minimum values over ``dim`` (like ``torch.amin``; use ``argmin`` for indices)."""
        return fn.Amin.apply(self, dim=dim, keepdim=keepdim)

    def var(self, dim=None, keepdim=False, correction=1):
        return fn.Var.apply(self, dim=dim, keepdim=keepdim, correction=correction)

    def logsumexp(self, dim=None, keepdim=False):
        return fn.LogSumExp.apply(self, dim=dim, keepdim=keepdim)

    def argmax(self, dim=None, keepdim=False):
        return Tensor(np.argmax(self.data, axis=dim, keepdims=keepdim))

    def argmin(self, dim=None, keepdim=False):
        return Tensor(np.argmin(self.data, axis=dim, keepdims=keepdim))

    # ------------------------------------------------------------ shapes
    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], tuple | list) else shape
        return fn.Reshape.apply(self, tuple(shape))

    view = reshape

    def flatten(self, start_dim=0, end_dim=-1):
        if self.ndim == 0:
            return self.reshape(1)
        start, end = start_dim % self.ndim, end_dim % self.ndim
        shape = self.shape[:start] + (-1,) + self.shape[end + 1:]
        return self.reshape(shape)

    def squeeze(self, dim=None):
        if dim is None:
            shape = tuple(n for n in self.shape if n != 1)
        else:
            d = dim % max(self.ndim, 1)
            shape = self.shape[:d] + self.shape[d + 1:] if self.shape[d] == 1 else self.shape
        return self.reshape(shape)

    def unsqueeze(self, dim):
        d = dim % (self.ndim + 1)
        return self.reshape(self.shape[:d] + (1,) + self.shape[d:])

    def permute(self, *dims):
        dims = dims[0] if len(dims) == 1 and isinstance(dims[0], tuple | list) else dims
        return fn.Permute.apply(self, tuple(dims))

    def transpose(self, dim0, dim1):
        dims = list(range(self.ndim))
        dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
        return fn.Permute.apply(self, tuple(dims))

    @property
    def T(self):
        return fn.Permute.apply(self, tuple(reversed(range(self.ndim))))

    def expand(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], tuple | list) else shape
        return fn.Expand.apply(self, tuple(shape))

    def contiguous(self):
        return self

    def clone(self):
        return fn.Mul.apply(self, 1)

    def __getitem__(self, index):
        return fn.GetItem.apply(self, _raw_index(index))

    def __setitem__(self, index, value):
        if autograd.is_grad_enabled() and (self.requires_grad or getattr(value, "requires_grad",
                                                                         False)):
            raise RuntimeError("setitem: in-place assignment is not differentiable here; "
                               "build a new tensor (e.g. with tm.where) or use tm.no_grad()")
        self._data[_raw_index(index)] = _raw(value)
        autograd.mark_modified(self)

    def split(self, split_size_or_sections, dim=0):
        return split(self, split_size_or_sections, dim)

    def chunk(self, chunks, dim=0):
        return chunk(self, chunks, dim)

    def gather(self, dim, index):
        return fn.Gather.apply(self, dim, _raw(index))

    def scatter_add(self, dim, index, src):
        return fn.ScatterAdd.apply(self, dim, _raw(index), src)

    def index_add(self, dim, index, source):
        return fn.IndexAdd.apply(self, dim, _raw(index), source)


autograd.register_tensor_type(Tensor)


def _raw(x):
    return x._data if isinstance(x, Tensor) else x


def _raw_index(index):
    if isinstance(index, tuple):
        return tuple(_raw(i) for i in index)
    return _raw(index)


# ---------------------------------------------------------------- free functions


def tensor(data, requires_grad: bool = False, dtype=None) -> Tensor:
    """A new tensor holding a copy of ``data`` (list, number or array)."""
    source = data.data if isinstance(data, Tensor) else data
    array = _as_array(source, dtype)
    return Tensor(array.copy() if array is source else array, requires_grad=requires_grad)


def _shape_arg(shape, op: str) -> tuple:
    """The shape of a factory call, ``zeros(2, 3)`` or ``zeros((2, 3))``: integers >= 0,
    else a ValueError (TypeError for a non-integer) naming the factory and the shape."""
    shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], tuple | list) else shape
    for n in shape:
        if isinstance(n, bool) or not isinstance(n, numbers.Integral):
            raise TypeError(f"{op}: shape must hold integers, got {shape!r}")
        if n < 0:
            raise ValueError(f"{op}: shape must hold sizes >= 0, got {shape!r}")
    return shape


def zeros(*shape, dtype=None, requires_grad=False) -> Tensor:
    return Tensor(np.zeros(_shape_arg(shape, "zeros"), dtype or DEFAULT_FLOAT), requires_grad)


def ones(*shape, dtype=None, requires_grad=False) -> Tensor:
    return Tensor(np.ones(_shape_arg(shape, "ones"), dtype or DEFAULT_FLOAT), requires_grad)


def full(shape, fill_value, dtype=None, requires_grad=False) -> Tensor:
    data = np.full(_shape_arg((shape,), "full"), fill_value, dtype or DEFAULT_FLOAT)
    return Tensor(data, requires_grad)


def zeros_like(t: Tensor, dtype=None, requires_grad=False) -> Tensor:
    return Tensor(np.zeros(t.shape, dtype or t.dtype), requires_grad)


def ones_like(t: Tensor, dtype=None, requires_grad=False) -> Tensor:
    return Tensor(np.ones(t.shape, dtype or t.dtype), requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False) -> Tensor:
    """Like ``torch.arange``: integers give int64, any float argument gives float32."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError(f"arange: step must be nonzero, got {step!r}")
    floats = any(isinstance(v, float) for v in (start, end, step))
    dtype = dtype or (DEFAULT_FLOAT if floats else int64)
    return Tensor(np.arange(start, end, step, dtype=dtype), requires_grad)


def randn(*shape, dtype=None, requires_grad=False) -> Tensor:
    """Standard normal samples from the global generator (``tm.manual_seed``)."""
    data = generator().standard_normal(_shape_arg(shape, "randn")).astype(dtype or DEFAULT_FLOAT)
    return Tensor(data, requires_grad)


def rand(*shape, dtype=None, requires_grad=False) -> Tensor:
    """Uniform [0, 1) samples from the global generator."""
    data = generator().random(_shape_arg(shape, "rand")).astype(dtype or DEFAULT_FLOAT)
    return Tensor(data, requires_grad)


def cat(tensors, dim: int = 0) -> Tensor:
    return fn.Cat.apply(*tensors, dim=dim)


def stack(tensors, dim: int = 0) -> Tensor:
    return fn.Stack.apply(*tensors, dim=dim)


def where(condition, a, b) -> Tensor:
    return fn.Where.apply(_raw(condition), a, b)


def maximum(a, b) -> Tensor:
    return fn.Maximum.apply(a, b)


def minimum(a, b) -> Tensor:
    return fn.Minimum.apply(a, b)


def split(t: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or the given sizes."""
    length = t.shape[dim]
    if isinstance(split_size_or_sections, numbers.Integral):
        size = int(split_size_or_sections)
        if size <= 0:
            raise ValueError(f"split: split_size must be positive, got {size}")
        sizes = [min(size, length - s) for s in range(0, length, size)]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != length:
            raise ShapeError(f"split: sections {sizes} sum to {sum(sizes)}, but dim {dim} has "
                             f"size {length}")
    prefix = (slice(None),) * (dim % t.ndim)
    bounds = np.cumsum([0, *sizes])
    return tuple(t[(*prefix, slice(int(lo), int(hi)))] for lo, hi in zip(bounds, bounds[1:]))


def chunk(t: Tensor, chunks: int, dim: int = 0) -> tuple:
    """``chunks`` nearly equal pieces along ``dim`` (as torch.chunk)."""
    return split(t, -(-t.shape[dim] // chunks), dim)


def pad(t: Tensor, pad: tuple, value: float = 0.0) -> Tensor:
    return fn.Pad.apply(t, tuple(pad), value)


def gather(t: Tensor, dim: int, index) -> Tensor:
    return t.gather(dim, index)


def scatter_add(t: Tensor, dim: int, index, src) -> Tensor:
    return t.scatter_add(dim, index, src)


def index_add(t: Tensor, dim: int, index, source) -> Tensor:
    return t.index_add(dim, index, source)


def one_hot(indices, num_classes: int = -1) -> Tensor:
    """Integer class ids (...,) -> int64 one-hot (..., num_classes); no gradient."""
    idx = np.asarray(_raw(indices))
    check_integer("one_hot", idx, "indices")
    if num_classes < 0:
        num_classes = int(idx.max()) + 1 if idx.size else 0
    if idx.size and (idx.min() < 0 or idx.max() >= num_classes):
        bad = idx[(idx < 0) | (idx >= num_classes)].flat[0]
        raise IndexError(f"one_hot: class index {bad} is outside [0, {num_classes})")
    return Tensor((idx[..., None] == np.arange(num_classes)).astype(int64))

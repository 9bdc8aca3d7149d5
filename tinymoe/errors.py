"""Clear errors for bad input: each names the op and the shapes or dtypes involved."""

import numpy as np


class ShapeError(ValueError):
    """Shapes that do not fit the op (mismatch, bad broadcast, wrong rank)."""


class DTypeError(TypeError):
    """A dtype the op cannot use (float indices, integer data where floats are needed)."""


def fmt(shape) -> str:
    """``(3, 4)`` for a shape tuple, including the 1-tuple ``(3,)`` and scalars ``()``."""
    return str(tuple(int(n) for n in shape))


def check_same_shape(op: str, a: np.ndarray, b: np.ndarray, names=("input", "target")) -> None:
    """Raise unless ``a`` and ``b`` have identical shapes (no silent broadcasting)."""
    if a.shape != b.shape:
        raise ShapeError(
            f"{op}: {names[0]} shape {fmt(a.shape)} and {names[1]} shape {fmt(b.shape)} differ;"
            " they must match exactly (broadcasting here would silently compute the wrong loss)"
        )


def check_same_dtype(op: str, a: np.ndarray, b: np.ndarray) -> None:
    """Raise unless ``a`` and ``b`` share a dtype: the engine's matrix products do not
    promote (PyTorch's rule; NumPy would turn int32 @ float32 into float64)."""
    if a.dtype != b.dtype:
        target = a.dtype if a.dtype.kind == "f" else b.dtype
        raise DTypeError(
            f"{op}: operands {fmt(a.shape)} {a.dtype} and {fmt(b.shape)} {b.dtype} have "
            f"different dtypes; they must match (no silent promotion): cast one with "
            f".to({target})"
        )


def check_integer(op: str, array: np.ndarray, what: str = "indices") -> None:
    """Raise unless ``array`` holds integers (indices, class targets)."""
    if not np.issubdtype(array.dtype, np.integer):
        raise DTypeError(f"{op}: {what} must be an integer tensor, got dtype {array.dtype}")


def check_float(op: str, array: np.ndarray, what: str = "input") -> None:
    """Raise unless ``array`` holds floating-point numbers."""
    if not np.issubdtype(array.dtype, np.floating):
        raise DTypeError(f"{op}: {what} must be a floating-point tensor, got dtype {array.dtype}")


def normalize_dim(op: str, dim: int, ndim: int) -> int:
    """Map a possibly negative ``dim`` into ``[0, ndim)`` or raise naming the op."""
    if not -ndim <= dim < max(ndim, 1):
        raise ShapeError(f"{op}: dim {dim} is out of range for a tensor with {ndim} dims")
    return dim % max(ndim, 1)

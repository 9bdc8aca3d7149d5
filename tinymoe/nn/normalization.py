"""``LayerNorm`` and ``RMSNorm`` over the trailing ``normalized_shape`` dims, composed
from differentiable ops (so autograd supplies the backward)."""

import numpy as np

from tinymoe.errors import ShapeError, fmt
from tinymoe.nn.module import Module
from tinymoe.nn.parameter import Parameter
from tinymoe.nn.sizes import check_size


def _as_shape(op: str, normalized_shape) -> tuple[int, ...]:
    """``normalized_shape`` (an int or a sequence of ints >= 0) as a tuple."""
    if np.ndim(normalized_shape) == 0:
        return (check_size(op, "normalized_shape", normalized_shape),)
    return tuple(check_size(op, f"normalized_shape[{i}]", n)
                 for i, n in enumerate(normalized_shape))


def _normalized_dims(op: str, x, normalized_shape: tuple[int, ...]) -> tuple[int, ...]:
    """The axes of ``x`` to normalise over; raises unless ``x`` ends in ``normalized_shape``."""
    k = len(normalized_shape)
    if x.ndim < k or tuple(x.shape[x.ndim - k :]) != normalized_shape:
        raise ShapeError(
            f"{op}: input shape {fmt(x.shape)} does not end in normalized_shape "
            f"{fmt(normalized_shape)}"
        )
    return tuple(range(x.ndim - k, x.ndim))


def _filled(shape, value: float, dtype) -> Parameter:
    return Parameter(np.full(shape, value, dtype=np.dtype(dtype or np.float32)))


class LayerNorm(Module):
    """``(x - mean) / sqrt(var + eps) * weight + bias`` with mean and biased variance over
    the trailing ``normalized_shape`` dims; ``(*, *normalized_shape)`` in and out."""

    def __init__(
        self,
        normalized_shape,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        dtype=None,
    ) -> None:
        super().__init__()
        self.normalized_shape = _as_shape("LayerNorm", normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        affine = elementwise_affine
        self.register_parameter(
            "weight", _filled(self.normalized_shape, 1.0, dtype) if affine else None
        )
        self.register_parameter(
            "bias", _filled(self.normalized_shape, 0.0, dtype) if affine and bias else None
        )

    def forward(self, x):
        self.check_input_dtype(x, None if self.weight is None else self.weight.dtype)
        dims = _normalized_dims("LayerNorm", x, self.normalized_shape)
        centred = x - x.mean(dim=dims, keepdim=True)
        var = (centred * centred).mean(dim=dims, keepdim=True)
        y = centred / (var + self.eps).sqrt()
        if self.weight is not None:
            y = y * self.weight
        if self.bias is not None:
            y = y + self.bias
        return y

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )


class RMSNorm(Module):
    """``x / sqrt(mean(x**2) + eps) * weight`` over the trailing ``normalized_shape`` dims
    (Zhang & Sennrich 2019). ``eps=None`` uses the machine epsilon of the input's dtype,
    as PyTorch does."""

    def __init__(
        self,
        normalized_shape,
        eps: float | None = None,
        elementwise_affine: bool = True,
        dtype=None,
    ) -> None:
        super().__init__()
        self.normalized_shape = _as_shape("RMSNorm", normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        self.register_parameter(
            "weight", _filled(self.normalized_shape, 1.0, dtype) if elementwise_affine else None
        )

    def forward(self, x):
        self.check_input_dtype(x, None if self.weight is None else self.weight.dtype)
        dims = _normalized_dims("RMSNorm", x, self.normalized_shape)
        eps = float(np.finfo(x.dtype).eps) if self.eps is None else self.eps
        y = x / ((x * x).mean(dim=dims, keepdim=True) + eps).sqrt()
        return y * self.weight if self.weight is not None else y

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )

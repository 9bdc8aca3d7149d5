"""Weight initialisation, in place, drawing from ``tinymoe.rng.generator()``.

Each function takes a Tensor (or a NumPy array), overwrites its data without recording
a graph, and returns it. Variances, for a weight of shape ``(fan_out, fan_in, *kernel)``:

- Xavier/Glorot (tanh, sigmoid, linear): ``Var = gain**2 * 2 / (fan_in + fan_out)``.
- Kaiming/He (ReLU family): ``Var = gain**2 / fan`` with ``fan = fan_in`` by default, and
  ``gain**2 = 2`` for ReLU, so ``Var = 2 / fan_in`` (He et al. 2015). Seed article 004
  prints ``2 / max(fan_in, fan_out)``: that is not He initialisation.

A uniform draw on ``[-b, b]`` has variance ``b**2 / 3``, so the uniform variants use
``b = sqrt(3 * Var)``.

A zero-size weight (``Linear(0, 3)``: fan_in 0) has no entries to draw, so its bound is 0
instead of a division by zero, as in PyTorch, where initialising it is a no-op.
"""

import math

import numpy as np

from tinymoe.rng import generator
from tinymoe.tensor import Tensor

_LINEAR_GAIN = ("linear", "identity", "sigmoid", "conv1d", "conv2d", "conv3d")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for ``nonlinearity`` (same table as ``torch.nn.init``):
    1 for linear/sigmoid, 5/3 for tanh, sqrt(2) for relu, sqrt(2 / (1 + a**2)) for
    leaky_relu with negative slope ``a`` (default 0.01), 3/4 for selu."""
    if nonlinearity in _LINEAR_GAIN:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1.0 + slope**2))
    if nonlinearity == "selu":
        return 0.75
    raise ValueError(
        f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; choose one of "
        f"{[*_LINEAR_GAIN, 'tanh', 'relu', 'leaky_relu', 'selu']}"
    )


def _array(tensor) -> np.ndarray:
    return tensor.data if isinstance(tensor, Tensor) else tensor


def _fans(tensor) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight shaped ``(out, in, *kernel)``."""
    shape = _array(tensor).shape
    if len(shape) < 2:
        raise ValueError(f"fan in/out need a weight with at least 2 dims, got shape {tuple(shape)}")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _per_fan(numerator: float, fan: int) -> float:
    """``sqrt(numerator / fan)``; 0 for ``fan == 0``, which only a zero-size weight has
    (every fan is a product of dims of the weight)."""
    return math.sqrt(numerator / fan) if fan else 0.0


def _fill(tensor, values):
    array = _array(tensor)
    array[...] = values
    return tensor


def uniform_(tensor, a: float = 0.0, b: float = 1.0):
    """Fill with draws from ``U(a, b)``."""
    return _fill(tensor, generator().uniform(a, b, _array(tensor).shape))


def normal_(tensor, mean: float = 0.0, std: float = 1.0):
    """Fill with draws from ``N(mean, std**2)``."""
    return _fill(tensor, generator().normal(mean, std, _array(tensor).shape))


def constant_(tensor, val: float):
    """Fill with ``val``."""
    return _fill(tensor, val)


def zeros_(tensor):
    return constant_(tensor, 0.0)


def ones_(tensor):
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor, gain: float = 1.0):
    """``U(-b, b)`` with ``b = gain * sqrt(6 / (fan_in + fan_out))``."""
    fan_in, fan_out = _fans(tensor)
    bound = gain * _per_fan(6.0, fan_in + fan_out)
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor, gain: float = 1.0):
    """``N(0, std**2)`` with ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    fan_in, fan_out = _fans(tensor)
    return normal_(tensor, 0.0, gain * _per_fan(2.0, fan_in + fan_out))


def _kaiming_std(tensor, a: float, mode: str, nonlinearity: str) -> float:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"kaiming init: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fans(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan) if fan else 0.0


def kaiming_uniform_(
    tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"
):
    """``U(-b, b)`` with ``b = gain * sqrt(3 / fan)``; ``a`` is the leaky-ReLU slope used
    by ``calculate_gain`` (``a=0`` with the default nonlinearity is plain He/ReLU)."""
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"):
    """``N(0, std**2)`` with ``std = gain / sqrt(fan)`` (``2 / fan_in`` variance for ReLU)."""
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity))

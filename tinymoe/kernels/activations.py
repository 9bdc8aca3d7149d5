"""Elementwise kernels NumPy lacks or does in several passes: ``erf`` and fused GELU.

GELU(x) = x * Phi(x) with Phi(x) = (1 + erf(x / sqrt 2)) / 2. NumPy has no ``erf``, and
the backward pass, ``grad * (Phi(x) + x * phi(x))``, costs NumPy five temporaries; here
each is one parallel pass. References: ``gelu_reference`` / ``gelu_backward_reference``.
"""

import math

import numpy as np
from numba import njit, prange

INV_SQRT2 = 1 / math.sqrt(2)
INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)


@njit(cache=True, parallel=True)
def _erf_flat(x, out):
    for i in prange(x.size):
        out[i] = math.erf(x[i])


@njit(cache=True, parallel=True)
def _gelu_flat(x, out, c):
    """``c`` = (1/2, 1/sqrt 2, 1/sqrt(2 pi)) in x's dtype: float64 literals would
    promote float32 math (and erf) to float64."""
    half, inv_sqrt2 = c[0], c[1]
    for i in prange(x.size):
        v = x[i]
        out[i] = half * v * (1 + math.erf(v * inv_sqrt2))


@njit(cache=True, parallel=True)
def _gelu_backward_flat(x, grad, out, c):
    half, inv_sqrt2, inv_sqrt_2pi = c[0], c[1], c[2]
    for i in prange(x.size):
        v = x[i]
        cdf = half * (1 + math.erf(v * inv_sqrt2))
        out[i] = grad[i] * (cdf + v * inv_sqrt_2pi * math.exp(-half * v * v))


def _elementwise(kernel, *arrays, constants=()) -> np.ndarray:
    """Run ``kernel(*flat_inputs, flat_out[, constants])``; the result has the first
    input's shape and dtype."""
    flat = [np.ascontiguousarray(a).reshape(-1) for a in arrays]
    out = np.empty_like(flat[0])
    if constants:
        kernel(*flat, out, np.array(constants, dtype=out.dtype))
    else:
        kernel(*flat, out)
    return out.reshape(np.shape(arrays[0]))


GELU_CONSTANTS = (0.5, INV_SQRT2, INV_SQRT_2PI)


def erf(x: np.ndarray) -> np.ndarray:
    """Elementwise error function; same shape and dtype as ``x``."""
    return _elementwise(_erf_flat, x)


def gelu(x: np.ndarray) -> np.ndarray:
    """Exact GELU, ``x * Phi(x)``, in one pass."""
    return _elementwise(_gelu_flat, x, constants=GELU_CONSTANTS)


def gelu_backward(x: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """``grad * GELU'(x)`` in one pass; ``grad`` has ``x``'s shape."""
    return _elementwise(_gelu_backward_flat, x, grad.astype(x.dtype, copy=False),
                        constants=GELU_CONSTANTS)


def gelu_reference(x: np.ndarray) -> np.ndarray:
    """The unfused NumPy form (``erf`` is the one kernel it borrows)."""
    return 0.5 * x * (1 + erf(x * INV_SQRT2))


def gelu_backward_reference(x: np.ndarray, grad: np.ndarray) -> np.ndarray:
    cdf = 0.5 * (1 + erf(x * INV_SQRT2))
    return grad * (cdf + x * INV_SQRT_2PI * np.exp(-0.5 * x * x))

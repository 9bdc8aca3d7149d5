"""Elementwise kernels NumPy lacks or does in several passes: ``erf`` and fused GELU.

GELU(x) = x * Phi(x) with Phi(x) = (1 + erf(x / sqrt 2)) / 2. NumPy has no ``erf``, and
the backward pass, ``grad * (Phi(x) + x * phi(x))``, costs NumPy five temporaries; here
each is one pass, threaded from PARALLEL_MIN elements. References: ``erf``, ``gelu`` and
``gelu_backward`` in ``tinymoe.reference``.
"""

import math

import numpy as np
from numba import njit, prange

from tinymoe.kernels.matmul_ladder import THREADS

INV_SQRT2 = 1 / math.sqrt(2)
INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
PARALLEL_MIN = 1 << 14  # smaller arrays run serially: a thread launch costs more


@njit(cache=True)
def _gelu1(v, half, inv_sqrt2):
    return half * v * (1 + math.erf(v * inv_sqrt2))


@njit(cache=True)
def _gelu_grad1(v, g, half, inv_sqrt2, inv_sqrt_2pi):
    cdf = half * (1 + math.erf(v * inv_sqrt2))
    return g * (cdf + v * inv_sqrt_2pi * math.exp(-half * v * v))


# Each kernel below loops serially, or with threads if ``threaded``: the same body twice,
# since a parallel loop always launches the threads. ``c`` = (1/2, 1/sqrt 2, 1/sqrt(2 pi))
# in x's dtype: float64 literals would promote float32 math (and erf) to float64.

@njit(cache=True, parallel=THREADS)
def _erf_flat(x, out, threaded):
    if not threaded:
        for i in range(x.size):
            out[i] = math.erf(x[i])
        return
    for i in prange(x.size):
        out[i] = math.erf(x[i])


@njit(cache=True, parallel=THREADS)
def _gelu_flat(x, out, c, threaded):
    if not threaded:
        for i in range(x.size):
            out[i] = _gelu1(x[i], c[0], c[1])
        return
    for i in prange(x.size):
        out[i] = _gelu1(x[i], c[0], c[1])


@njit(cache=True, parallel=THREADS)
def _gelu_backward_flat(x, grad, out, c, threaded):
    if not threaded:
        for i in range(x.size):
            out[i] = _gelu_grad1(x[i], grad[i], c[0], c[1], c[2])
        return
    for i in prange(x.size):
        out[i] = _gelu_grad1(x[i], grad[i], c[0], c[1], c[2])


def _elementwise(kernel, *arrays, constants=()) -> np.ndarray:
    """Run ``kernel(*flat_inputs, flat_out[, constants], threaded)``; the result has the
    first input's shape and dtype."""
    flat = [np.ascontiguousarray(a).reshape(-1) for a in arrays]
    out = np.empty_like(flat[0])
    extra = (np.array(constants, dtype=out.dtype),) if constants else ()
    kernel(*flat, out, *extra, out.size >= PARALLEL_MIN)
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

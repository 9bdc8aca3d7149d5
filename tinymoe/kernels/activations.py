"""Elementwise kernels NumPy lacks or does in several passes: ``erf`` and fused GELU.

GELU(x) = x * Phi(x) with Phi(x) = (1 + erf(x / sqrt 2)) / 2. NumPy has no ``erf``, and
the backward pass, ``grad * (Phi(x) + x * phi(x))``, costs NumPy five temporaries; here
each is one pass, threaded from PARALLEL_MIN elements. References: ``erf``, ``gelu`` and
``gelu_backward`` in ``tinymoe.reference``.

For float32, ``erf`` is two polynomials, evaluated in float64 and rounded once, with no
call to ``math.erf`` (a scalar library call per element, which keeps LLVM from
vectorising the loop). For a = |x|, erf(-x) = -erf(x):

- a < 1: ``erf(a) = a * P(a^2)`` with P the Maclaurin series of erf(a) / a,
  ``2/sqrt(pi) * sum_n (-1)^n a^(2n) / (n! (2n + 1))`` (Abramowitz & Stegun 7.1.5), cut
  after 12 terms: the first term left out, 1 / (12! * 25) < 1e-10, bounds the error.
- 1 <= a < 4: ``erf(a) = Q((a - 2.5) / 1.5)``, Q the degree-20 Chebyshev approximation
  of erf on [1, 4] (Trefethen, *Approximation Theory and Approximation Practice*,
  ch. 3-8: erf is entire, so the error falls faster than geometrically with the degree),
  computed when this module is imported as the least-squares fit to ``math.erf`` at 400
  Chebyshev points (close to the truncated Chebyshev series; error < 2e-12), then
  converted to an ordinary polynomial in s = (a - 2.5) / 1.5, which lies in [-1, 1]:
  the coefficients stay below 1 in size and Horner's rule loses only a few float64
  roundings.
- a >= 4: 1 (1 - erf(4) = 1.5e-8 is under half an ulp of float32's 1).

Measured against ``math.erf`` rounded to float32, on 10^6 points evenly spaced in
[-6, 6] plus the tails and float32's subnormals (tests/test_kernels.py checks the bound):
at most 1 ulp off (18 of the 10^6 points): the polynomials' error is far below float32's
rounding, so only a result lying almost exactly between two float32 numbers can round
the other way.

For float64 the kernels call ``math.erf``, as the reference does. The same construction
with float64 constants (19 series terms, degree 36 on [1, 6]) reached 1.4e-15 relative
error on erf, but GELU computes 1 + erf(x / sqrt 2), which cancels for negative x: at
x = -4, 7 ulp of erf become 1.7e-12 relative error in GELU, where ``math.erf`` (within
1 ulp) keeps the kernel equal to its reference.

GELU and its gradient compute in float64 and round once; they clamp x where Phi and
phi have reached 0 or 1 exactly, so +-inf gives the limits (GELU(-inf) = 0,
GELU'(+-inf) = 1 or 0) instead of inf * 0 = nan. In float32 this makes GELU more
accurate than the reference, which forms 1 + erf in float32: against x * erfc(-x /
sqrt 2) / 2 in float64, the kernel is within 1 ulp for x >= -4 and 8e-6 relative at
x = -5.5, where the reference is 36% off. Further out both lose relative accuracy to
that cancellation (absolute error < 1e-11); Phi via erfc would keep it.
"""

import math

import numpy as np
from numba import njit, prange
from numpy.polynomial import chebyshev

from tinymoe.kernels.matmul_ladder import THREADS

INV_SQRT2 = 1 / math.sqrt(2)
INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
PARALLEL_MIN = 1 << 14  # smaller arrays run serially: a thread launch costs more
# Phi(-40) and phi(+-40) are below float64's smallest subnormal: past +-40 the exact
# GELU is x * 0 (forward, below) and its gradient is 1 or 0, so clamping changes nothing.
CLAMP = 40.0
FIT_NODES = 400  # Chebyshev points erf is sampled at, for the fit on [1, cut]


def _erf_table(terms: int, cut: float, degree: int) -> tuple:
    """(Maclaurin coefficients of erf(a)/a in a^2, lowest first; Chebyshev approximation
    of erf on [1, cut] as a polynomial in s = (a - mid) / half, lowest first; mid;
    1 / half; cut): the constants of ``_erf_abs``."""
    series = tuple(2 / math.sqrt(math.pi) * (-1) ** n / (math.factorial(n) * (2 * n + 1))
                   for n in range(terms))
    mid, half = (1 + cut) / 2, (cut - 1) / 2
    nodes = np.cos(np.pi * (np.arange(FIT_NODES) + 0.5) / FIT_NODES)  # Chebyshev points
    cheb = chebyshev.chebfit(nodes, [math.erf(mid + half * s) for s in nodes], degree)
    power = tuple(float(c) for c in chebyshev.cheb2poly(cheb))
    return series, power, mid, 1 / half, cut


# 12 series terms (error < 1e-10 at a = 1), degree 20 on [1, 4] (error < 2e-12)
ERF_FLOAT32 = _erf_table(terms=12, cut=4.0, degree=20)


@njit(cache=True)
def _horner(coefficients, u):
    """sum_k coefficients[k] * u^k (lowest first), by Horner's rule."""
    total = 0.0
    for k in range(len(coefficients) - 1, -1, -1):
        total = total * u + coefficients[k]
    return total


@njit(cache=True)
def _erf_abs(a, table):
    """erf(a) for a = |x| >= 0 or nan, from the polynomials of ``table``; nan fails every
    comparison and comes out as nan."""
    series, power, mid, inv_half, cut = table
    if a < 1.0:
        return a * _horner(series, a * a)
    if a < cut:
        return _horner(power, (a - mid) * inv_half)
    return 1.0 if a >= cut else a


@njit(cache=True)
def _erf1(x, single):
    """erf(x) in float64: the polynomials (see the module docstring) if the result is
    rounded to float32 (``single``), else ``math.erf``. The sign of -0 is kept."""
    x = np.float64(x)
    if single:
        return math.copysign(_erf_abs(abs(x), ERF_FLOAT32), x)
    return math.erf(x)


@njit(cache=True)
def _gelu1(v, single):
    x = np.float64(v)
    x = -CLAMP if x < -CLAMP else x  # x * Phi(x) is -0 there; -inf * 0 would be nan
    return 0.5 * x * (1.0 + _erf1(x * INV_SQRT2, single))


@njit(cache=True)
def _gelu_grad1(v, g, single):
    x = np.float64(v)
    x = -CLAMP if x < -CLAMP else (CLAMP if x > CLAMP else x)  # +-inf * phi = inf * 0
    cdf = 0.5 * (1.0 + _erf1(x * INV_SQRT2, single))
    return g * (cdf + x * INV_SQRT_2PI * math.exp(-0.5 * x * x))


# Each kernel below loops serially, or with threads if ``threaded``: the same body twice,
# since a parallel loop always launches the threads.

@njit(cache=True, parallel=THREADS)
def _erf_flat(x, out, single, threaded):
    if not threaded:
        for i in range(x.size):
            out[i] = _erf1(x[i], single)
        return
    for i in prange(x.size):
        out[i] = _erf1(x[i], single)


@njit(cache=True, parallel=THREADS)
def _gelu_flat(x, out, single, threaded):
    if not threaded:
        for i in range(x.size):
            out[i] = _gelu1(x[i], single)
        return
    for i in prange(x.size):
        out[i] = _gelu1(x[i], single)


@njit(cache=True, parallel=THREADS)
def _gelu_backward_flat(x, grad, out, single, threaded):
    if not threaded:
        for i in range(x.size):
            out[i] = _gelu_grad1(x[i], grad[i], single)
        return
    for i in prange(x.size):
        out[i] = _gelu_grad1(x[i], grad[i], single)


def _elementwise(kernel, *arrays) -> np.ndarray:
    """Run ``kernel(*flat_inputs, flat_out, single, threaded)``; the result has the
    first input's shape and dtype."""
    flat = [np.ascontiguousarray(a).reshape(-1) for a in arrays]
    out = np.empty_like(flat[0])
    kernel(*flat, out, out.dtype == np.float32, out.size >= PARALLEL_MIN)
    return out.reshape(np.shape(arrays[0]))


def erf(x: np.ndarray) -> np.ndarray:
    """Elementwise error function; same shape and dtype as ``x``."""
    return _elementwise(_erf_flat, x)


def gelu(x: np.ndarray) -> np.ndarray:
    """Exact GELU, ``x * Phi(x)``, in one pass."""
    return _elementwise(_gelu_flat, x)


def gelu_backward(x: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """``grad * GELU'(x)`` in one pass; ``grad`` has ``x``'s shape."""
    return _elementwise(_gelu_backward_flat, x, grad.astype(x.dtype, copy=False))

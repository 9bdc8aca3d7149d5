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

For float64 the kernels call ``math.erf``, as the reference does. (The same construction
with float64 constants, 19 series terms and degree 36 on [1, 6], reached 1.4e-15
relative error on erf, but 7 ulp of erf become 1.7e-12 relative error in GELU at x = -4,
where ``math.erf`` and ``math.erfc``, within 1 ulp, keep the kernel equal to its
reference.)

GELU and its gradient compute in float64 and round once; they clamp x where Phi and
phi have reached 0 or 1 exactly, so +-inf gives the limits (GELU(-inf) = 0,
GELU'(+-inf) = 1 or 0) instead of inf * 0 = nan. For float64 they use ``math.erfc``
and ``math.exp``, as the reference does: Phi(x) = erfc(-x / sqrt 2) / 2 has no
cancellation for negative x, where 1 + erf(x / sqrt 2) loses every digit by x = -8.

For float32 every step is a polynomial, with no libm call per element (a scalar
``math.exp`` call kept LLVM from vectorising the loop and made the float32 gradient 2x
slower than its forward): phi(x) = exp(-x^2 / 2) / sqrt(2 pi), with exp(t) for t in
[-CLAMP^2 / 2, 0] as the Taylor series of exp(t / 2^10) (18 terms: error < 1e-19)
squared 10 times; each squaring doubles the relative error, which stays under 1e-12.
Phi is (1 + erf(x / sqrt 2)) / 2 by the erf polynomials down to x = -TAIL; below, where
1 + erf(x / sqrt 2) cancels (to exactly 0 from x = -5.66 on), Phi(x) = erfc(a) / 2 with
a = -x / sqrt 2 comes from the Mills-ratio form erfc(a) = exp(-a^2) F(1 / a^2) / a, F a
degree-12 polynomial fitted like the erf one (``_erfc_tail_table``), and exp(-a^2) the
exp(-x^2 / 2) above. Against the float64 reference rounded to float32, GELU and GELU' are
within 1 ulp from -40 to +inf (tests/test_kernels.py), the far tail included (GELU(-10) =
-7.6e-23 has its float32 digits). The tail costs the forward an exp per element: 16 ->
48 ms per 4M elements on one Xeon core; the gradient already had it (24 -> 32 ms).

Vectorising: the float32 loops run 8 (AVX-512) or 4 (AVX2) float64 lanes at once only
if LLVM sees one straight-line body. So the per-element functions are inlined into each
loop by Numba (``inline="always"``: left as calls, LLVM did not inline the gradient's
before vectorising, and its loops stayed scalar, 6x slower), each polynomial is
straight-line code (``_horner_jit``), pieces are chosen by selects (conditional
expressions, min/max), never by branches that return early, and the loops compile with
``error_model="numpy"``: under Numba's default Python error model every float division
checks for a zero divisor to raise ZeroDivisionError, a branch that keeps the loop scalar
(``prange`` loops use NumPy's model already, which is why only they vectorised at first).
"""

import math

import numpy as np
from numba import njit, prange, types
from numba.extending import overload
from numpy.polynomial import chebyshev

from tinymoe.kernels.matmul_ladder import THREADS

INV_SQRT2 = 1 / math.sqrt(2)
INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
PARALLEL_MIN = 1 << 14  # smaller arrays run serially: a thread launch costs more
# Phi(-40) and phi(+-40) are below float64's smallest subnormal: past +-40 the exact
# GELU is x * 0 (forward, below) and its gradient is 1 or 0, so clamping changes nothing.
CLAMP = 40.0
FIT_NODES = 400  # Chebyshev points erf is sampled at, for the fit on [1, cut]


def _fit_power(f, mid: float, half: float, degree: int) -> tuple:
    """Coefficients (lowest first) of the degree-``degree`` polynomial in s = (t - mid) /
    half that fits f on [mid - half, mid + half]: least squares at FIT_NODES Chebyshev
    points, converted to the power basis for Horner's rule."""
    nodes = np.cos(np.pi * (np.arange(FIT_NODES) + 0.5) / FIT_NODES)  # Chebyshev points
    cheb = chebyshev.chebfit(nodes, [f(mid + half * s) for s in nodes], degree)
    return tuple(float(c) for c in chebyshev.cheb2poly(cheb))


def _erf_table(terms: int, cut: float, degree: int) -> tuple:
    """(Maclaurin coefficients of erf(a)/a in a^2, lowest first; Chebyshev approximation
    of erf on [1, cut] as a polynomial in s = (a - mid) / half, lowest first; mid;
    1 / half; cut): the constants of ``_erf_abs``."""
    series = tuple(2 / math.sqrt(math.pi) * (-1) ** n / (math.factorial(n) * (2 * n + 1))
                   for n in range(terms))
    mid, half = (1 + cut) / 2, (cut - 1) / 2
    return series, _fit_power(math.erf, mid, half, degree), mid, 1 / half, cut


# 12 series terms (error < 1e-10 at a = 1), degree 20 on [1, 4] (error < 2e-12)
ERF_FLOAT32 = _erf_table(terms=12, cut=4.0, degree=20)

TAIL = 4.0  # below x = -TAIL, Phi(x) comes from ``_cdf_tail``


def _erfc_tail_table(degree: int) -> tuple:
    """(power-basis coefficients of F(t) = a e^(a^2) erfc(a), t = 1 / a^2, on [0, 1/8] in
    s = (t - mid) / half, lowest first; mid; 1 / half): the constants of ``_cdf_tail``.
    F is smooth in t, with F(0) = 1 / sqrt(pi); sampled from math.erfc for a <= 20 and
    from its asymptotic series (error far below 1e-16 there) beyond; fitted at Chebyshev
    points like the erf table (relative error 1e-13 at degree 12)."""

    def f(t):
        a = 1 / math.sqrt(t)
        if a <= 20:
            return a * math.exp(a * a) * math.erfc(a)
        terms = [1.0]
        for n in range(1, 12):
            terms.append(-terms[-1] * (2 * n - 1) / (2 * a * a))
        return sum(terms) / math.sqrt(math.pi)

    mid = half = 1 / 16  # [0, 1/8]: a >= 2 sqrt 2, x <= -4
    return _fit_power(f, mid, half, degree), mid, 1 / half


ERFC_TAIL = _erfc_tail_table(degree=12)

EXP_HALVINGS = 10  # exp(t) = exp(t / 2^10)^(2^10)
EXP_TAYLOR = tuple(1 / math.factorial(n) for n in range(18))


def _horner(coefficients, u):
    """sum_k coefficients[k] * u^k (lowest first), by Horner's rule. In jitted code
    ``_horner_jit``."""
    total = 0.0
    for k in range(len(coefficients) - 1, -1, -1):
        total = total * u + coefficients[k]
    return total


@overload(_horner, inline="always")
def _horner_jit(coefficients, u):
    """``_horner`` as straight-line code, one multiply-add per coefficient of the tuple.
    LLVM leaves a loop over more than about a dozen tuple entries rolled, and an inner
    loop keeps the elementwise loop around it from vectorising (6-8x slower)."""
    if not isinstance(coefficients, types.BaseTuple):
        return None
    steps = "".join(f"    total = total * u + coefficients[{k}]\n"
                    for k in reversed(range(len(coefficients))))
    namespace = {}
    exec(f"def impl(coefficients, u):\n    total = 0.0\n{steps}    return total\n", namespace)
    return namespace["impl"]


@njit(cache=True, inline="always")  # see "Vectorising" in the module docstring
def _erf_abs(a, table):
    """erf(a) for a = |x| >= 0 or nan, from the polynomials of ``table``. Both pieces are
    computed and one is selected (no branch, so the loops calling this vectorise); nan
    fails every comparison and comes out as nan."""
    series, power, mid, inv_half, cut = table
    s = 1.0 if a > 1.0 else a  # each piece on its own interval: no overflow
    small = s * _horner(series, s * s)
    b = cut if a > cut else a
    large = _horner(power, (b - mid) * inv_half)
    near = small if a < 1.0 else large
    return 1.0 if a >= cut else near


@njit(cache=True, inline="always")  # see "Vectorising" in the module docstring
def _erf1(x, single):
    """erf(x) in float64: the polynomials (see the module docstring) if the result is
    rounded to float32 (``single``), else ``math.erf``. The sign of -0 is kept."""
    x = np.float64(x)
    if single:
        return math.copysign(_erf_abs(abs(x), ERF_FLOAT32), x)
    return math.erf(x)


@njit(cache=True, inline="always")  # see "Vectorising" in the module docstring
def _exp_nonpositive(t):
    """exp(t) for -CLAMP^2 / 2 <= t <= 0 by polynomials only (see the module docstring)."""
    total = _horner(EXP_TAYLOR, t * (1.0 / (1 << EXP_HALVINGS)))
    for _ in range(EXP_HALVINGS):
        total *= total
    return total


@njit(cache=True, inline="always")  # see "Vectorising" in the module docstring
def _cdf_tail(x, e):
    """Phi(x) for x < -TAIL, given e = exp(-x^2 / 2): with a = -x / sqrt 2, Phi(x) =
    erfc(a) / 2 = e * F(1 / a^2) / (2 a), F the ``ERFC_TAIL`` polynomial. Full relative
    accuracy where 1 + erf(x / sqrt 2) has lost every digit. Finite for any x (a is kept
    >= TAIL / sqrt 2); callers select it only below -TAIL."""
    a = (-x if x < -TAIL else TAIL) * INV_SQRT2
    power, mid, inv_half = ERFC_TAIL
    return 0.5 * e * _horner(power, (1.0 / (a * a) - mid) * inv_half) / a


@njit(cache=True, inline="always")  # see "Vectorising" in the module docstring
def _cdf32(x, e):
    """Phi(x) in float64 by polynomials only, given e = exp(-x^2 / 2) (used below -TAIL):
    the erf polynomials above -TAIL, ``_cdf_tail`` below."""
    body = 0.5 * (1.0 + _erf1(x * INV_SQRT2, True))
    return _cdf_tail(x, e) if x < -TAIL else body


@njit(cache=True, inline="always")  # see "Vectorising" in the module docstring
def _gelu1(v, single):
    x = np.float64(v)
    x = -CLAMP if x < -CLAMP else x  # x * Phi(x) is -0 there; -inf * 0 would be nan
    if single:
        below = x if x < 0.0 else 0.0  # e is only used below -TAIL; keeps exp's argument finite
        return x * _cdf32(x, _exp_nonpositive(-0.5 * below * below))
    return x * 0.5 * math.erfc(-x * INV_SQRT2)


@njit(cache=True, inline="always")  # see "Vectorising" in the module docstring
def _gelu_grad1(v, g, single):
    x = np.float64(v)
    x = min(max(x, -CLAMP), CLAMP)  # +-inf * phi = inf * 0
    if single:
        e = _exp_nonpositive(-0.5 * x * x)  # phi(x) / phi(0), shared with Phi's tail
        return g * (_cdf32(x, e) + x * INV_SQRT_2PI * e)
    return g * (0.5 * math.erfc(-x * INV_SQRT2) + x * INV_SQRT_2PI * math.exp(-0.5 * x * x))


def _single(out: np.ndarray) -> bool:
    """Whether ``out`` is float32: the polynomial paths. In jitted code a constant of the
    compiled signature, so each dtype's loop keeps one path and no branch."""
    return out.dtype == np.float32


@overload(_single)
def _single_jit(out):
    single = isinstance(out, types.Array) and out.dtype == types.float32
    return lambda out: single


# Each kernel below loops serially, or with threads if ``threaded``: the same body twice,
# since a parallel loop always launches the threads.

@njit(cache=True, parallel=THREADS, error_model="numpy")  # see "Vectorising"
def _erf_flat(x, out, threaded):
    single = _single(out)
    if not threaded:
        for i in range(x.size):
            out[i] = _erf1(x[i], single)
        return
    for i in prange(x.size):
        out[i] = _erf1(x[i], single)


@njit(cache=True, parallel=THREADS, error_model="numpy")  # see "Vectorising"
def _gelu_flat(x, out, threaded):
    single = _single(out)
    if not threaded:
        for i in range(x.size):
            out[i] = _gelu1(x[i], single)
        return
    for i in prange(x.size):
        out[i] = _gelu1(x[i], single)


@njit(cache=True, parallel=THREADS, error_model="numpy")  # see "Vectorising"
def _gelu_backward_flat(x, grad, out, threaded):
    single = _single(out)
    if not threaded:
        for i in range(x.size):
            out[i] = _gelu_grad1(x[i], grad[i], single)
        return
    for i in prange(x.size):
        out[i] = _gelu_grad1(x[i], grad[i], single)


def _elementwise(kernel, *arrays) -> np.ndarray:
    """Run ``kernel(*flat_inputs, flat_out, threaded)``; the result has the
    first input's shape and dtype."""
    flat = [np.ascontiguousarray(a).reshape(-1) for a in arrays]
    out = np.empty_like(flat[0])
    kernel(*flat, out, out.size >= PARALLEL_MIN)
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

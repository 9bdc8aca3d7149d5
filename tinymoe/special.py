"""Special functions NumPy lacks, compiled lazily with Numba (``math.erf`` for GELU)."""

import math

import numba
import numpy as np


@numba.njit(cache=True)
def _erf_flat(x, out):
    for i in range(x.size):
        out[i] = math.erf(x[i])


def erf(x: np.ndarray) -> np.ndarray:
    """Elementwise error function, same shape and dtype as ``x``."""
    flat = np.ascontiguousarray(x).ravel()
    out = np.empty_like(flat)
    _erf_flat(flat, out)
    return out.reshape(np.shape(x))

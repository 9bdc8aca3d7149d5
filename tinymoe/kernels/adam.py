"""Fused Adam/AdamW: one pass over param, grad, m, v instead of NumPy's ~10 temporaries.

The NumPy reference is ``tinymoe.reference.adam_step``; this function has exactly its
signature and updates the same arrays in place.
"""

import numpy as np
from numba import njit, prange

from tinymoe.kernels.matmul_ladder import THREADS

CHUNK = 1 << 14  # elements per parallel task (4 arrays x 64 KiB of float32)
PARALLEL_MIN = 1 << 20  # smaller arrays update serially (docs/benchmarks.md)


@njit(cache=True, error_model="numpy")  # no zero-division check: SIMD
def _adam_range(p, g, m, v, vmax, coef, decoupled, amsgrad):
    """The update on 1-D views of equal length. ``coef`` holds, in the arrays' dtype
    (a float literal here would promote float32 to float64): beta1, 1 - beta1, beta2,
    1 - beta2, eps, weight_decay, 1 - lr * weight_decay, lr / (1 - beta1^t),
    sqrt(1 - beta2^t). ``vmax`` is only touched when ``amsgrad``.

    Every operation is the reference's, in the reference's order, and without fastmath
    (no reassociation, no fused multiply-add), so the result is the reference's bit for
    bit. The order matters at the extremes: ``(1 - beta2) * g * g`` is finite in float32
    up to |g| ~ 5.8e20 (beta2 = 0.999), but ``g * g`` first overflows from 1.85e19, and
    an inf second moment would silently freeze the parameter."""
    beta1, rest1, beta2, rest2, eps, wd, decay, step_size, bias2_sqrt = coef
    for i in range(p.shape[0]):  # from 0, each element read once, written once
        gi, pi = g[i], p[i]
        if wd != 0:
            if decoupled:
                pi *= decay  # AdamW: shrink the weight itself
            else:
                gi += wd * pi  # Adam's L2 penalty, folded into the gradient
        mi = beta1 * m[i] + rest1 * gi
        vi = beta2 * v[i] + rest2 * gi * gi
        m[i], v[i] = mi, vi
        if amsgrad:
            vi = max(vmax[i], vi)
            vmax[i] = vi
        p[i] = pi - step_size * mi / (np.sqrt(vi) / bias2_sqrt + eps)


@njit(cache=True, parallel=THREADS)
def _adam_flat(p, g, m, v, vmax, coef, decoupled, amsgrad, threaded):
    """``_adam_range`` over all of p: serially, or if ``threaded`` by threads over
    CHUNK-sized pieces (elements are independent: no races)."""
    n = p.shape[0]
    if not threaded:
        _adam_range(p, g, m, v, vmax, coef, decoupled, amsgrad)
        return
    for c in prange((n + CHUNK - 1) // CHUNK):
        lo = np.int64(c) * CHUNK
        hi = min(n, lo + CHUNK)
        vmax_part = vmax[lo:hi] if amsgrad else vmax
        _adam_range(p[lo:hi], g[lo:hi], m[lo:hi], v[lo:hi], vmax_part, coef, decoupled, amsgrad)


def adam_step(param, grad, exp_avg, exp_avg_sq, *, step, lr, beta1, beta2, eps,
              weight_decay=0.0, decoupled=False, max_exp_avg_sq=None):
    """One Adam/AdamW update in place on ``param``, ``exp_avg``, ``exp_avg_sq`` (and
    ``max_exp_avg_sq`` for AMSGrad), which must be C-contiguous. Shapes and dtypes are
    checked by ``tinymoe.backend.adam_step``. ``step`` counts from 1. Matches torch.optim."""
    state = [param, exp_avg, exp_avg_sq] + ([] if max_exp_avg_sq is None else [max_exp_avg_sq])
    if not all(x.flags.c_contiguous and x.flags.writeable for x in state):
        raise ValueError("adam_step: param and state must be C-contiguous and writeable")
    coef = np.array([beta1, 1 - beta1, beta2, 1 - beta2, eps, weight_decay,
                     1 - lr * weight_decay, lr / (1 - beta1**step), np.sqrt(1 - beta2**step)],
                    dtype=param.dtype)
    amsgrad = max_exp_avg_sq is not None
    vmax = max_exp_avg_sq if amsgrad else param[:0]
    _adam_flat(param.reshape(-1), np.ascontiguousarray(grad).reshape(-1), exp_avg.reshape(-1),
               exp_avg_sq.reshape(-1), vmax.reshape(-1), coef, bool(decoupled), amsgrad,
               param.size >= PARALLEL_MIN)

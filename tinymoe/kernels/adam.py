"""Fused Adam/AdamW: one pass over param, grad, m, v instead of NumPy's ~10 temporaries.

The NumPy reference is ``tinymoe.backend.adam_step`` under the "numpy" backend; this
function has exactly its signature and updates the same arrays in place.
"""

import numpy as np
from numba import njit

from tinymoe.kernels.matmul_ladder import FASTMATH


@njit(cache=True, fastmath=FASTMATH)
def _adam_flat(p, g, m, v, vmax, coef, decoupled, amsgrad):
    """The update on 1-D views. ``coef`` holds, in the arrays' dtype (a float literal
    here would promote float32 to float64): beta1, 1 - beta1, beta2, 1 - beta2, eps,
    weight_decay, 1 - lr * weight_decay, lr / (1 - beta1^t), sqrt(1 - beta2^t).
    ``vmax`` is only touched when ``amsgrad``."""
    beta1, rest1, beta2, rest2, eps, wd, decay, step_size, bias2_sqrt = coef
    for i in range(p.shape[0]):
        gi = g[i]
        if wd != 0:
            if decoupled:
                p[i] *= decay  # AdamW: shrink the weight itself
            else:
                gi += wd * p[i]  # Adam's L2 penalty, folded into the gradient
        m[i] = beta1 * m[i] + rest1 * gi
        v[i] = beta2 * v[i] + rest2 * gi * gi
        second = v[i]
        if amsgrad:
            vmax[i] = max(vmax[i], second)
            second = vmax[i]
        p[i] -= step_size * m[i] / (np.sqrt(second) / bias2_sqrt + eps)


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
               exp_avg_sq.reshape(-1), vmax.reshape(-1), coef, bool(decoupled), amsgrad)

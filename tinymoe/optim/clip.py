"""Gradient clipping by total norm."""

import math
from numbers import Real

import numpy as np

from tinymoe.tensor import Tensor


def clip_grad_norm_(params, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> float:
    """Scale the ``.grad`` arrays of ``params`` (a Tensor or an iterable of Tensors) in place
    so that their joint ``norm_type``-norm is at most ``max_norm``; return the norm before
    clipping (like ``torch.nn.utils.clip_grad_norm_``; 0.0 when no parameter has a grad)."""
    if isinstance(max_norm, bool) or not isinstance(max_norm, Real) or not max_norm >= 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be a number >= 0 (inf: no clipping), "
                         f"got {max_norm!r}")
    params = [params] if isinstance(params, Tensor) else list(params)
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return 0.0
    norm_type = float(norm_type)
    norms = [np.linalg.norm(g.ravel(), norm_type) for g in grads]
    total = float(np.linalg.norm(np.array(norms, dtype=np.float64), norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total {norm_type}-norm of the gradients is "
                           f"{total}; pass error_if_nonfinite=False to clip anyway")
    scale = min(max_norm / (total + 1e-6), 1.0)
    if scale < 1.0:
        for g in grads:
            g *= scale
    return total

"""alternative 14.2: the full softmax Jacobian per row (diag(p) - p p^T), with einsum."""

import math

import numpy as np


def attention_backward(grad_out, cache):
    q, k, v, p = cache
    scale = 1.0 / math.sqrt(q.shape[-1])
    dv = np.einsum("...ij,...id->...jd", p, grad_out)
    dp = np.einsum("...id,...jd->...ij", grad_out, v)
    jac = np.einsum("...ij,jk->...ijk", p, np.eye(p.shape[-1])) - p[..., :, None] * p[..., None, :]
    ds = np.einsum("...ij,...ijk->...ik", dp, jac)
    dq = np.einsum("...ij,...jd->...id", ds, k) * scale
    dk = np.einsum("...ij,...id->...jd", ds, q) * scale
    return dq, dk, dv

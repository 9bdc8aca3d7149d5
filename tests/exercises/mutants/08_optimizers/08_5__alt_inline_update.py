"""alternative 08.5: writes the Adam update out inline and subtracts the decay term
lr * weight_decay * p alongside it."""

import numpy as np


def adamw_step(p, g, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
    if t < 1:
        raise ValueError("adamw_step: t starts at 1")
    b1, b2 = betas
    m_new = b1 * m + (1 - b1) * g
    v_new = b2 * v + (1 - b2) * g**2
    update = (m_new / (1 - b1**t)) / (np.sqrt(v_new / (1 - b2**t)) + eps)
    return p - lr * weight_decay * p - lr * update, m_new, v_new

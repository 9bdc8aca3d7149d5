"""mutant 08.4: sqrt(v_hat + eps) instead of sqrt(v_hat) + eps."""

import numpy as np


def adam_step(p, g, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    if t < 1:
        raise ValueError(f"adam_step: t must be >= 1, got {t}")
    b1, b2 = betas
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
    return p - lr * m_hat / np.sqrt(v_hat + eps), m, v

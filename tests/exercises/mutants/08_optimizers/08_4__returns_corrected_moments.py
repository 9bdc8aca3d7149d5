"""mutant 08.4: returns the bias-corrected m_hat, v_hat as the new state, so the correction is
applied again (and again) on later steps."""

import numpy as np


def adam_step(p, g, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    if t < 1:
        raise ValueError(f"adam_step: t must be >= 1, got {t}")
    b1, b2 = betas
    m_hat = (b1 * m + (1 - b1) * g) / (1 - b1**t)
    v_hat = (b2 * v + (1 - b2) * g * g) / (1 - b2**t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps), m_hat, v_hat

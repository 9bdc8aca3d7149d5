"""mutant 08.4: treats t as counting from 0 (corrects with b^(t + 1)) and accepts t = 0."""

import numpy as np


def adam_step(p, g, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    b1, b2 = betas
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    m_hat, v_hat = m / (1 - b1 ** (t + 1)), v / (1 - b2 ** (t + 1))
    return p - lr * m_hat / (np.sqrt(v_hat) + eps), m, v

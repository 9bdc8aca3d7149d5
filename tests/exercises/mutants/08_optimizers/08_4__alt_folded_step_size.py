"""alternative 08.4: the step size folded into one scalar, as in the paper's efficient form
(lr * sqrt(1 - b2^t) / (1 - b1^t)), with eps scaled to match exactly."""

import math

import numpy as np


def adam_step(p, g, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    if t < 1:
        raise ValueError("adam_step: t starts at 1")
    b1, b2 = betas
    m_new = b1 * m + (1 - b1) * g
    v_new = b2 * v + (1 - b2) * np.square(g)
    c2 = math.sqrt(1 - b2**t)
    step = lr * c2 / (1 - b1**t)
    return p - step * m_new / (np.sqrt(v_new) + eps * c2), m_new, v_new

"""mutant 02.5: no guard: two zero gradients give 0 / 0 = nan."""

import numpy as np


def relative_error(a, b):
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)))

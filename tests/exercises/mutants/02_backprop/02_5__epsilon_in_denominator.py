"""mutant 02.5: adds 1e-12 to the denominator against 0/0, which breaks scale invariance."""

import numpy as np


def relative_error(a, b):
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b) + 1e-12))

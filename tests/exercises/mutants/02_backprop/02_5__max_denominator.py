"""mutant 02.5: divides by max(||a||, ||b||) instead of their sum."""

import numpy as np


def relative_error(a, b):
    denom = max(np.linalg.norm(a), np.linalg.norm(b))
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)

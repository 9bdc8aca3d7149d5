"""mutant 02.5: the largest elementwise relative difference, not a ratio of norms."""

import numpy as np


def relative_error(a, b):
    denom = np.abs(a) + np.abs(b)
    if not np.any(denom):
        return 0.0
    with np.errstate(invalid="ignore"):
        return float(np.nanmax(np.abs(a - b) / denom))

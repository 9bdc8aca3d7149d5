"""mutant 10.5: returns the gate itself, as if responsibility did not depend on the errors."""

import numpy as np


def responsibilities(g, h, y, sigma=1.0):
    return np.array(g, dtype=np.float64)

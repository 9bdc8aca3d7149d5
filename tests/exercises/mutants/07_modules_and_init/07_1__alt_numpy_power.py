"""alternative 07.1: (2 / (fan_in + fan_out)) ** 0.5 with NumPy floats."""

import numpy as np


def xavier_std(fan_in, fan_out):
    return float(np.float64(2) / (fan_in + fan_out)) ** 0.5

"""alternative 07.2: sqrt(2) / sqrt(fan_in) with NumPy."""

import numpy as np


def he_std(fan_in, fan_out):
    return float(np.sqrt(2.0) / np.sqrt(fan_in))

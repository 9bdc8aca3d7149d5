"""mutant 07.2: Var = 2 / (fan_in + fan_out): Xavier's formula used for ReLU."""

import math


def he_std(fan_in, fan_out):
    return math.sqrt(2.0 / (fan_in + fan_out))

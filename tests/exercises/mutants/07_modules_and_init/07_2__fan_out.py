"""mutant 07.2: Var = 2 / fan_out (the fans swapped)."""

import math


def he_std(fan_in, fan_out):
    return math.sqrt(2.0 / fan_out)

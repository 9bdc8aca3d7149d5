"""mutant 07.2: Var = 1 / fan_in (LeCun): the ReLU factor 2 is missing."""

import math


def he_std(fan_in, fan_out):
    return math.sqrt(1.0 / fan_in)

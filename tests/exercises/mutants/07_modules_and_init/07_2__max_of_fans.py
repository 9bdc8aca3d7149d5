"""mutant 07.2: Var = 2 / max(fan_in, fan_out), seed 004's formula."""

import math


def he_std(fan_in, fan_out):
    return math.sqrt(2.0 / max(fan_in, fan_out))

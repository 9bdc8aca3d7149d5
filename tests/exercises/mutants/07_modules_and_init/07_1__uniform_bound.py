"""mutant 07.1: sqrt(6 / (fan_in + fan_out)), the bound of the uniform variant, not the std."""

import math


def xavier_std(fan_in, fan_out):
    return math.sqrt(6.0 / (fan_in + fan_out))

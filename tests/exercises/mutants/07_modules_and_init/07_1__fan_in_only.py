"""mutant 07.1: sqrt(1 / fan_in) (LeCun), dropping fan_out from Glorot's compromise."""

import math


def xavier_std(fan_in, fan_out):
    return math.sqrt(1.0 / fan_in)

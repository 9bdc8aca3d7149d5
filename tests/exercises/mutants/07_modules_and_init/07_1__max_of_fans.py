"""mutant 07.1: sqrt(2 / max(fan_in, fan_out)), seed 004's formula, instead of their sum."""

import math


def xavier_std(fan_in, fan_out):
    return math.sqrt(2.0 / max(fan_in, fan_out))

"""mutant 07.2: returns the variance 2 / fan_in instead of the standard deviation."""


def he_std(fan_in, fan_out):
    return 2.0 / fan_in

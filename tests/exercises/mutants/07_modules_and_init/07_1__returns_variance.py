"""mutant 07.1: returns the variance 2 / (fan_in + fan_out), not its square root."""


def xavier_std(fan_in, fan_out):
    return 2.0 / (fan_in + fan_out)

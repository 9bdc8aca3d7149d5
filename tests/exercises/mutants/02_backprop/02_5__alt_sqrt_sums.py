"""alternative 02.5: norms written as square roots of sums of squares."""

import math


def relative_error(a, b):
    na = math.sqrt(float((a * a).sum()))
    nb = math.sqrt(float((b * b).sum()))
    if na + nb == 0:
        return 0.0
    d = a - b
    return math.sqrt(float((d * d).sum())) / (na + nb)

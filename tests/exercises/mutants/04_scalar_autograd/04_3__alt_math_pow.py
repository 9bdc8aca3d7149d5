"""alternative 04.3: math.pow, the local derivative computed once in forward."""

import math


def _pow(self, k):
    if isinstance(k, bool) or not isinstance(k, int | float):
        raise TypeError(f"Value ** {type(k).__name__}: only a constant exponent is supported")
    local = k * math.pow(self.data, k - 1) if k != 0 else 0.0
    out = Value(math.pow(self.data, k), (self,), f"**{k}")  # noqa: F821

    def _backward():
        self.grad += local * out.grad

    out._backward = _backward
    return out


Value.__pow__ = _pow  # noqa: F821

"""alternative 04.4: local derivative 1 / cosh(x)^2 (guarded against cosh's overflow)."""

import math


def _tanh(self):
    x = self.data
    out = Value(math.tanh(x), (self,), "tanh")  # noqa: F821
    local = 0.0 if abs(x) > 350 else 1.0 / math.cosh(x) ** 2

    def _backward():
        self.grad += local * out.grad

    out._backward = _backward
    return out


Value.tanh = _tanh  # noqa: F821

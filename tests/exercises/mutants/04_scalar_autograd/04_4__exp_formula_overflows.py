"""mutant 04.4: tanh as (e^2x - 1) / (e^2x + 1), which overflows at x = 400."""

import math


def _tanh(self):
    e = math.exp(2 * self.data)
    t = (e - 1) / (e + 1)
    out = Value(t, (self,), "tanh")  # noqa: F821

    def _backward():
        self.grad += (1 - t * t) * out.grad

    out._backward = _backward
    return out


Value.tanh = _tanh  # noqa: F821

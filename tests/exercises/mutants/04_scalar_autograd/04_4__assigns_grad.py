"""mutant 04.4: assigns (=) the gradient instead of adding it."""

import math


def _tanh(self):
    t = math.tanh(self.data)
    out = Value(t, (self,), "tanh")  # noqa: F821

    def _backward():
        self.grad = (1 - t * t) * out.grad

    out._backward = _backward
    return out


Value.tanh = _tanh  # noqa: F821

"""mutant 04.4: local derivative 1 - x^2 (the input squared, not the output)."""

import math


def _tanh(self):
    out = Value(math.tanh(self.data), (self,), "tanh")  # noqa: F821

    def _backward():
        self.grad += (1 - self.data**2) * out.grad

    out._backward = _backward
    return out


Value.tanh = _tanh  # noqa: F821

"""mutant 04.4: forgets the factor out.grad."""

import math


def _tanh(self):
    t = math.tanh(self.data)
    out = Value(t, (self,), "tanh")  # noqa: F821

    def _backward():
        self.grad += 1 - t * t

    out._backward = _backward
    return out


Value.tanh = _tanh  # noqa: F821

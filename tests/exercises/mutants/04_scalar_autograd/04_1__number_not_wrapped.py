"""mutant 04.1: assumes other is a Value (Value + 2 fails)."""


def _add(self, other):
    out = Value(self.data + other.data, (self, other), "+")  # noqa: F821

    def _backward():
        self.grad += out.grad
        other.grad += out.grad

    out._backward = _backward
    return out


Value.__add__ = _add  # noqa: F821

"""mutant 04.1: adds the local derivative 1.0 but forgets to multiply by out.grad."""


def _add(self, other):
    other = other if isinstance(other, Value) else Value(other)  # noqa: F821
    out = Value(self.data + other.data, (self, other), "+")  # noqa: F821

    def _backward():
        self.grad += 1.0
        other.grad += 1.0

    out._backward = _backward
    return out


Value.__add__ = _add  # noqa: F821

"""mutant 04.1: accumulates into self but assigns into other."""


def _add(self, other):
    other = other if isinstance(other, Value) else Value(other)  # noqa: F821
    out = Value(self.data + other.data, (self, other), "+")  # noqa: F821

    def _backward():
        self.grad += out.grad
        other.grad = out.grad

    out._backward = _backward
    return out


Value.__add__ = _add  # noqa: F821

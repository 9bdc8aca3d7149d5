"""mutant 04.2: multiplies by the other input's grad instead of its data."""


def _mul(self, other):
    other = other if isinstance(other, Value) else Value(other)  # noqa: F821
    out = Value(self.data * other.data, (self, other), "*")  # noqa: F821

    def _backward():
        self.grad += (other.grad or other.data) * out.grad
        other.grad += (self.grad or self.data) * out.grad

    out._backward = _backward
    return out


Value.__mul__ = _mul  # noqa: F821

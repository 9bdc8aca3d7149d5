"""mutant 04.2: adds other.data and self.data but forgets the factor out.grad."""


def _mul(self, other):
    other = other if isinstance(other, Value) else Value(other)  # noqa: F821
    out = Value(self.data * other.data, (self, other), "*")  # noqa: F821

    def _backward():
        self.grad += other.data
        other.grad += self.data

    out._backward = _backward
    return out


Value.__mul__ = _mul  # noqa: F821

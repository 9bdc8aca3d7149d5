"""mutant 04.2: d(a*b)/da taken as a (the swap), d(a*b)/db as b."""


def _mul(self, other):
    other = other if isinstance(other, Value) else Value(other)  # noqa: F821
    out = Value(self.data * other.data, (self, other), "*")  # noqa: F821

    def _backward():
        self.grad += self.data * out.grad
        other.grad += other.data * out.grad

    out._backward = _backward
    return out


Value.__mul__ = _mul  # noqa: F821

"""alternative 04.2: saves both local derivatives as numbers before building the closure."""


def _mul(self, other):
    other = other if isinstance(other, Value) else Value(other)  # noqa: F821
    da, db = other.data, self.data
    out = Value(self.data * other.data, (self, other), "*")  # noqa: F821

    def _backward():
        g = out.grad
        self.grad += da * g
        other.grad += db * g

    out._backward = _backward
    return out


Value.__mul__ = _mul  # noqa: F821

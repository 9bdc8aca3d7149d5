"""mutant 04.1: forgets to record the inputs (_prev is empty), so backward never reaches them."""


def _add(self, other):
    other = other if isinstance(other, Value) else Value(other)  # noqa: F821
    out = Value(self.data + other.data, (), "+")  # noqa: F821

    def _backward():
        self.grad += out.grad
        other.grad += out.grad

    out._backward = _backward
    return out


Value.__add__ = _add  # noqa: F821

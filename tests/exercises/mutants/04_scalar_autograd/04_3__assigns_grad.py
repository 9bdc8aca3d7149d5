"""mutant 04.3: assigns (=) the gradient instead of adding it."""


def _pow(self, k):
    if not isinstance(k, int | float):
        raise TypeError("Value.__pow__: exponent must be a number")
    out = Value(self.data**k, (self,), f"**{k}")  # noqa: F821

    def _backward():
        self.grad = k * self.data ** (k - 1) * out.grad

    out._backward = _backward
    return out


Value.__pow__ = _pow  # noqa: F821

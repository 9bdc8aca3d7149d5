"""mutant 04.3: local derivative k * x**k (the exponent is not lowered)."""


def _pow(self, k):
    if not isinstance(k, int | float):
        raise TypeError("Value.__pow__: exponent must be a number")
    out = Value(self.data**k, (self,), f"**{k}")  # noqa: F821

    def _backward():
        self.grad += k * self.data**k * out.grad

    out._backward = _backward
    return out


Value.__pow__ = _pow  # noqa: F821

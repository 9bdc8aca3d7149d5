"""mutant 04.3: silently unwraps a Value exponent instead of raising TypeError."""


def _pow(self, k):
    k = k.data if isinstance(k, Value) else k  # noqa: F821
    out = Value(self.data**k, (self,), f"**{k}")  # noqa: F821

    def _backward():
        self.grad += k * self.data ** (k - 1) * out.grad

    out._backward = _backward
    return out


Value.__pow__ = _pow  # noqa: F821

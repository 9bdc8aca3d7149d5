"""alternative 04.1: the closure binds its nodes through default arguments."""


def _add(self, other):
    if not isinstance(other, Value):  # noqa: F821
        other = Value(float(other))  # noqa: F821
    out = Value(self.data + other.data, _children=(self, other), _op="+")  # noqa: F821

    def _backward(a=self, b=other, o=out):
        a.grad = a.grad + o.grad
        b.grad = b.grad + o.grad

    out._backward = _backward
    return out


Value.__add__ = _add  # noqa: F821

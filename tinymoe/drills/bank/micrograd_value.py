"""A micrograd-style scalar `Value` with backward

Write a class `Value` that wraps one Python float, records the operations applied to it,
and computes gradients by reverse-mode automatic differentiation:

- `Value(data)`: attributes `data` (float) and `grad` (float, starts at 0.0).
- Operators returning new `Value`s: `a + b`, `a * b`, `-a`, `a - b`, `a ** k` (`k` a Python
  int or float, not a Value), `a / b`, and the same with a plain number on either side
  (`2 * a`, `1 - a`, `1 / a`); methods `a.tanh()`, `a.exp()`, `a.relu()` (derivative 0 at 0).
  Negation, subtraction, division and the reflected forms are already written in terms of
  `+`, `*` and `**`: you write `+`, `*`, `**`, `tanh`, `exp`, `relu` and `backward`.
- `out.backward()`: sets `out.grad = 1` and fills `.grad` of every `Value` that `out`
  depends on with `d out / d that value`.

Worked example:

    >>> a, b = Value(2.0), Value(-3.0)
    >>> c = a * b + a          # c = -4
    >>> c.backward()
    >>> a.grad, b.grad         # dc/da = b + 1, dc/db = a
    (-2.0, 2.0)

Constraints: pure Python (no NumPy needed). A value used several times (`a * a`, the `a`
above) must get the SUM of the gradients of its uses. Visit nodes in reverse topological
order so that each node's grad is complete before it is passed on; graphs can be deep (a
chain of 5000 operations must work: no recursion-depth error). Calling `backward()` on a
fresh graph assumes the grads start at 0. How you record the graph is up to you (extend
`__init__` as you like); only `Value(x)`, the operators, `.data`, `.grad` and `backward()`
are tested.
"""

import math

LEVEL = "medium"
TOPICS = ("autograd", "backprop")
MINUTES = 25
KIND = "implement"


class Value:
    """A scalar that remembers how it was computed, for reverse-mode differentiation."""

    def __init__(self, data, _parents=()):
        self.data = float(data)
        self.grad = 0.0
        # BEGIN SOLUTION
        self._parents = _parents  # ((parent Value, local derivative d self / d parent), ...)
        # END SOLUTION

    def __add__(self, other):
        # BEGIN SOLUTION
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, ((self, 1.0), (other, 1.0)))
        # END SOLUTION

    def __mul__(self, other):
        # BEGIN SOLUTION
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, ((self, other.data), (other, self.data)))
        # END SOLUTION

    def __pow__(self, k):
        # BEGIN SOLUTION
        return Value(self.data**k, ((self, k * self.data ** (k - 1)),))
        # END SOLUTION

    def tanh(self):
        # BEGIN SOLUTION
        t = math.tanh(self.data)
        return Value(t, ((self, 1.0 - t * t),))
        # END SOLUTION

    def exp(self):
        # BEGIN SOLUTION
        e = math.exp(self.data)
        return Value(e, ((self, e),))
        # END SOLUTION

    def relu(self):
        # BEGIN SOLUTION
        return Value(max(self.data, 0.0), ((self, 1.0 if self.data > 0 else 0.0),))
        # END SOLUTION

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __truediv__(self, other):
        return self * other**-1

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return (-self) + other

    def __rtruediv__(self, other):
        return other * self**-1

    def backward(self):
        """Fill .grad of every Value this one depends on with d self / d that value."""
        # BEGIN SOLUTION
        order, seen, stack = [], {id(self)}, [(self, False)]
        while stack:  # iterative depth-first search: post-order = topological order
            node, done = stack.pop()
            if done:
                order.append(node)
                continue
            stack.append((node, True))
            for parent, _ in node._parents:
                if id(parent) not in seen:
                    seen.add(id(parent))
                    stack.append((parent, False))
        self.grad = 1.0
        for node in reversed(order):
            for parent, local in node._parents:
                parent.grad += local * node.grad
        # END SOLUTION

    def __repr__(self):
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"

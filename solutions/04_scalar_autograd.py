"""Lesson 04: a scalar autograd engine (micrograd-style).

Every number is a `Value` that remembers which Values produced it (`_prev`), by which
operation (`_op`), and how to push its gradient back to them (`_backward`). Calling
`root.backward()` orders the graph topologically and runs each node's `_backward`
from the root down, so a node hands on its gradient only after every path through it
has added its share.

Worked example, once every exercise is done:

    >>> a, b = Value(2.0), Value(-3.0)
    >>> c = a * b + a          # c = -4.0
    >>> c.backward()
    >>> a.grad, b.grad         # dc/da = b + 1, dc/db = a
    (-2.0, 2.0)

Rules every `_backward` follows: read `out.grad`, and ADD (`+=`) the local derivative
times `out.grad` into each input's `.grad`. Never assign with `=`: when an input is used
twice (`a + a`, or `a` feeding two branches) the contributions must sum.
"""

import math


class Value:
    """A scalar in a computation graph.

    Attributes:
        data: the float value.
        grad: d(root)/d(this), filled in by `root.backward()`; starts at 0.0.
        _prev: the input Values this one was computed from (a tuple; may repeat, as in a + a).
        _op: a short label of the operation that produced it ("+", "*", "tanh", ...).
        _backward: a closure that adds this node's gradient contribution to its inputs.
    """

    def __init__(self, data, _children=(), _op="", label=""):
        self.data = float(data)
        self.grad = 0.0
        self._prev = tuple(_children)
        self._op = _op
        self.label = label
        self._backward = lambda: None

    def __repr__(self):
        return f"Value(data={self.data:.4g}, grad={self.grad:.4g})"

    def __add__(self, other):
        """Return a new Value `self + other` (other may be a Value or a number).

        Local derivatives: d(out)/d(self) = 1, d(out)/d(other) = 1. The returned node has
        `_prev == (self, other)`, `_op == "+"` and a `_backward` that ADDS `out.grad` into
        both inputs' `.grad`.

        Example: a = Value(2.0); c = a + a; c.grad = 1.0; c._backward()  ->  a.grad == 2.0
        """
        # BEGIN SOLUTION 04.1: Value.__add__ with a _backward that accumulates (+=)
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out
        # END SOLUTION

    def __mul__(self, other):
        """Return a new Value `self * other` (other may be a Value or a number).

        Local derivatives: d(out)/d(self) = other.data, d(out)/d(other) = self.data.
        `_op == "*"`.

        Example: a = Value(3.0); c = a * a; c.grad = 1.0; c._backward()  ->  a.grad == 6.0
        """
        # BEGIN SOLUTION 04.2: Value.__mul__ (d/dself = other, d/dother = self)
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out
        # END SOLUTION

    def __pow__(self, k):
        """Return a new Value `self ** k` for a constant int/float exponent `k`.

        d(out)/d(self) = k * self.data ** (k - 1). `_prev == (self,)`, `_op == f"**{k}"`.
        A Value exponent is not supported: raise TypeError naming the op.

        Example: x = Value(2.0); y = x ** 3; y.grad = 1.0; y._backward()  ->  x.grad == 12.0
        """
        # BEGIN SOLUTION 04.3: Value.__pow__ for a constant exponent
        if not isinstance(k, int | float):
            raise TypeError(f"Value.__pow__: exponent must be an int or float, got {type(k)}")
        out = Value(self.data**k, (self,), f"**{k}")

        def _backward():
            self.grad += k * self.data ** (k - 1) * out.grad

        out._backward = _backward
        return out
        # END SOLUTION

    def tanh(self):
        """Return a new Value `tanh(self)`, `_op == "tanh"`.

        d tanh(x)/dx = 1 - tanh(x)**2: reuse the output instead of recomputing.
        Must not overflow for large |x| (Value(400.0).tanh() is 1.0, gradient 0.0):
        `math.tanh` is stable; (e^{2x} - 1)/(e^{2x} + 1) is not.

        Example: y = Value(0.5).tanh()  ->  y.data == 0.4621...; local grad 0.7864...
        """
        # BEGIN SOLUTION 04.4: Value.tanh, stable for large |x|, grad 1 - tanh^2
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += (1.0 - t * t) * out.grad

        out._backward = _backward
        return out
        # END SOLUTION

    def exp(self):
        """Return `exp(self)`, `_op == "exp"`. A worked example of the pattern:
        d exp(x)/dx = exp(x), i.e. the output's own data."""
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def relu(self):
        """Return `max(self, 0)`, `_op == "relu"`; gradient 1 where the input is positive."""
        out = Value(max(self.data, 0.0), (self,), "relu")

        def _backward():
            self.grad += (self.data > 0) * out.grad

        out._backward = _backward
        return out

    def backward(self):
        """Fill `.grad` of every node reachable from `self` with d(self)/d(node).

        Assumes a fresh graph (all grads 0.0). Steps: order the nodes with
        `topo_sort(self)`; seed `self.grad = 1.0`; call each node's `_backward()` in
        REVERSE topological order (root first), so a node's gradient is complete before
        it is passed on. Must work on graphs deeper than Python's recursion limit.

        Example: a = Value(2.0); b = a * a + a; b.backward()  ->  a.grad == 5.0
        """
        # BEGIN SOLUTION 04.6: Value.backward: seed 1.0, run _backward in reverse topo order
        order = topo_sort(self)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()
        # END SOLUTION

    # Everything else is built from the operations above.
    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-other)

    def __truediv__(self, other):
        return self * other**-1.0

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return Value(other) - self

    def __rtruediv__(self, other):
        return Value(other) / self


def topo_sort(root):
    """Return every node reachable from `root` (via `_prev`) exactly once, ordered so that
    each node comes AFTER all of its inputs; `root` is last.

    Iterative (an explicit stack), not recursive: a chain of 10,000 additions must not hit
    Python's recursion limit (1000 frames by default). Compare nodes by identity (`id` or
    the default hash), never by `.data`: two different nodes may hold the same number.

    Example: a = Value(1.0); b = a + a; c = b * a
             topo_sort(c)  ->  [a, b, c]
    """
    # BEGIN SOLUTION 04.5: iterative topological sort (inputs before outputs, root last)
    order, seen = [], set()
    stack = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        stack.extend((child, False) for child in node._prev if child not in seen)
    return order
    # END SOLUTION


def node_depths(root):
    """Depth of each node for drawing: leaves at 0, every other node one more than its
    deepest input. Returns (order, depths) with order = topo_sort(root)."""
    order = topo_sort(root)
    depth = {}
    for node in order:
        depth[node] = 1 + max((depth[c] for c in node._prev), default=-1)
    return order, depth


def draw_graph(root, ax=None):
    """Draw the graph of `root` with matplotlib: one column per depth, inputs on the left,
    an arrow per edge, each node labelled with its op, data and grad. Returns the Axes."""
    import matplotlib.pyplot as plt

    order, depth = node_depths(root)
    columns = {}
    for node in order:
        columns.setdefault(depth[node], []).append(node)
    pos = {
        node: (d, i - (len(nodes) - 1) / 2)
        for d, nodes in columns.items()
        for i, node in enumerate(nodes)
    }
    if ax is None:
        height = max(len(n) for n in columns.values())
        _, ax = plt.subplots(figsize=(2.2 * len(columns) + 1, 1.1 * height + 1))
    for node in order:
        for child in dict.fromkeys(node._prev):
            ax.annotate(
                "", xy=pos[node], xytext=pos[child],
                arrowprops={"arrowstyle": "->", "color": "0.5", "shrinkA": 22, "shrinkB": 22},
            )
    for node, (x, y) in pos.items():
        name = node.label or node._op or "leaf"
        text = f"{name}\ndata {node.data:.3g}\ngrad {node.grad:.3g}"
        color = "#cde" if not node._prev else "#fdc"
        ax.text(x, y, text, ha="center", va="center", fontsize=8,
                bbox={"boxstyle": "round", "fc": color, "ec": "0.3"})
    ax.set_xlim(-0.6, max(columns) + 0.6)
    ax.set_ylim(min(p[1] for p in pos.values()) - 0.7, max(p[1] for p in pos.values()) + 0.7)
    ax.axis("off")
    return ax

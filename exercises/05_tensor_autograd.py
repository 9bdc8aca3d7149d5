# Exercises for lesson 05: replace each `raise NotImplementedError(...)` with your code.
# Generated from solutions/05_tensor_autograd.py by `tinymoe stubs`; `tinymoe reset NN.M` restores a stub.
"""Lesson 05: from scalars to tensors.

Lesson 04's `Value` carried one number per node. Here every node carries a whole array,
and each operation is a `tinymoe.autograd.Function`: a static `forward(ctx, *arrays)` that
computes the output (saving what backward needs on `ctx`) and a static `backward(ctx, grad)`
that turns the gradient of the output into one gradient per input, each with that input's
shape. `Cls.apply(*tensors)` runs forward on tinymoe Tensors and records the graph, so your
Functions plug straight into the tinymoe engine: `Mul.apply(a, b).sum().backward()` works.

Two rules make tensor backward different from scalar backward:
- broadcasting copies an input along some axes in forward, so backward must SUM the
  gradient over those axes (`unbroadcast`);
- matrix products move shapes around: for C = A @ B, dA = dC @ B.T and dB = A.T @ dC.
"""

import numpy as np

from tinymoe.autograd import Function
from tinymoe.errors import ShapeError


def unbroadcast(grad, shape):
    """Sum `grad` back to `shape`, undoing NumPy broadcasting.

    grad: the gradient of a broadcast result, e.g. (N, D) for x (N, D) + b (D,).
    shape: the shape of the input that was broadcast, e.g. (D,).
    Returns an array of exactly `shape`: summed over the leading axes broadcasting added,
    and (keeping the axis, size 1) over every axis where `shape` has 1 but grad does not.

    Example:
        >>> unbroadcast(np.ones((3, 4, 5)), (4, 1)).tolist()
        [[15.0], [15.0], [15.0], [15.0]]
    """
    raise NotImplementedError(
        "exercise 05.1: sum over the added leading axes, then over the stretched size-1 axes"
    )


class Add(Function):
    """a + b with broadcasting: a worked example of a Function (read it, it is complete).

    Both local derivatives are 1, so each input gets the output's gradient, summed back
    to its own shape."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (a.shape, b.shape)
        return a + b

    @staticmethod
    def backward(ctx, grad):
        a_shape, b_shape = ctx.shapes
        return unbroadcast(grad, a_shape), unbroadcast(grad, b_shape)


class Mul(Function):
    """a * b elementwise, with broadcasting (e.g. x (N, D) * gamma (D,))."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        """grad: (broadcast shape of a and b). Returns (grad_a, grad_b) with the shapes of
        a and b: d(a*b)/da = b and d(a*b)/db = a, times grad, unbroadcast.

        Example: a (2, 3), b (3,), grad ones (2, 3) -> grad_a = b in every row (2, 3),
        grad_b = a.sum(axis=0) (3,). Build new arrays: never write into grad (grad *= b),
        the engine may pass the same array to other nodes.
        """
        raise NotImplementedError(
            "exercise 05.2: product rule, then unbroadcast each gradient to its input's shape"
        )


class Sum(Function):
    """x.sum(axis, keepdims): axis is None (everything), an int, or a tuple of ints."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.shape, ctx.axis, ctx.keepdims = x.shape, axis, keepdims
        return np.asarray(x.sum(axis=axis, keepdims=keepdims))

    @staticmethod
    def backward(ctx, grad):
        """grad: the shape of the sum's output. Returns (grad_x, None, None), grad_x of
        x's shape: every entry of x contributed once to its sum, so each gets the gradient
        of the sum it went into. Without keepdims, first put the summed axes back as size-1
        axes (np.expand_dims, axes normalised for negatives), then broadcast to x's shape.

        Example: x (2, 3), axis=1, grad [g0, g1] -> [[g0, g0, g0], [g1, g1, g1]].
        """
        raise NotImplementedError(
            "exercise 05.3: re-insert the summed axes, then broadcast the gradient to x's shape"
        )


class MatMul(Function):
    """a @ b for a (..., n, k) and b (..., k, m), the leading (batch) axes broadcasting
    like NumPy's matmul: (B, n, k) @ (k, m) -> (B, n, m). Both inputs need ndim >= 2."""

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim < 2 or b.ndim < 2 or a.shape[-1] != b.shape[-2]:
            raise ShapeError(
                f"MatMul: cannot multiply a {a.shape} by b {b.shape}: need ndim >= 2 and "
                f"a.shape[-1] == b.shape[-2]"
            )
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, grad):
        """grad: (..., n, m). Returns (grad_a, grad_b) with the shapes of a and b:
        grad_a = grad @ b^T and grad_b = a^T @ grad, where ^T swaps the LAST two axes
        (not .T, which reverses all axes of a batched array); then unbroadcast, because
        b (k, m) shared by a batch of B products gets the sum of B gradients.

        Example: a (5, 3), b (3, 2), grad (5, 2) -> grad_a (5, 3), grad_b (3, 2).
        """
        raise NotImplementedError(
            "exercise 05.4: grad @ b^T and a^T @ grad (last two axes swapped), then unbroadcast"
        )


class Softmax(Function):
    """softmax along the last axis: y_i = exp(x_i - max x) / sum_j exp(x_j - max x)."""

    @staticmethod
    def forward(ctx, x):
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        y = e / e.sum(axis=-1, keepdims=True)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        """grad: x's shape (..., C). Returns grad_x (..., C), the Jacobian-vector product
        without building the (C, C) Jacobian dy_i/dx_j = y_i (delta_ij - y_j):
        grad_x = y * (grad - sum_j grad_j y_j), the sum taken along the last axis per row.

        Example: if grad is the same number in every column of a row, grad_x is 0 there
        (adding a constant to every logit does not change the softmax). Leave grad unchanged
        (no grad -= ...): return a new array.
        """
        raise NotImplementedError(
            "exercise 05.5: y * (grad - (grad * y).sum(-1, keepdims=True)) with the saved y"
        )


"""Reverse-mode autodiff: ``Function``, its ``Context``, grad mode and the backward pass.

Two contracts are enforced here rather than trusted:

- **Saved arrays are not modified in place.** Every tensor carries a version counter
  (shared by the views ops make of it) that in-place writes bump: assigning
  ``t.data`` back to itself (``t.data -= x``), ``t[...] = v``, an optimiser's step
  (``mark_modified``). Writes are also numbered in one global sequence, and each counter
  remembers the number of its tensor's last write. ``Function.apply`` records how many
  writes had happened; before an op's backward runs, an input or output written since
  then whose array the op kept for backward raises a RuntimeError naming the op, since
  the gradient would mix old and new values. Writing into ``t.data[...]`` directly
  bypasses the counter: call ``mark_modified(t)``.
- **A backward returns one gradient per positional input** of ``apply`` (None where
  there is none; extra trailing Nones, for defaulted parameters, are allowed), each of
  its input's shape.
"""

import functools

import numpy as np

from .errors import ShapeError, fmt

_grad_enabled = True
_Tensor = None  # the Tensor class, registered by tinymoe.tensor (avoids an import cycle)


def register_tensor_type(cls) -> None:
    global _Tensor
    _Tensor = cls


def is_grad_enabled() -> bool:
    return _grad_enabled


class no_grad:
    """Context manager and decorator: no graph is recorded inside."""

    def __enter__(self):
        global _grad_enabled
        self._previous = _grad_enabled
        _grad_enabled = False

    def __exit__(self, *exc):
        global _grad_enabled
        _grad_enabled = self._previous

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with no_grad():
                return func(*args, **kwargs)

        return wrapper


# A tensor's version counter is a list ``[version, last_write]``: how many times it was
# written in place, and the number of its last write in the sequence ``_writes`` counts.
# A tensor shares it with the views ops make of it, so a write through either shows in
# both. (A list because one is made per op, and a list is the cheapest mutable box.)
_writes = 0  # in-place writes so far, to any tensor. An op records it at its forward;
# when it has not moved by the backward, nothing the op saved can have changed.


def mark_modified(*tensors) -> None:
    """Record that these tensors' arrays were changed in place (bump their versions).

    Optimisers call it after updating ``p.data`` in place; do the same after writing into
    ``t.data[...]`` yourself, so a backward through a graph that saved ``t`` raises."""
    global _writes
    _writes += 1
    for t in tensors:
        version = t._version
        version[0] += 1
        version[1] = _writes


class Context:
    """What ``forward`` leaves for ``backward``: saved arrays plus any attributes."""

    def __init__(self):
        self.saved_tensors = ()
        self.needs_input_grad = ()

    def save_for_backward(self, *arrays) -> None:
        self.saved_tensors = arrays


class Function:
    """A differentiable op. Subclasses define static ``forward(ctx, *args)`` on NumPy
    arrays and ``backward(ctx, grad)`` returning one gradient (or None) per positional
    argument; ``Cls.apply(*args)`` runs it on Tensors and records the graph node."""

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args, **kwargs):
        Tensor = _Tensor
        ctx = Context()
        raw, needs, record = [], [], False
        for a in args:
            if isinstance(a, Tensor):
                raw.append(a._data)
                needs.append(a.requires_grad)
                record = record or a.requires_grad
            else:
                raw.append(a)
                needs.append(False)
        record = record and _grad_enabled
        ctx.needs_input_grad = needs
        out = cls.forward(ctx, *raw, **kwargs)
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        result = Tensor.__new__(Tensor)
        result._data = out
        result._version = [0, 0] if out.base is None else _view_version(out, args)
        result.grad = None
        result.requires_grad = record
        result._retains_grad = False
        if record:
            ctx.function = cls
            ctx.inputs = args
            ctx.writes = _writes
            ctx.freed = False
            result._ctx = ctx
        else:
            result._ctx = None
        return result


def _owner(array: np.ndarray) -> np.ndarray:
    """The array that owns ``array``'s memory (itself, or the base of a view)."""
    return array if array.base is None else array.base


def _view_version(out: np.ndarray, args) -> list:
    """A view of an input's array shares that input's version counter; anything else
    starts its own."""
    owner = out.base
    for a in args:
        if isinstance(a, _Tensor) and _owner(a._data) is owner:
            return a._version
    return [0, 0]


def _check_saved_versions(node, ctx) -> None:
    """Raise if an input (or the output) of ``node``'s op was written in place since the
    forward and the op kept its array for backward (see the module docstring)."""
    changed = [(f"input {i}", t) for i, t in enumerate(ctx.inputs)
               if isinstance(t, _Tensor) and t._version[1] > ctx.writes]
    if node._version[1] > ctx.writes:
        changed.append(("its output", node))
    kept = [a for a in (*ctx.saved_tensors, *vars(ctx).values()) if isinstance(a, np.ndarray)]
    for label, tensor in changed:
        owner = _owner(tensor._data)
        if any(_owner(a) is owner for a in kept):
            name = ctx.function.__name__
            raise RuntimeError(
                f"backward: an array saved by {name} for its backward was modified in place "
                f"after the forward: {label}, of shape {fmt(tensor.shape)}, is now at version "
                f"{tensor._version[0]}. Something wrote into it between the forward and this "
                f"backward (an optimizer.step(), `t.data -= ...`, `t[...] = ...`), so the "
                f"gradient would mix old and new values. Call backward() before changing "
                f"the tensor, or run the forward again after the change."
            )


def _check_gradient_count(function, grads: tuple, n_inputs: int) -> None:
    """One gradient per positional input of ``apply``; extra trailing ones must be None."""
    if len(grads) < n_inputs or any(g is not None for g in grads[n_inputs:]):
        raise RuntimeError(
            f"{function.__name__}.backward returned {len(grads)} gradient(s) for "
            f"{n_inputs} positional input(s) of {function.__name__}.apply; return one per "
            f"input, in order, with None for an input that has no gradient"
        )


def unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``grad`` over the axes that broadcasting added or stretched, back to ``shape``.

    The one place broadcasting is undone: (3, 4, 5) -> (4, 1) sums axis 0 and axis 2."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


def topological_order(root) -> list:
    """Tensors reachable from ``root`` that need grad, inputs before outputs.

    Iterative depth-first search, so a 100,000-op chain does not hit the recursion limit."""
    Tensor = _Tensor
    order, visited = [], set()  # tensors hash by identity
    stack = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        ctx = node._ctx
        if ctx is not None:
            for parent in ctx.inputs:
                if isinstance(parent, Tensor) and parent.requires_grad and parent not in visited:
                    stack.append((parent, False))
    return order


def backward(root, grad=None, retain_graph=False) -> None:
    """Accumulate d(root)/d(leaf) into every leaf's ``.grad`` (see ``Tensor.backward``)."""
    if not root.requires_grad:
        raise RuntimeError("backward: this tensor does not require grad and has no graph")
    if grad is None:
        if root._data.size != 1:
            raise RuntimeError(
                f"backward: grad can be implicitly created only for a scalar output; this "
                f"output has shape {fmt(root.shape)}: pass grad= of that shape, or reduce first"
            )
        grad = np.ones_like(root._data)
    else:
        grad = np.asarray(getattr(grad, "data", grad), dtype=root._data.dtype)
        if grad.shape != root.shape:
            raise ShapeError(
                f"backward: grad shape {fmt(grad.shape)} differs from output {fmt(root.shape)}"
            )
    Tensor = _Tensor
    grads = {root: grad}  # tensors hash by identity
    for node in reversed(topological_order(root)):
        g = grads.pop(node, None)
        if g is None:
            continue
        ctx = node._ctx
        if ctx is None or node._retains_grad:
            node.grad = g.copy() if node.grad is None else node.grad + g
        if ctx is None:
            continue
        if ctx.freed:
            raise RuntimeError(
                "backward: trying to backward through the graph a second time; its saved "
                "arrays were freed. Use loss.backward(retain_graph=True) the first time."
            )
        if ctx.writes != _writes:
            _check_saved_versions(node, ctx)
        input_grads = ctx.function.backward(ctx, g)
        if not isinstance(input_grads, tuple):
            input_grads = tuple(input_grads) if isinstance(input_grads, list) else (input_grads,)
        if len(input_grads) != len(ctx.inputs):
            _check_gradient_count(ctx.function, input_grads, len(ctx.inputs))
        for parent, parent_grad in zip(ctx.inputs, input_grads):
            if parent_grad is None or not (isinstance(parent, Tensor) and parent.requires_grad):
                continue
            if parent_grad.shape != parent._data.shape or parent_grad.dtype != parent._data.dtype:
                parent_grad = _conform(ctx.function, parent_grad, parent)
            previous = grads.get(parent)
            grads[parent] = parent_grad if previous is None else previous + parent_grad
        if not retain_graph:
            ctx.saved_tensors = ()
            ctx.freed = True


def _conform(function, grad: np.ndarray, parent) -> np.ndarray:
    """Cast a gradient to its input's dtype; a shape mismatch is a bug in ``function``."""
    if grad.shape != parent.shape:
        raise RuntimeError(
            f"{function.__name__}.backward returned a gradient of shape {fmt(grad.shape)} "
            f"for an input of shape {fmt(parent.shape)}"
        )
    return grad.astype(parent.dtype, copy=False)

"""Gradient clipping by global norm

Write `clip_grad_norm(grads, max_norm)`: `grads` is a list of float64 arrays (the gradients
of all the parameters of a model, of different shapes). Their GLOBAL L2 norm is
`total = sqrt(sum over all arrays of sum(g ** 2))`. If `total > max_norm`, scale every array
by the same factor `max_norm / total`, so the global norm becomes `max_norm` and the update
keeps its direction; otherwise leave them as they are. Return `(clipped, total)`: a new list
of new arrays and the norm BEFORE clipping, a Python float.

Worked example:

    >>> clipped, total = clip_grad_norm([np.array([3.0]), np.array([[4.0, 0.0]])], 1.0)
    >>> total, clipped
    (5.0, [array([0.6]), array([[0.8, 0. ]])])

Constraints: NumPy only. One factor for all arrays (not a norm per array). All-zero gradients
must not give `nan`. Do not modify the input arrays.
"""

import numpy as np

LEVEL = "easy"
TOPICS = ("optim", "training")
MINUTES = 10
KIND = "implement"


def clip_grad_norm(grads, max_norm):
    """Scale a list of gradient arrays to global L2 norm <= max_norm -> (new list, total)."""
    # BEGIN SOLUTION
    total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    scale = max_norm / total if total > max_norm else 1.0
    return [g * scale for g in grads], total
    # END SOLUTION

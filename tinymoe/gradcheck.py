"""Finite-difference gradient checking in float64."""

import numpy as np

from .tensor import Tensor


def numerical_gradient(f, a: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar ``f(a)`` for every entry of the float64 array ``a``:
    ``(f(a + eps e_i) - f(a - eps e_i)) / (2 eps)``, an array of ``a``'s shape. ``a`` is
    perturbed in place, one entry at a time, and restored exactly, so ``f`` may read it
    through a closure instead of its argument."""
    grad = np.zeros(a.shape, dtype=np.float64)
    for idx in np.ndindex(a.shape):
        keep = a[idx]
        a[idx] = keep + eps
        up = f(a)
        a[idx] = keep - eps
        down = f(a)
        a[idx] = keep
        grad[idx] = (up - down) / (2 * eps)
    return grad


def gradcheck(fn, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              seed: int = 0) -> bool:
    """Compare ``backward`` with central differences for every input that requires grad.

    ``fn(*inputs)`` may return any shape: it is reduced to ``sum(out * R)`` with a fixed
    random ``R``, so every output entry is checked. Inputs must be float64. Returns True,
    or raises ``AssertionError`` naming the worst entry, its index and both values."""
    inputs = list(inputs)
    checked = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad")
    for t in checked:
        if t.dtype != np.float64:
            raise TypeError(f"gradcheck: inputs must be float64 for finite differences to be "
                            f"accurate, got {t.dtype}; use tm.tensor(..., dtype=tm.float64)")
    out = fn(*inputs)
    projection = np.random.default_rng(seed).standard_normal(out.shape)

    def objective() -> float:
        return float(np.sum(fn(*inputs).data * projection))

    for t in checked:
        t.grad = None
    out.backward(projection)
    for position, t in enumerate(inputs):
        if not (isinstance(t, Tensor) and t.requires_grad):
            continue
        analytic = np.zeros_like(t.data) if t.grad is None else t.grad
        numeric = numerical_gradient(lambda _: objective(), t.data, eps)
        excess = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
        if excess.size and excess.max() > 0:
            worst = np.unravel_index(np.argmax(excess), excess.shape)
            raise AssertionError(
                f"gradcheck: input {position} (shape {t.shape}) disagrees at index "
                f"{tuple(int(i) for i in worst)}: backward gives {analytic[worst]:.8g}, "
                f"finite differences give {numeric[worst]:.8g}"
            )
    return True

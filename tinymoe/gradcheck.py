"""Finite-difference gradient checking in float64."""

import numpy as np

from .tensor import Tensor


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
        numeric = np.zeros_like(t.data)
        flat = t.data.reshape(-1)
        for i in range(flat.size):
            original = flat[i]
            flat[i] = original + eps
            plus = objective()
            flat[i] = original - eps
            minus = objective()
            flat[i] = original
            numeric.reshape(-1)[i] = (plus - minus) / (2 * eps)
        excess = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
        if excess.size and excess.max() > 0:
            worst = np.unravel_index(np.argmax(excess), excess.shape)
            raise AssertionError(
                f"gradcheck: input {position} (shape {t.shape}) disagrees at index "
                f"{tuple(int(i) for i in worst)}: backward gives {analytic[worst]:.8g}, "
                f"finite differences give {numeric[worst]:.8g}"
            )
    return True

"""Array-level dispatch between the Numba kernels and plain NumPy.

``set_backend("numba" | "numpy")`` or ``with backend("numpy"): ...`` picks which
implementation the engine's matmul, fused cross-entropy and fused Adam use. The
default is "numba" (``tinymoe.kernels``, imported on first use so that ``import
tinymoe`` loads no kernel); the NumPy versions below are the kernels' references.
"""

from contextlib import contextmanager

import numpy as np

from .errors import DTypeError, ShapeError, check_float, check_integer, fmt

BACKENDS = ("numba", "numpy")
# The fused cross-entropy kernel beats NumPy for few classes (1.6x at 10) but loses for
# many (0.5x at 1,000: NumPy's exp is vectorised), so wider rows stay on NumPy.
FUSED_CROSS_ENTROPY_MAX_CLASSES = 256
_active = "numba"


def get_backend() -> str:
    return _active


def set_backend(name: str) -> None:
    global _active
    if name not in BACKENDS:
        raise ValueError(f"set_backend: unknown backend {name!r}; choose one of {BACKENDS}")
    _active = name


@contextmanager
def backend(name: str):
    """Temporarily switch backend: ``with tm.backend("numpy"): ...``."""
    previous = _active
    set_backend(name)
    try:
        yield
    finally:
        set_backend(previous)


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.matmul`` semantics (1-D, 2-D, batched with broadcasting)."""
    if _active == "numba":
        from tinymoe import kernels

        return kernels.matmul(a, b)
    return np.matmul(a, b)


def gelu(x: np.ndarray) -> np.ndarray:
    """Exact GELU ``x * Phi(x)``: one fused pass, or the NumPy form (which borrows the
    ``erf`` kernel: NumPy has none)."""
    from tinymoe.kernels import activations

    return activations.gelu(x) if _active == "numba" else activations.gelu_reference(x)


def gelu_backward(x: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """``grad * GELU'(x)``, fused or in NumPy."""
    from tinymoe.kernels import activations

    if _active == "numba":
        return activations.gelu_backward(x, grad)
    return activations.gelu_backward_reference(x, grad)


def softmax_cross_entropy(logits: np.ndarray, targets: np.ndarray):
    """Fused softmax + cross-entropy on ``logits`` (N, C), int ``targets`` (N,).

    Returns ``(loss, dlogits)``: per-row losses (N,) and ``softmax(logits) - onehot`` (N, C).
    """
    op = "softmax_cross_entropy"
    check_float(op, logits, "logits")
    check_integer(op, targets, "targets")
    if logits.ndim != 2 or targets.shape != logits.shape[:1] or logits.shape[1] == 0:
        raise ShapeError(f"{op}: expected logits (N, C) with C >= 1 and targets (N,), got "
                         f"logits {fmt(logits.shape)} and targets {fmt(targets.shape)}")
    if targets.size and (targets.min() < 0 or targets.max() >= logits.shape[1]):
        raise IndexError(f"{op}: targets must lie in [0, {logits.shape[1]}), got values in "
                         f"[{targets.min()}, {targets.max()}]")
    if _active == "numba" and logits.shape[1] <= FUSED_CROSS_ENTROPY_MAX_CLASSES:
        from tinymoe import kernels

        return kernels.softmax_cross_entropy(logits, targets)
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    rows = np.arange(logits.shape[0])
    loss = np.log(total[:, 0]) - shifted[rows, targets]
    dlogits = exp / total
    dlogits[rows, targets] -= 1
    return loss, dlogits


def adam_step(param, grad, exp_avg, exp_avg_sq, *, step, lr, beta1, beta2, eps,
              weight_decay=0.0, decoupled=False, max_exp_avg_sq=None):
    """One Adam/AdamW update, in place on ``param``, ``exp_avg``, ``exp_avg_sq``
    (and ``max_exp_avg_sq`` for AMSGrad). ``step`` counts from 1. Matches torch.optim.
    The Numba kernel needs C-contiguous state; other layouts take the NumPy path."""
    state = [param, exp_avg, exp_avg_sq] + ([] if max_exp_avg_sq is None else [max_exp_avg_sq])
    if any(x.shape != param.shape or x.dtype != param.dtype for x in [grad, *state]):
        raise ShapeError("adam_step: param, grad and state must share shape and dtype, got "
                         + ", ".join(f"{fmt(x.shape)} {x.dtype}" for x in [grad, *state]))
    if param.dtype not in (np.float32, np.float64):
        raise DTypeError(f"adam_step: float32 or float64 arrays required, got {param.dtype}")
    if step < 1:
        raise ValueError(f"adam_step: step counts from 1, got {step}")
    if _active == "numba" and all(x.flags.c_contiguous for x in state):
        from tinymoe import kernels

        return kernels.adam_step(param, grad, exp_avg, exp_avg_sq, step=step, lr=lr,
                                 beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay,
                                 decoupled=decoupled, max_exp_avg_sq=max_exp_avg_sq)
    if weight_decay and decoupled:
        param *= 1 - lr * weight_decay
    elif weight_decay:
        grad = grad + weight_decay * param
    exp_avg *= beta1
    exp_avg += (1 - beta1) * grad
    exp_avg_sq *= beta2
    exp_avg_sq += (1 - beta2) * grad * grad
    denom_sq = exp_avg_sq
    if max_exp_avg_sq is not None:
        np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        denom_sq = max_exp_avg_sq
    bias1 = 1 - beta1**step
    bias2 = 1 - beta2**step
    denom = np.sqrt(denom_sq) / np.sqrt(bias2) + eps
    param -= (lr / bias1) * exp_avg / denom

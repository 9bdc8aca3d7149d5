"""The NumPy reference of every Numba kernel: what the "numpy" backend runs.

Each function here is the plain definition its kernel in ``tinymoe.kernels`` is tested
against, with the same signature, shapes and dtypes; ``tinymoe.backend`` pairs them up.
(The engine matmul's reference is ``np.matmul`` itself; the matmul ladder of lesson 06
has its own, ``tinymoe.kernels.matmul_reference``.)
This module never imports Numba, so ``set_backend("numpy")`` runs no Numba code at all.
Inputs are checked by ``tinymoe.backend`` (or by the kernel wrappers), not here.
"""

import math

import numpy as np

INV_SQRT2 = 1 / math.sqrt(2)
INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_erf_scalar = np.frompyfunc(math.erf, 1, 1)
_erfc_scalar = np.frompyfunc(math.erfc, 1, 1)


# ---------------------------------------------------------------- elementwise


def erf(x: np.ndarray) -> np.ndarray:
    """Elementwise error function; same shape and dtype as ``x`` (float64 for integers).

    NumPy has no ``erf``, so this calls ``math.erf`` once per element: exact, but about
    a hundred times slower than the kernel."""
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
    return np.asarray(_erf_scalar(x), dtype=dtype)


# Phi(-40) and phi(+-40) are below float64's smallest subnormal, so past +-40 GELU is
# x * 0 and GELU' is 1 or 0: clamping there changes no finite result, and gives +-inf the
# limits (GELU(-inf) = 0, GELU'(+-inf) = 1, 0) instead of inf * 0 = nan and overflow.
CLAMP = 40.0


def normal_cdf(x: np.ndarray) -> np.ndarray:
    """Phi(x) = erfc(-x / sqrt 2) / 2, same dtype as ``x``: the same as (1 + erf(x / sqrt
    2)) / 2, without its cancellation for negative x (1 + erf is 0 in float64 from x = -8
    on, where Phi(x) is still 6e-16)."""
    return 0.5 * np.asarray(_erfc_scalar(-x * INV_SQRT2), dtype=x.dtype)


def gelu(x: np.ndarray) -> np.ndarray:
    """Exact GELU ``x * Phi(x)``."""
    x = np.maximum(x, -CLAMP)
    return x * normal_cdf(x)


def gelu_backward(x: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """``grad * GELU'(x)`` with GELU'(x) = Phi(x) + x * phi(x) (phi: the normal density)."""
    x = np.clip(x, -CLAMP, CLAMP)
    return grad * (normal_cdf(x) + x * INV_SQRT_2PI * np.exp(-0.5 * x * x))


# ---------------------------------------------------------------- fused loss and optimiser


def softmax_cross_entropy(logits: np.ndarray, targets: np.ndarray):
    """logits (N, C), int targets (N,) -> (loss (N,), dlogits (N, C)): per-row
    ``logsumexp(x) - x[t]`` and ``softmax(x) - onehot(t)``, shifted by the row max."""
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
    """One Adam/AdamW update, in place on ``param``, ``exp_avg``, ``exp_avg_sq`` (and
    ``max_exp_avg_sq`` for AMSGrad); ``step`` counts from 1. Matches torch.optim, in its
    order of operations: ``(1 - beta2) * grad * grad`` scales before squaring, so a float32
    gradient up to ~5.8e20 (beta2 = 0.999) still gives a finite second moment."""
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
    # Python floats, so float32 state stays float32 (a NumPy float64 scalar would promote)
    denom = np.sqrt(denom_sq) / math.sqrt(bias2) + eps
    param -= (lr / bias1) * exp_avg / denom


# ---------------------------------------------------------------- grouped GEMM (MoE experts)
# Rows of x are sorted by expert: expert g owns x[offsets[g]:offsets[g + 1]].


def grouped_matmul(x: np.ndarray, w: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """``out[seg_g] = x[seg_g] @ w[g].T`` for x (A, K), w (G, N, K) -> out (A, N)."""
    out = np.zeros((x.shape[0], w.shape[1]), np.result_type(x, w))
    for g in range(w.shape[0]):
        lo, hi = offsets[g], offsets[g + 1]
        out[lo:hi] = x[lo:hi] @ w[g].T
    return out


def grouped_linear(x, w, bias, offsets, rows=None, activation="identity"):
    """``act(x[rows][seg_g] @ w[g].T + bias[g])`` -> (out (A, N), pre (A, N) for "gelu",
    else None); x (T, K), rows (A,) or None (x sorted already), bias (G, N) or None."""
    pre = grouped_matmul(x if rows is None else x[rows], w, offsets)
    if bias is not None:
        pre += np.repeat(bias, np.diff(offsets), axis=0)
    if activation == "relu":
        return np.maximum(pre, 0), None
    if activation == "gelu":
        return gelu(pre), pre
    return pre, None


def grouped_linear_grad(dy, w, offsets, activation, saved):
    """``(dy[seg_g] @ w[g].T) * act'``, act' from ``saved``: ReLU's output or GELU's input."""
    grad = grouped_matmul(dy, w, offsets)
    if activation == "relu":
        return np.where(saved > 0, grad, 0).astype(grad.dtype)
    if activation == "gelu":
        return gelu_backward(saved, grad)
    return grad


def grouped_matmul_tn(dy: np.ndarray, x: np.ndarray, offsets: np.ndarray,
                      rows: np.ndarray | None = None) -> np.ndarray:
    """``out[g] = dy[seg_g].T @ x[rows][seg_g]`` for dy (A, N), x (T, K) -> (G, N, K)."""
    x = x if rows is None else x[rows]
    out = np.zeros((len(offsets) - 1, dy.shape[1], x.shape[1]), np.result_type(dy, x))
    for g in range(len(offsets) - 1):
        lo, hi = offsets[g], offsets[g + 1]
        out[g] = dy[lo:hi].T @ x[lo:hi]
    return out


def segment_sum(dy: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """``out[g] = dy[seg_g].sum(0)`` for dy (A, N) -> (G, N); empty segments give zeros."""
    out = np.zeros((len(offsets) - 1, dy.shape[1]), dy.dtype)
    for g in range(len(offsets) - 1):
        out[g] = dy[offsets[g]:offsets[g + 1]].sum(axis=0)
    return out


def scatter_add_rows(values, weights, index, n_rows: int) -> np.ndarray:
    """``out[index[a]] += weights[a] * values[a]`` -> out (n_rows, N); repeated indices add."""
    out = np.zeros((n_rows, values.shape[1]), values.dtype)
    np.add.at(out, index, weights[:, None] * values)
    return out


def combine_backward(grad, values, gate, index):
    """grad (T, N), values (A, N), gate (A,), index (A,) -> (gate[a] * grad[index[a]],
    grad[index[a]] . values[a])."""
    rows = grad[index]
    return rows * gate[:, None].astype(values.dtype), np.einsum("ad,ad->a", rows, values)

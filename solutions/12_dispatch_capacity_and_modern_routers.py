"""Lesson 12: from routing decisions to a fast MoE layer, and the routers of 2022-2024.

A router (lesson 11) gives every token t its top-k experts, ``expert`` (T, k) best first,
with gates (T, k). This lesson turns those decisions into work, in NumPy:

1. capacity: each expert has C = ceil(cf * k * T / E) slots; assignments beyond them are
   dropped, first choices first, and contribute 0 (the residual connection carries the token);
2. dispatch: sort the assignments by expert (stable), so expert e owns the contiguous
   segment offsets[e]:offsets[e + 1] of the sorted rows;
3. grouped GEMM: one matmul per segment, every expert in one call (a Numba kernel);
4. combine: y[token[a]] += gate[a] * out[a], a scatter-add where repeated tokens add up;
5. two modern routers: expert choice (Zhou et al. 2022) and DeepSeek-V3's sigmoid router
   with auxiliary-loss-free bias balancing.

Flat assignments are listed in *priority order* ("choice-major"): all first choices
(tokens 0, 1, ..., T-1), then all second choices, and so on; assignment a = c * T + t is
choice c of token t, i.e. ``expert.T.reshape(-1)`` for expert (T, k).
"""

import functools
import math

import numba
import numpy as np


def capacity_keep(expert, n_experts, capacity_factor):
    """Expert capacity and the keep-mask of the assignments that fit.

    expert: (T, k) int, token t's experts best first; n_experts: E; capacity_factor: cf > 0.
    Returns (C, keep): C = ceil(cf * k * T / E) slots per expert (a Python int), and
    keep (T, k) bool, True where the assignment gets a slot. Slots are handed out in
    priority order: all first choices in token order, then all second choices, ...; each
    expert keeps its first C assignments and drops the rest (a dropped assignment will add 0
    to its token's output).

    Example: capacity_keep(np.array([[0, 1], [0, 1], [0, 2]]), 3, 1.0) -> C = ceil(2) = 2;
    first choices: expert 0 gets tokens 0 and 1, so token 2's first choice is dropped;
    second choices 1, 1, 2 all fit: keep = [[True, True], [True, True], [False, True]].
    """
    # BEGIN SOLUTION 12.1: C = ceil(cf * k * T / E); keep each expert's first C, first choices first
    n_tokens, k = expert.shape
    capacity = math.ceil(capacity_factor * k * n_tokens / n_experts)
    flat = expert.T.reshape(-1)  # (k T,) in priority order
    used = np.zeros(n_experts, dtype=np.int64)  # slots taken so far, per expert
    keep = np.zeros(flat.shape, dtype=bool)
    for a, e in enumerate(flat):
        keep[a] = used[e] < capacity
        used[e] += 1
    return capacity, keep.reshape(k, n_tokens).T
    # END SOLUTION


def sort_by_expert(expert, n_experts):
    """Sort-based dispatch: put the assignments in expert order.

    expert: (A,) int in [0, E), flat assignments in priority order; n_experts: E.
    Returns (order, offsets): order (A,) int, a permutation such that expert[order] is
    non-decreasing and assignments of the same expert keep their priority order (a STABLE
    sort); offsets (E + 1,) int, offsets[0] = 0 and offsets[e + 1] - offsets[e] = the
    number of assignments of expert e (0 for an expert nobody chose), so expert e owns the
    sorted positions offsets[e]:offsets[e + 1].

    Example: sort_by_expert(np.array([2, 0, 2, 0]), 4) -> order [1, 3, 0, 2],
    offsets [0, 2, 2, 4, 4] (expert 1 and expert 3 get nothing).
    """
    # BEGIN SOLUTION 12.2: stable argsort by expert; offsets = [0, cumsum(bincount(E))]
    order = np.argsort(expert, kind="stable")
    counts = np.bincount(expert, minlength=n_experts)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    return order, offsets
    # END SOLUTION


def combine(values, gate, token, n_tokens, keep=None):
    """Combine: add each assignment's gate-weighted expert output back to its token.

    values: (A, D) expert outputs, one row per assignment; gate: (A,); token: (A,) int in
    [0, T); n_tokens: T; keep: (A,) bool or None (None = keep all): dropped assignments
    (keep False) contribute 0. Returns y (T, D) of values' dtype with
        y[t] = sum over kept a with token[a] == t of gate[a] * values[a].
    A token appears once per chosen expert, so indices repeat: they must ADD up. A token
    with no kept assignment gets a zero row.

    Example: values [[1, 1], [2, 2], [4, 4]], gate [0.5, 0.5, 1], token [0, 0, 2], T = 3
    -> y = [[1.5, 1.5], [0, 0], [4, 4]].
    """
    # BEGIN SOLUTION 12.3: scatter-add gate * values into rows token (np.add.at), dropped add 0
    weight = gate if keep is None else np.where(keep, gate, 0)
    y = np.zeros((n_tokens, values.shape[1]), values.dtype)
    np.add.at(y, token, weight[:, None] * values)
    return y
    # END SOLUTION


def combine_backward(grad_y, values, gate, token, keep=None):
    """The backward of `combine`: gradients of a loss L given grad_y = dL/dy.

    grad_y: (T, D); values: (A, D); gate: (A,); token: (A,); keep: (A,) bool or None.
    Returns (grad_values (A, D), grad_gate (A,)) for y[token[a]] += gate[a] * values[a]:
        grad_values[a] = gate[a] * grad_y[token[a]]
        grad_gate[a]   = <grad_y[token[a]], values[a]>      (a dot product over D)
    and both are 0 for a dropped assignment (keep[a] False). The backward of a scatter-add
    is a gather: each assignment reads the gradient row of its token.

    Example: grad_y [[1, 2]], values [[3, 4], [5, 6]], gate [0.5, 0.25], token [0, 0]
    -> grad_values [[0.5, 1], [0.25, 0.5]], grad_gate [11, 17].
    """
    # BEGIN SOLUTION 12.4: gather grad_y[token]; grad_values = gate * row, grad_gate = <row, v>
    weight = gate if keep is None else np.where(keep, gate, 0)
    rows = grad_y[token]  # (A, D)
    grad_values = weight[:, None] * rows
    grad_gate = np.einsum("ad,ad->a", rows, values)
    if keep is not None:
        grad_gate = np.where(keep, grad_gate, 0)
    return grad_values, grad_gate
    # END SOLUTION


def check_grouped(op, x, w, offsets):
    """Raise ValueError naming `op` unless x (A, K), w (E, N, K), offsets (E + 1,) fit."""
    if np.ndim(x) != 2 or np.ndim(w) != 3 or x.shape[1] != w.shape[2]:
        raise ValueError(f"{op}: expected x (A, K) and w (E, N, K) with the same K, got x "
                         f"{np.shape(x)} and w {np.shape(w)}")
    offsets = np.asarray(offsets)
    if (offsets.shape != (w.shape[0] + 1,) or offsets[0] != 0 or offsets[-1] != x.shape[0]
            or np.any(np.diff(offsets) < 0)):
        raise ValueError(f"{op}: offsets must be non-decreasing, shape (E + 1,) = "
                         f"({w.shape[0] + 1},), from 0 to A = {x.shape[0]}; got {offsets}")


@functools.cache
def jit(kernel):
    """`kernel(x, w, offsets)` compiled by Numba (on its first call; cached on disk), with a
    shape check. Example: fast = jit(grouped_matmul); fast(x, w, offsets)."""
    compiled = numba.njit(cache=True)(kernel)

    @functools.wraps(kernel)
    def run(x, w, offsets):
        check_grouped(kernel.__name__, x, w, offsets)
        return compiled(x, w, np.asarray(offsets, dtype=np.int64))

    return run


def grouped_matmul(x, w, offsets):
    """Grouped GEMM: one matmul per expert segment of rows sorted by expert.

    x: (A, K) rows sorted by expert; w: (E, N, K) per-expert weights in Linear's (out, in)
    layout; offsets: (E + 1,) int, expert e owns rows offsets[e]:offsets[e + 1] (possibly
    none). Returns out (A, N) of x's dtype with
        out[offsets[e]:offsets[e + 1]] = x[offsets[e]:offsets[e + 1]] @ w[e].T.
    Write plain loops (range, indexing, np.zeros(shape, dtype)): `jit(grouped_matmul)`
    compiles them with Numba. out[i, j] is the dot product of row i of x with row j of w[e],
    both contiguous in memory.

    Example: x = [[1, 2], [3, 4], [5, 6]], w = [2 * I, -I] (E = 2, N = K = 2),
    offsets [0, 1, 3] -> [[2, 4], [-3, -4], [-5, -6]].
    """
    # BEGIN SOLUTION 12.5: for each expert e, rows offsets[e]:offsets[e+1] times w[e].T, in loops
    n_rows, kdim = x.shape
    n_out = w.shape[1]
    out = np.zeros((n_rows, n_out), x.dtype)
    for e in range(w.shape[0]):
        for i in range(offsets[e], offsets[e + 1]):
            for j in range(n_out):
                acc = out[i, j]
                for kk in range(kdim):
                    acc += x[i, kk] * w[e, j, kk]
                out[i, j] = acc
    return out
    # END SOLUTION


def expert_choice(logits, capacity):
    """Expert-choice routing (Zhou et al. 2022): every expert picks its top-C tokens.

    logits: (T, E) router logits; capacity: C in [1, T]. p = softmax(logits) over the
    EXPERTS (each row sums to 1; compute it stably), then expert e takes the C tokens with
    the largest p[:, e], best first (ties: the lower token id first).
    Returns (token (E, C) int, gate (E, C)): token[e] = the tokens of expert e, and
    gate[e, c] = p[token[e, c], e]. Every expert gets exactly C tokens; a token may get
    several experts or none.

    Example: logits = log([[0.7, 0.3], [0.4, 0.6], [0.9, 0.1]]), C = 1 -> p = those numbers,
    token [[2], [1]], gate [[0.9], [0.6]].
    """
    # BEGIN SOLUTION 12.6: softmax over experts, then each expert's top-C tokens by p[:, e]
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)  # (T, E)
    token = np.argsort(-p.T, axis=1, kind="stable")[:, :capacity]  # (E, C)
    gate = np.take_along_axis(p.T, token, axis=1)
    return token, gate
    # END SOLUTION


def deepseek_route(logits, bias, k, gamma):
    """DeepSeek-V3 routing with auxiliary-loss-free balancing, one step.

    logits: (T, E); bias: (E,) per-expert bias (not trained by gradients); k: experts per
    token (k >= 2); gamma: the bias update speed. Affinities s = sigmoid(logits) (stable for
    any logits). Token t takes the k experts with the largest s[t] + bias, best first (ties:
    lower expert id first); the bias is used for SELECTION only: the gates come from the
    unbiased affinities, normalised over the chosen k, gate[t, i] = s[t, e_i] / sum_j
    s[t, e_j]. Then the balancing step: load_e = number of tokens that chose e, and
        new_bias = bias + gamma * sign(mean(load) - load)
    (under-loaded experts become more attractive, over-loaded ones less). Do not modify
    `bias` in place.
    Returns (expert (T, k) int, gate (T, k), new_bias (E,)).

    Example: logits [[0, 1, 2], [0, 1, 2]], bias 0, k = 2, gamma = 0.1 -> expert [[2, 1],
    [2, 1]], gate [[0.546, 0.454]] * 2 (sigmoid(2) / (sigmoid(2) + sigmoid(1)) = 0.546),
    load [0, 2, 2] (mean 4/3) -> new_bias [0.1, -0.1, -0.1].
    """
    # BEGIN SOLUTION 12.7: top-k of sigmoid + bias, gates from unbiased s renormalised, bias step
    e = np.exp(-np.abs(logits))  # in (0, 1]: never overflows
    s = np.where(logits >= 0, 1.0 / (1.0 + e), e / (1.0 + e))  # sigmoid(logits)
    expert = np.argsort(-(s + bias), axis=1, kind="stable")[:, :k]  # (T, k)
    chosen = np.take_along_axis(s, expert, axis=1)
    gate = chosen / chosen.sum(axis=1, keepdims=True)
    load = np.bincount(expert.reshape(-1), minlength=len(bias)).astype(np.float64)
    new_bias = bias + gamma * np.sign(load.mean() - load)
    return expert, gate, new_bias
    # END SOLUTION

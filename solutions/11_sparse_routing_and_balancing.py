"""Lesson 11: sparse top-k routing, router collapse, and the losses that prevent it.

A sparse MoE layer runs only k of its E experts per token. The router scores every expert
(logits z, shape (T, E) for T tokens), keeps the top k and weighs their outputs with gates.
Left alone, training concentrates the tokens on a few experts (collapse); the balancing
losses of Switch (Fedus et al. 2022), Shazeer et al. 2017 and ST-MoE (Zoph et al. 2022)
push back. Each loss here returns (loss, gradient) as float and float64 array.
"""

import numpy as np


def softmax(z):
    """Stable softmax along the last axis (lesson 03)."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def topk_gate(logits, k):
    """Mixtral's top-k gate: softmax over all experts, keep the k largest, renormalise.

    logits: (T, E) router logits; k: experts per token, 1 <= k <= E.
    Returns (idx, gate): idx (T, k) int, the chosen experts, best first (ties to the lower
    expert id); gate (T, k) their weights. With p = softmax(logits):
        k >= 2: gate = p[idx] / p[idx].sum(row), so each token's k gates sum to 1;
        k == 1: gate = p[idx] (the RAW probability). Renormalising one number makes it 1 for
                every token, and a constant gate passes no task gradient to the router.

    Example: logits [[2, 1, 0]] give p = [0.665, 0.245, 0.090];
        k = 2: idx [[0, 1]], gate [[0.731, 0.269]];  k = 1: idx [[0]], gate [[0.665]].
    """
    # BEGIN SOLUTION 11.1: p = softmax; stable argsort of -p, first k; renormalise only if k > 1
    p = softmax(logits)
    idx = np.argsort(-p, axis=1, kind="stable")[:, :k]
    picked = np.take_along_axis(p, idx, axis=1)
    gate = picked / picked.sum(axis=1, keepdims=True) if k > 1 else picked
    return idx, gate
    # END SOLUTION


def softplus(x):
    """log(1 + exp(x)) without overflow: max(x, 0) + log1p(exp(-|x|))."""
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def noisy_topk_gates(logits, noise_logits, eps, k):
    """Shazeer et al. 2017's noisy top-k gating, as a dense (T, E) matrix of gates.

    logits: (T, E) clean router logits x W_g; noise_logits: (T, E) x W_noise; eps: (T, E)
    standard normal draws (the caller draws them, in training only); k: experts kept.
        H = logits + eps * softplus(noise_logits)      learned, input-dependent noise scale
        gates = softmax(KeepTopK(H, k))                KeepTopK sets all but the k largest
                                                       entries of each row to -inf
    Returns gates (T, E): exactly k nonzero entries per row (the top k of H), summing to 1.
    softplus keeps the noise scale positive and must not overflow for noise logits of 1e3.

    Example: with eps = 0 the gates are the softmax of the clean logits over their top k.
    """
    # BEGIN SOLUTION 11.2: H = clean + eps softplus(noise); mask all but the top k of H to -inf
    H = logits + eps * softplus(noise_logits)
    idx = np.argsort(-H, axis=1, kind="stable")[:, :k]
    masked = np.full_like(H, -np.inf)
    np.put_along_axis(masked, idx, np.take_along_axis(H, idx, axis=1), axis=1)
    return softmax(masked)
    # END SOLUTION


def switch_loss(probs, expert, alpha=0.01):
    """Switch Transformer's load-balancing loss and its gradient with respect to probs.

    probs: (T, E) router probabilities (rows sum to 1); expert: (T,) int, each token's
    chosen (top-1) expert; alpha: the coefficient (0.01 in the paper).
        f_i = (number of tokens sent to expert i) / T    a count: no gradient
        P_i = mean over tokens of probs[:, i]             differentiable
        loss = alpha * E * sum_i f_i P_i
    The loss is alpha under perfect balance (f_i = P_i = 1/E) and alpha * E when every
    token and all probability go to one expert. Only P carries the gradient: it pushes
    probability away from the experts that received many tokens.
    Returns (loss, dprobs) with dprobs (T, E), dprobs[t, i] = alpha * E * f_i / T.

    Example: T = 2, E = 2, probs [[0.7, 0.3], [0.6, 0.4]], expert [0, 0], alpha = 1:
        f = [1, 0], P = [0.65, 0.35], loss = 2 * 0.65 = 1.3, dprobs = [[1, 0], [1, 0]].
    """
    # BEGIN SOLUTION 11.3: f from bincount(minlength=E) / T, P the column means, grad via P only
    n_tokens, n_experts = probs.shape
    f = np.bincount(expert, minlength=n_experts) / n_tokens  # (E,)
    loss = alpha * n_experts * float(np.sum(f * probs.mean(axis=0)))
    dprobs = np.broadcast_to(alpha * n_experts * f / n_tokens, probs.shape).copy()
    return loss, dprobs
    # END SOLUTION


def importance_loss(gates):
    """Shazeer et al. 2017's importance loss: the squared coefficient of variation of the
    experts' importance, and its gradient with respect to the gates.

    gates: (T, E) combine weights (0 where a token does not use an expert).
        importance_i = sum over tokens of gates[:, i]                     (E,)
        CV^2 = Var(importance) / mean(importance)^2   (population variance, divide by E)
    CV^2 is 0 when every expert has the same importance and grows as a few dominate; it
    does not change when all gates are scaled by the same factor.
    Returns (loss, dgates): loss = CV^2 as a float, dgates (T, E). With I = importance,
    m = mean(I), v = Var(I): dCV^2/dI_j = 2 (I_j - m) / (E m^2) - 2 v / (E m^3), the same
    for every token t (each gates[t, j] adds to I_j once).

    Example: gates [[1, 0], [1, 0]] -> I = [2, 0], m = 1, v = 1, CV^2 = 1.
    """
    # BEGIN SOLUTION 11.4: I = column sums; CV^2 = var / mean^2; chain through both var and mean
    n_experts = gates.shape[1]
    imp = gates.sum(axis=0)
    mean, var = imp.mean(), imp.var()
    dimp = 2.0 * (imp - mean) / (n_experts * mean**2) - 2.0 * var / (n_experts * mean**3)
    return float(var / mean**2), np.broadcast_to(dimp, gates.shape).copy()
    # END SOLUTION


def z_loss(logits):
    """ST-MoE's router z-loss and its gradient: the mean squared log-partition function.

        lse_t = log sum_i exp(logits[t, i])          (computed stably: lse = max + log sum
                                                      exp(z - max); logits may reach 1e3)
        loss  = mean over tokens of lse_t^2
        dloss/dlogits[t, i] = 2 lse_t softmax(logits[t])_i / T

    It keeps the router's logits small, where the softmax is well-conditioned and rounding
    in float32/bfloat16 does not change which expert wins.
    logits: (T, E). Returns (loss float, dlogits (T, E)).

    Example: every logit equal to c gives lse = c + log E, loss = (c + log E)^2; at c = 0
    with E = 4 that is (log 4)^2 = 1.922.
    """
    # BEGIN SOLUTION 11.5: stable logsumexp per row, mean of squares, 2 lse softmax / T
    top = logits.max(axis=1, keepdims=True)
    lse = top[:, 0] + np.log(np.exp(logits - top).sum(axis=1))  # (T,)
    dlogits = 2.0 * lse[:, None] * softmax(logits) / logits.shape[0]
    return float(np.mean(lse**2)), dlogits
    # END SOLUTION


def collapse_stats(expert, n_experts):
    """Collapse detector: how unevenly did the router spread its choices?

    expert: (A,) int, the expert of every routed assignment; n_experts: E (experts that got
    nothing still count). Returns (load, busiest, entropy):
        load (E,) float: fraction of assignments per expert, summing to 1;
        busiest: the largest load (1/E = balanced, 1 = collapsed onto one expert);
        entropy: -sum_i load_i ln load_i in nats, with 0 ln 0 = 0 (ln E balanced, 0 collapsed).

    Example: expert [2, 2, 2, 0] with E = 4 -> load [0.25, 0, 0.75, 0], busiest 0.75,
    entropy -(0.25 ln 0.25 + 0.75 ln 0.75) = 0.562.
    """
    # BEGIN SOLUTION 11.6: bincount with minlength = E, normalise, max, entropy over load > 0
    load = np.bincount(expert, minlength=n_experts) / len(expert)
    used = load[load > 0]
    return load, float(load.max()), float(-(used * np.log(used)).sum())
    # END SOLUTION

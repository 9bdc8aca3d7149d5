"""alternative 15.1: loops over tasks and experts, the gate as exp(logits - logsumexp)."""

import numpy as np


def mmoe_forward(x, expert_w, expert_b, gate_w, gate_b):
    n_tasks, n_experts = gate_b.shape
    outs = [np.maximum(x @ expert_w[e].T + expert_b[e], 0) for e in range(n_experts)]
    mixed, gates = [], []
    for k in range(n_tasks):
        logits = x @ gate_w[k].T + gate_b[k]
        top = logits.max(axis=1, keepdims=True)
        lse = top + np.log(np.exp(logits - top).sum(axis=1, keepdims=True))
        g = np.exp(logits - lse)
        gates.append(g)
        mixed.append(sum(g[:, e:e + 1] * outs[e] for e in range(n_experts)))
    return np.stack(mixed), np.stack(gates)

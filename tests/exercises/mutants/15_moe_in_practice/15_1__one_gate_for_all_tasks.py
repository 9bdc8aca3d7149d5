"""mutant 15.1: every task uses task 0's gate (one gate for all: OMoE, not MMoE)."""

import numpy as np


def mmoe_forward(x, expert_w, expert_b, gate_w, gate_b):
    experts = np.maximum(x @ expert_w.transpose(0, 2, 1) + expert_b[:, None, :], 0)
    logits = x @ gate_w[0].T + gate_b[0]  # (B, E), task 0's gate only
    z = np.exp(logits - logits.max(axis=-1, keepdims=True))
    gate = z / z.sum(axis=-1, keepdims=True)
    gates = np.repeat(gate[None], len(gate_w), axis=0)
    return np.einsum("kbe,ebh->kbh", gates, experts), gates

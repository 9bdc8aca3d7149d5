"""mutant 15.1: the experts are linear (the ReLU is missing)."""

import numpy as np


def mmoe_forward(x, expert_w, expert_b, gate_w, gate_b):
    experts = x @ expert_w.transpose(0, 2, 1) + expert_b[:, None, :]
    logits = x @ gate_w.transpose(0, 2, 1) + gate_b[:, None, :]
    z = np.exp(logits - logits.max(axis=-1, keepdims=True))
    gates = z / z.sum(axis=-1, keepdims=True)
    return np.einsum("kbe,ebh->kbh", gates, experts), gates

"""mutant 15.5: softmax over ALL experts, then the other modality's probabilities set to 0
(rows no longer sum to 1)."""

import numpy as np


def modality_route(logits, modality, expert_modality, k):
    allowed = (expert_modality[None, :] == -1) | (expert_modality[None, :] == modality[:, None])
    z = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs = np.where(allowed, z / z.sum(axis=1, keepdims=True), 0.0)
    expert = np.argsort(-probs, axis=1, kind="stable")[:, :k]
    return probs, expert

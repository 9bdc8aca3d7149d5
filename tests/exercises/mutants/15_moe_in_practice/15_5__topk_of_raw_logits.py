"""mutant 15.5: the probabilities are masked correctly, but the top k is taken from the raw
logits, so a token can be routed to another modality's expert."""

import numpy as np


def modality_route(logits, modality, expert_modality, k):
    allowed = (expert_modality[None, :] == -1) | (expert_modality[None, :] == modality[:, None])
    masked = np.where(allowed, logits, -np.inf)
    z = np.exp(masked - masked.max(axis=1, keepdims=True))
    probs = z / z.sum(axis=1, keepdims=True)
    expert = np.argsort(-logits, axis=1, kind="stable")[:, :k]
    return probs, expert

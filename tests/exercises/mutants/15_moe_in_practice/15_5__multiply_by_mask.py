"""mutant 15.5: logits * mask: the masked logits become 0 and still take part in the softmax."""

import numpy as np


def modality_route(logits, modality, expert_modality, k):
    allowed = (expert_modality[None, :] == -1) | (expert_modality[None, :] == modality[:, None])
    masked = logits * allowed
    z = np.exp(masked - masked.max(axis=1, keepdims=True))
    probs = z / z.sum(axis=1, keepdims=True)
    expert = np.argsort(-probs, axis=1, kind="stable")[:, :k]
    return probs, expert

"""mutant 15.5: only experts of the token's own modality are allowed; the shared ones (-1)
are masked out too."""

import numpy as np


def modality_route(logits, modality, expert_modality, k):
    allowed = expert_modality[None, :] == modality[:, None]
    masked = np.where(allowed, logits, -np.inf)
    z = np.exp(masked - masked.max(axis=1, keepdims=True))
    probs = z / z.sum(axis=1, keepdims=True)
    expert = np.argsort(-probs, axis=1, kind="stable")[:, :k]
    return probs, expert

"""mutant 11.2: chooses the top k of the clean logits; the noise only changes the weights."""

import numpy as np


def noisy_topk_gates(logits, noise_logits, eps, k):
    H = logits + eps * softplus(noise_logits)
    idx = np.argsort(-logits, axis=1, kind="stable")[:, :k]
    masked = np.full_like(H, -np.inf)
    np.put_along_axis(masked, idx, np.take_along_axis(H, idx, axis=1), axis=1)
    return softmax(masked)

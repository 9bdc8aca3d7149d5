"""mutant 11.2: softplus as log(1 + exp(x)), which overflows for noise logits of 1e3."""

import numpy as np


def noisy_topk_gates(logits, noise_logits, eps, k):
    H = logits + eps * np.log(1.0 + np.exp(noise_logits))
    idx = np.argsort(-H, axis=1, kind="stable")[:, :k]
    masked = np.full_like(H, -np.inf)
    np.put_along_axis(masked, idx, np.take_along_axis(H, idx, axis=1), axis=1)
    return softmax(masked)

"""mutant 11.1: keeps the raw top-k probabilities, so a token's k gates sum to less than 1."""

import numpy as np


def topk_gate(logits, k):
    p = softmax(logits)
    idx = np.argsort(-p, axis=1, kind="stable")[:, :k]
    return idx, np.take_along_axis(p, idx, axis=1)

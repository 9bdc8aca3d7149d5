"""alternative 11.1: selects on the logits (softmax is monotone), softmax over the k picked
logits when k > 1 (equal to renormalising), the full softmax probability when k = 1."""

import numpy as np


def topk_gate(logits, k):
    idx = np.argsort(-logits, axis=1, kind="stable")[:, :k]
    picked = np.take_along_axis(logits, idx, axis=1)
    if k == 1:
        top = logits.max(axis=1, keepdims=True)
        return idx, 1.0 / np.exp(logits - top).sum(axis=1, keepdims=True)
    e = np.exp(picked - picked[:, :1])
    return idx, e / e.sum(axis=1, keepdims=True)

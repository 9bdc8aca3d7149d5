"""mutant 11.1: softmax without subtracting the row max, which overflows for logits of 1e3."""

import numpy as np


def topk_gate(logits, k):
    e = np.exp(logits)
    p = e / e.sum(axis=1, keepdims=True)
    idx = np.argsort(-p, axis=1, kind="stable")[:, :k]
    picked = np.take_along_axis(p, idx, axis=1)
    return idx, picked / picked.sum(axis=1, keepdims=True) if k > 1 else picked

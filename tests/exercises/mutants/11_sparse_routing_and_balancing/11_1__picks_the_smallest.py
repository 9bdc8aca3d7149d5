"""mutant 11.1: argsort ascending picks the k LEAST likely experts."""

import numpy as np


def topk_gate(logits, k):
    p = softmax(logits)
    idx = np.argsort(p, axis=1, kind="stable")[:, :k]
    picked = np.take_along_axis(p, idx, axis=1)
    return idx, picked / picked.sum(axis=1, keepdims=True) if k > 1 else picked

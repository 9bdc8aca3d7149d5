"""mutant 12.7: gates normalised from the biased scores s + b, so the bias leaks into the
output instead of steering selection only."""

import numpy as np


def deepseek_route(logits, bias, k, gamma):
    s = 1.0 / (1.0 + np.exp(-logits))
    scores = s + bias
    expert = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    chosen = np.take_along_axis(scores, expert, axis=1)
    gate = chosen / chosen.sum(axis=1, keepdims=True)
    load = np.bincount(expert.reshape(-1), minlength=len(bias))
    return expert, gate, bias + gamma * np.sign(load.mean() - load)

"""mutant 12.7: the gates are the raw sigmoid affinities, not normalised over the chosen k."""

import numpy as np


def deepseek_route(logits, bias, k, gamma):
    s = 1.0 / (1.0 + np.exp(-logits))
    expert = np.argsort(-(s + bias), axis=1, kind="stable")[:, :k]
    gate = np.take_along_axis(s, expert, axis=1)
    load = np.bincount(expert.reshape(-1), minlength=len(bias))
    return expert, gate, bias + gamma * np.sign(load.mean() - load)

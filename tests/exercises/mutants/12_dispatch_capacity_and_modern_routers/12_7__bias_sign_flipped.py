"""mutant 12.7: b += gamma * sign(load - mean_load): busy experts become even more attractive."""

import numpy as np


def deepseek_route(logits, bias, k, gamma):
    s = 1.0 / (1.0 + np.exp(-logits))
    expert = np.argsort(-(s + bias), axis=1, kind="stable")[:, :k]
    chosen = np.take_along_axis(s, expert, axis=1)
    gate = chosen / chosen.sum(axis=1, keepdims=True)
    load = np.bincount(expert.reshape(-1), minlength=len(bias))
    return expert, gate, bias + gamma * np.sign(load - load.mean())

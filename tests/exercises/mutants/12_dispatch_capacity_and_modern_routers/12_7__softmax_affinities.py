"""mutant 12.7: softmax affinities over the experts (Mixtral's) instead of DeepSeek-V3's
independent sigmoids."""

import numpy as np


def deepseek_route(logits, bias, k, gamma):
    z = np.exp(logits - logits.max(axis=1, keepdims=True))
    s = z / z.sum(axis=1, keepdims=True)
    expert = np.argsort(-(s + bias), axis=1, kind="stable")[:, :k]
    chosen = np.take_along_axis(s, expert, axis=1)
    gate = chosen / chosen.sum(axis=1, keepdims=True)
    load = np.bincount(expert.reshape(-1), minlength=len(bias))
    return expert, gate, bias + gamma * np.sign(load.mean() - load)

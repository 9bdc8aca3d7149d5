"""alternative 12.7: sigmoid as 0.5 * (1 + tanh(x / 2)), selection with np.argpartition then
a sort, gates as a softmax of log s over the chosen k."""

import numpy as np


def deepseek_route(logits, bias, k, gamma):
    s = 0.5 * (1.0 + np.tanh(0.5 * logits))
    score = s + bias
    part = np.argpartition(-score, k - 1, axis=1)[:, :k]
    rank = np.lexsort((part, -np.take_along_axis(score, part, axis=1)), axis=1)
    expert = np.take_along_axis(part, rank, axis=1)
    log_chosen = np.log(np.take_along_axis(s, expert, axis=1))
    gate = np.exp(log_chosen - log_chosen.max(axis=1, keepdims=True))
    gate /= gate.sum(axis=1, keepdims=True)
    load = np.zeros(len(bias))
    for e in expert.ravel():
        load[e] += 1
    new_bias = bias.copy()
    new_bias[load > load.mean()] -= gamma
    new_bias[load < load.mean()] += gamma
    return expert, gate, new_bias

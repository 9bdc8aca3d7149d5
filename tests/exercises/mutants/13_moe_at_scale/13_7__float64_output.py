"""mutant 13.7: the outputs created with np.zeros((n, D)), float64 whatever the inputs."""

import numpy as np


def ep_combine(out_per_rank, send_order, gate_per_rank, counts):
    start = np.cumsum(counts, axis=0) - counts
    dim = out_per_rank[0].shape[1]
    y_per_rank = []
    for s, (order, gate) in enumerate(zip(send_order, gate_per_rank)):
        back = np.concatenate([out[start[s, d]:start[s, d] + counts[s, d]]
                               for d, out in enumerate(out_per_rank)])
        n_tokens = gate.shape[0]
        weight = gate.T.reshape(-1)[order]
        y = np.zeros((n_tokens, dim), np.float64)
        np.add.at(y, order % max(n_tokens, 1), weight[:, None] * back)
        y_per_rank.append(y)
    return y_per_rank

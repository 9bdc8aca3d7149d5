"""alternative 13.7: a running read position per receiver, sources in turn, and a loop over rows."""

import numpy as np


def ep_combine(out_per_rank, send_order, gate_per_rank, counts):
    n_ranks = len(out_per_rank)
    pos = [0] * n_ranks
    ys = []
    for s in range(n_ranks):
        pieces = []
        for d in range(n_ranks):
            pieces.append(out_per_rank[d][pos[d]:pos[d] + counts[s][d]])
            pos[d] += counts[s][d]
        back = np.concatenate(pieces)
        gate = gate_per_rank[s]
        n = gate.shape[0]
        y = np.zeros((n, out_per_rank[0].shape[1]), dtype=out_per_rank[0].dtype)
        for row, a in zip(back, send_order[s]):
            y[a % n] += gate[a % n, a // n] * row
        ys.append(y)
    return ys

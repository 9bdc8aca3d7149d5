"""mutant 13.6: each receiver re-sorts its buffer by expert, losing the source-major layout."""

import numpy as np


def ep_dispatch(x_per_rank, expert_per_rank, owner, n_ranks):
    chunks = [[] for _ in range(n_ranks)]
    send_order = []
    for x, expert in zip(x_per_rank, expert_per_rank):
        n_tokens = x.shape[0]
        flat = np.asarray(expert).T.reshape(-1)
        order = np.argsort(owner[flat], kind="stable")
        bounds = np.searchsorted(owner[flat[order]], np.arange(n_ranks + 1))
        rows = x[order % max(n_tokens, 1)]
        for d in range(n_ranks):
            part = slice(bounds[d], bounds[d + 1])
            chunks[d].append((rows[part], flat[order][part]))
        send_order.append(order)
    recv_x, recv_expert = [], []
    for chunk in chunks:
        rows = np.concatenate([r for r, _ in chunk])
        ids = np.concatenate([i for _, i in chunk])
        by_expert = np.argsort(ids, kind="stable")
        recv_x.append(rows[by_expert])
        recv_expert.append(ids[by_expert])
    return recv_x, recv_expert, send_order

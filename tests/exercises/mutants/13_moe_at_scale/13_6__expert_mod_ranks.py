"""mutant 13.6: rows sent to rank expert % P instead of owner[expert]."""

import numpy as np


def ep_dispatch(x_per_rank, expert_per_rank, owner, n_ranks):
    chunks = [[] for _ in range(n_ranks)]
    send_order = []
    for x, expert in zip(x_per_rank, expert_per_rank):
        n_tokens = x.shape[0]
        flat = np.asarray(expert).T.reshape(-1)
        order = np.argsort(flat % n_ranks, kind="stable")
        bounds = np.searchsorted((flat % n_ranks)[order], np.arange(n_ranks + 1))
        rows = x[order % max(n_tokens, 1)]
        for d in range(n_ranks):
            part = slice(bounds[d], bounds[d + 1])
            chunks[d].append((rows[part], flat[order][part]))
        send_order.append(order)
    recv_x = [np.concatenate([rows for rows, _ in chunk]) for chunk in chunks]
    recv_expert = [np.concatenate([ids for _, ids in chunk]) for chunk in chunks]
    return recv_x, recv_expert, send_order

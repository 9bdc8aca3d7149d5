"""alternative 13.6: per destination, np.flatnonzero of its assignments, in reverse order."""

import numpy as np


def ep_dispatch(x_per_rank, expert_per_rank, owner, n_ranks):
    recv_x = [[] for _ in range(n_ranks)]
    recv_expert = [[] for _ in range(n_ranks)]
    send_order = []
    for x, expert in zip(x_per_rank, expert_per_rank):
        n, k = expert.shape
        flat = np.asarray(expert).T.reshape(-1)
        parts = [np.flatnonzero(owner[flat] == d)[::-1] for d in range(n_ranks)]
        for d, idx in enumerate(parts):
            recv_x[d].append(x[idx % n] if n else np.zeros((0, x.shape[1]), x.dtype))
            recv_expert[d].append(flat[idx])
        send_order.append(np.concatenate(parts).astype(np.int64))
    return ([np.concatenate(r) for r in recv_x], [np.concatenate(e) for e in recv_expert],
            send_order)

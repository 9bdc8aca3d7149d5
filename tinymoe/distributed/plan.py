"""The arithmetic of expert parallelism, in plain NumPy (no MPI: testable in one process).

With P ranks and E experts (E % P == 0), rank ``r`` owns the contiguous block of experts
``r * E/P ... (r + 1) * E/P - 1`` (``expert_owner``). Every rank routes its own tokens;
an assignment (token, expert) whose expert lives on another rank must travel there and
its result must travel back. Everything the exchange needs is computed here:

- ``send_counts``: the (P, P) matrix of assignments routed from rank src to the experts
  owned by rank dst (what ``MPI.Alltoall`` tells every rank about its receives);
- ``exchange_plan``: on one rank, the order in which to send its assignments and the
  (P, E/P) counts per destination rank and destination expert;
- ``receive_layout``: on the receiving rank, the permutation that groups the received
  rows by local expert (for the grouped GEMM) and that expert's segment offsets;
- ``capacity_keep``: the single-process capacity rule (``tinymoe.moe.capacity``) applied
  to one rank's share of a global batch, from every rank's per-expert counts;
- ``offrank_assignments`` and ``alltoall_bytes``: the communication volume.
"""

import numpy as np


def expert_owner(n_experts: int, n_ranks: int) -> np.ndarray:
    """Owner rank of every expert, (E,) int64: contiguous blocks of E/P experts per rank.

    Raises ValueError naming both sizes unless E % P == 0 (every rank must hold the same
    number of experts for the stacked (E/P, ...) weights of its local bank)."""
    for name, value in (("n_experts", n_experts), ("n_ranks", n_ranks)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"expert_owner: {name} must be an int >= 1, got {value!r}")
    if n_experts % n_ranks:
        raise ValueError(f"expert_owner: n_experts={n_experts} is not divisible by "
                         f"n_ranks={n_ranks}; expert parallelism gives every rank "
                         f"n_experts / n_ranks experts (use E a multiple of P)")
    return np.repeat(np.arange(n_ranks, dtype=np.int64), n_experts // n_ranks)


def _check_experts(op: str, expert: np.ndarray, n_experts: int) -> np.ndarray:
    """``expert`` as an int64 array of ids in [-1, E) (-1 = dropped)."""
    expert = np.asarray(expert)
    if expert.size and not np.issubdtype(expert.dtype, np.integer):
        raise TypeError(f"{op}: expert indices must be integers, got dtype {expert.dtype}")
    expert = expert.astype(np.int64, copy=False)
    if expert.size and (expert.min() < -1 or expert.max() >= n_experts):
        raise ValueError(f"{op}: expert indices must lie in [0, n_experts={n_experts}) "
                         f"(or -1 for a dropped assignment), got min {expert.min()}, "
                         f"max {expert.max()}")
    return expert


def send_counts(expert_idx_per_rank, n_experts: int, n_ranks: int) -> np.ndarray:
    """(P, P) int64: entry [src, dst] = assignments routed from rank src to experts owned
    by rank dst.

    expert_idx_per_rank: one integer array per rank, typically (n_i, k) (the top-k expert
    ids of rank i's n_i tokens; any shape is accepted, n_i may be 0); an entry of -1 is a
    dropped assignment (over capacity) and is not sent. Row sums are what each rank
    sends, column sums what each rank receives, the diagonal stays on its rank."""
    owner = expert_owner(n_experts, n_ranks)
    if len(expert_idx_per_rank) != n_ranks:
        raise ValueError(f"send_counts: got expert indices for {len(expert_idx_per_rank)} "
                         f"ranks, expected n_ranks={n_ranks}")
    counts = np.zeros((n_ranks, n_ranks), dtype=np.int64)
    for src, idx in enumerate(expert_idx_per_rank):
        idx = _check_experts("send_counts", idx, n_experts).reshape(-1)
        counts[src] = np.bincount(owner[idx[idx >= 0]], minlength=n_ranks)
    return counts


def exchange_plan(expert: np.ndarray, n_experts: int, n_ranks: int):
    """How one rank sends its kept assignments.

    expert (A,) int: the expert of each assignment, in any order (no -1 here).
    Returns ``order`` (A,) (send position -> assignment: sorted by expert, stable, hence
    by destination rank, then by the destination's local expert) and ``counts``
    (P, E/P) int64, the rows for each destination rank's each local expert.
    ``counts.sum(1)`` is this rank's row of ``send_counts``."""
    expert = _check_experts("exchange_plan", expert, n_experts).reshape(-1)
    if expert.size and expert.min() < 0:
        raise ValueError("exchange_plan: remove dropped assignments (-1) first")
    expert_owner(n_experts, n_ranks)  # validates the sizes
    order = np.argsort(expert, kind="stable")
    counts = np.bincount(expert, minlength=n_experts).reshape(n_ranks, n_experts // n_ranks)
    return order, counts


def receive_layout(recv_counts: np.ndarray):
    """Group received rows by local expert.

    recv_counts (P, E_local) int: rows received from each source rank for each local
    expert; the receive buffer holds source 0's rows (sorted by local expert), then
    source 1's, and so on. Returns ``perm`` (R,) (``rows[perm]`` is sorted by local expert,
    sources in rank order within an expert) and ``offsets`` (E_local + 1,) int64 (local
    expert e owns sorted rows offsets[e]:offsets[e + 1], as the grouped GEMM wants)."""
    recv_counts = np.asarray(recv_counts, dtype=np.int64)
    n_local = recv_counts.shape[1]
    expert_of_row = np.repeat(np.tile(np.arange(n_local), recv_counts.shape[0]),
                              recv_counts.reshape(-1))
    perm = np.argsort(expert_of_row, kind="stable")
    offsets = np.zeros(n_local + 1, dtype=np.int64)
    np.cumsum(recv_counts.sum(axis=0), out=offsets[1:])
    return perm, offsets


def level_counts(expert: np.ndarray, n_experts: int, top_k: int) -> np.ndarray:
    """(k, E) int64: how many of one rank's assignments at each choice level (first
    choices, second choices, ...) went to each expert. ``expert`` (k * n,) is in the
    routers' priority order (all first choices, then all second choices, ...)."""
    expert = _check_experts("level_counts", expert, n_experts).reshape(top_k, -1)
    return np.stack([np.bincount(row, minlength=n_experts) for row in expert]).reshape(
        top_k, n_experts)


def capacity_keep(expert: np.ndarray, all_level_counts: np.ndarray, rank: int,
                  capacity: int) -> np.ndarray:
    """Keep-mask (k * n,) for rank ``rank``'s assignments under the single-process rule.

    The global batch is the ranks' local batches concatenated in rank order; the
    single-process layer keeps each expert's first ``capacity`` assignments in priority
    order (all first choices of every token, then all second choices, ...), so an
    assignment's slot in its expert is: the assignments of earlier levels on every rank,
    plus those of its level on lower ranks, plus those before it on this rank.

    expert (k * n,) in priority order; all_level_counts (P, k, E): ``level_counts`` of
    every rank (an allgather). Equals ``within_capacity`` on the concatenated batch."""
    all_level_counts = np.asarray(all_level_counts, dtype=np.int64)
    n_ranks, top_k, n_experts = all_level_counts.shape
    expert = _check_experts("capacity_keep", expert, n_experts).reshape(top_k, -1)
    per_level = all_level_counts.sum(axis=0)  # (k, E)
    before_level = np.cumsum(per_level, axis=0) - per_level  # earlier levels, all ranks
    base = before_level + all_level_counts[:rank].sum(axis=0)  # (k, E)
    keep = np.empty(expert.shape, dtype=bool)
    for level, row in enumerate(expert):
        order = np.argsort(row, kind="stable")
        counts = np.bincount(row, minlength=n_experts)
        starts = np.cumsum(counts) - counts
        slot = np.empty(len(row), dtype=np.int64)
        slot[order] = np.arange(len(row)) - starts[row[order]]
        keep[level] = base[level, row] + slot < capacity
    return keep.reshape(-1)


def offrank_assignments(counts: np.ndarray) -> int:
    """Assignments that leave their rank: the off-diagonal sum of a (P, P) send_counts."""
    counts = np.asarray(counts)
    return int(counts.sum() - np.trace(counts))


def alltoall_bytes(counts: np.ndarray, d_model: int, itemsize: int) -> int:
    """Bytes one forward moves between ranks: every off-rank assignment's row (d_model
    values of ``itemsize`` bytes) goes to its expert and its result comes back,
    ``2 * offrank_assignments * d_model * itemsize`` (the backward moves as much again)."""
    return 2 * offrank_assignments(counts) * int(d_model) * int(itemsize)

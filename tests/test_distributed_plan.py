"""tinymoe.distributed in one process (no MPI needed): the expert-parallel bookkeeping of
``plan`` against the single-process rules, the sampler, the one-rank collectives, the
launcher's command and the layer's refusals. The multi-rank checks are in
tests/test_distributed.py."""

import numpy as np
import pytest

from tinymoe.distributed import plan
from tinymoe.moe.capacity import within_capacity


def test_expert_owner_contiguous_blocks():
    assert plan.expert_owner(8, 4).tolist() == [0, 0, 1, 1, 2, 2, 3, 3]
    assert plan.expert_owner(3, 1).tolist() == [0, 0, 0]
    assert plan.expert_owner(4, 4).tolist() == [0, 1, 2, 3]


def test_expert_owner_rejects_non_divisible_sizes():
    with pytest.raises(ValueError, match=r"n_experts=6 .*n_ranks=4"):
        plan.expert_owner(6, 4)
    with pytest.raises(ValueError, match="n_ranks"):
        plan.expert_owner(4, 0)


def _brute_send_counts(idx_per_rank, n_experts, n_ranks):
    per_rank = n_experts // n_ranks
    counts = np.zeros((n_ranks, n_ranks), dtype=np.int64)
    for src, idx in enumerate(idx_per_rank):
        for e in np.asarray(idx).reshape(-1):
            if e >= 0:
                counts[src, e // per_rank] += 1
    return counts


def test_send_counts_matches_a_loop_with_empty_ranks_and_drops():
    rng = np.random.default_rng(0)
    n_experts, n_ranks, k = 8, 4, 2
    idx = [rng.integers(0, n_experts, (n, k)) for n in (5, 0, 7, 3)]
    idx[2][1, 0] = -1  # a dropped assignment is not sent
    counts = plan.send_counts(idx, n_experts, n_ranks)
    np.testing.assert_array_equal(counts, _brute_send_counts(idx, n_experts, n_ranks))
    assert counts[1].sum() == 0  # a rank with no tokens sends nothing
    assert counts.sum() == 5 * 2 + 7 * 2 - 1 + 3 * 2


def test_send_counts_bad_input_names_the_problem():
    with pytest.raises(ValueError, match="n_experts=4"):
        plan.send_counts([np.array([[4]])], 4, 1)
    with pytest.raises(ValueError, match="expected n_ranks=2"):
        plan.send_counts([np.array([[0]])], 4, 2)
    with pytest.raises(TypeError, match="integers"):
        plan.send_counts([np.array([[0.5]])], 4, 1)


def test_exchange_plan_and_receive_layout_round_trip():
    """Rows sent in ``exchange_plan`` order and regrouped with ``receive_layout`` reach
    every expert, each expert's rows in one segment; sizes agree with send_counts."""
    rng = np.random.default_rng(1)
    n_experts, n_ranks = 6, 3
    per_rank = n_experts // n_ranks
    experts = [rng.integers(0, n_experts, n) for n in (9, 0, 4)]
    plans = [plan.exchange_plan(e, n_experts, n_ranks) for e in experts]
    counts = plan.send_counts(experts, n_experts, n_ranks)
    for src, (order, c) in enumerate(plans):
        np.testing.assert_array_equal(c.sum(1), counts[src])
        assert (np.diff(experts[src][order]) >= 0).all()
    for dst in range(n_ranks):
        # what dst receives: from each source, its rows for dst's experts, in send order
        received = np.concatenate([experts[src][order][np.repeat(np.arange(n_ranks),
                                   c.sum(1)) == dst] for src, (order, c) in enumerate(plans)])
        recv_counts = np.stack([c[dst] for _, c in plans])  # (P, E_local)
        perm, offsets = plan.receive_layout(recv_counts)
        grouped = received[perm] - dst * per_rank
        for e in range(per_rank):
            assert (grouped[offsets[e]:offsets[e + 1]] == e).all()
        assert offsets[-1] == counts[:, dst].sum()


@pytest.mark.parametrize("capacity", [0, 1, 2, 3, 50])
def test_capacity_keep_equals_the_single_process_rule(capacity):
    rng = np.random.default_rng(capacity)
    n_experts, k, sizes = 4, 2, (5, 0, 7, 3)
    idx = [rng.integers(0, n_experts, (n, k)) for n in sizes]
    priority = [i.T.reshape(-1) for i in idx]  # all first choices, then all second
    counts = np.stack([plan.level_counts(p, n_experts, k) for p in priority])
    whole = np.concatenate(idx).T.reshape(-1)
    expected = within_capacity(whole, n_experts, capacity)
    n_tokens, starts = sum(sizes), np.cumsum((0,) + sizes)
    for rank in range(len(sizes)):
        mine = np.concatenate([expected[level * n_tokens + starts[rank]:
                                        level * n_tokens + starts[rank + 1]]
                               for level in range(k)])
        got = plan.capacity_keep(priority[rank], counts, rank, capacity)
        np.testing.assert_array_equal(got, mine, err_msg=f"rank {rank}, capacity {capacity}")


def test_bytes_formula():
    counts = np.array([[3, 1], [2, 5]])
    assert plan.offrank_assignments(counts) == 3
    assert plan.alltoall_bytes(counts, d_model=16, itemsize=8) == 2 * 3 * 16 * 8


def test_distributed_sampler_splits_every_epoch_across_ranks():
    """Ranks get disjoint shares whose union is the epoch's (padded) order; step s's
    global batch is a contiguous block of that order; set_epoch reshuffles."""
    from tinymoe.data import DataLoader, TensorDataset
    from tinymoe.distributed import DistributedSampler, World

    data = TensorDataset(np.arange(10.0)[:, None])
    samplers = [DistributedSampler(data, World(r, 4), seed=3) for r in range(4)]
    order = samplers[0].global_order()
    assert len(order) == 12 and sorted(set(order.tolist())) == list(range(10))  # padded
    shares = [s.indices() for s in samplers]
    np.testing.assert_array_equal(np.stack(shares, axis=1).reshape(-1), order)
    batches = [[b[0].data[:, 0] for b in DataLoader(s, batch_size=2)] for s in samplers]
    first = np.sort(np.concatenate([b[0] for b in batches]))
    np.testing.assert_array_equal(first, np.sort(order[:8].astype(float)))
    samplers[0].set_epoch(1)
    assert not np.array_equal(samplers[0].global_order(), order)
    cut = DistributedSampler(data, World(1, 4), shuffle=False, drop_last=True)
    assert len(cut) == 2 and cut.indices().tolist() == [1, 5]


def test_one_process_world_and_collectives_are_local_copies():
    from tinymoe.distributed import comm

    w = comm.World(0, 1)
    rows = np.arange(6.0).reshape(3, 2)
    out = comm.alltoallv(w, rows, np.array([3]), np.array([3]), "t")
    np.testing.assert_array_equal(out, rows)
    assert out is not rows and not w.traffic  # a copy, and nothing left the rank
    with pytest.raises(ValueError, match="send_counts"):
        comm.alltoallv(w, rows, np.array([2]), np.array([2]), "t")
    with pytest.raises(ValueError, match="root=1"):
        comm.bcast_(w, rows, 1, "t")


def test_mpiexec_command_flags():
    from tinymoe.distributed import launch

    try:
        launch.find_mpiexec()
    except RuntimeError as error:
        pytest.skip(str(error))
    command = launch.mpiexec_command(2, ["-m", "x"], python="py")
    assert command[-5:] == ["-n", "2", "py", "-m", "x"]
    assert ("-launcher" in command) != ("--oversubscribe" in command)  # MPICH or Open MPI
    with pytest.raises(ValueError, match="n_procs"):
        launch.mpiexec_command(0, [])


@pytest.mark.parametrize("router", ["expert_choice", "noisy_topk"])
def test_expert_parallel_refuses_batch_wide_routers(router):
    from tinymoe.distributed import ExpertParallelMoE, World
    from tinymoe.moe.config import MoEConfig

    with pytest.raises(ValueError, match=f"router '{router}' is not supported"):
        ExpertParallelMoE(MoEConfig(4, 8, 2, router=router), World(0, 1))

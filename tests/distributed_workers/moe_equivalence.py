"""Expert-parallel MoE == single-process nn.MoE on the concatenated batch (run under
``mpiexec -n P``; see tests/test_distributed.py). Every rank also runs the single-process
layer on the whole batch: that is the oracle."""

import numpy as np
from _harness import close, run

import tinymoe as tm
from tinymoe import nn
from tinymoe.distributed import (
    ExpertParallelMoE,
    allreduce_gradients,
    expert_owner,
    send_counts,
    world,
)
from tinymoe.moe import update_bias
from tinymoe.moe.capacity import expert_capacity, within_capacity
from tinymoe.moe.config import MoEConfig

W = world()
P, RANK = W.size, W.rank
D = 6


def splits(n_tokens: int, empty_rank: bool) -> list[int]:
    """Token counts per rank: near-equal; with ``empty_rank`` (and P > 1) rank 1's
    tokens go to rank 0, so rank 1 routes nothing."""
    sizes = [len(a) for a in np.array_split(np.arange(n_tokens), P)]
    if empty_rank and P > 1:
        sizes[0], sizes[1] = sizes[0] + sizes[1], 0
    return sizes


def offrank_kept(moe: nn.MoE, x: np.ndarray, sizes: list[int]) -> int:
    """Assignments routed to another rank's expert, from the single-process layer's own
    routing and capacity rule on the whole batch (independent of the distributed code)."""
    with tm.no_grad():
        routing = moe.router(tm.tensor(x))
    keep = np.ones(len(routing.expert), bool)
    if moe.config.capacity_factor is not None:
        slots = expert_capacity(len(x), moe.n_experts, moe.top_k, moe.config.capacity_factor)
        keep = within_capacity(routing.expert, moe.n_experts, slots)
    token_rank = np.repeat(np.arange(P), sizes)[routing.token[keep]]
    owner = expert_owner(moe.n_experts, P)[routing.expert[keep]]
    per_rank = [routing.expert[keep][token_rank == r] for r in range(P)]
    counts = send_counts(per_rank, moe.n_experts, P)
    assert counts.sum() - np.trace(counts) == (owner != token_rank).sum()
    return int((owner != token_rank).sum())


def compare(config: MoEConfig, n_tokens: int, empty_rank=False, seed=0, x=None,
            router_weight=None) -> dict:
    """One forward + backward of both layers; every output and gradient compared."""
    tm.manual_seed(seed)
    moe = nn.MoE(config)
    if router_weight is not None:
        moe.router.weight.data[...] = router_weight
    ep = ExpertParallelMoE.from_moe(moe, W)
    rng = np.random.default_rng(seed + 1)
    x = rng.standard_normal((n_tokens, D)) if x is None else x
    upstream = rng.standard_normal((n_tokens, D))
    sizes = splits(n_tokens, empty_rank)
    mine = slice(sum(sizes[:RANK]), sum(sizes[:RANK + 1]))

    xg = tm.tensor(x.copy(), requires_grad=True)
    y = moe(xg)
    ((y * tm.tensor(upstream)).sum() + moe.aux_loss()).backward()
    aux_value = moe._aux.item()

    W.traffic.clear()
    xr = tm.tensor(x[mine].copy(), requires_grad=True)
    yr = ep(xr)
    # this rank's loss: P x its share of the global loss (the data-parallel convention)
    (P * (yr * tm.tensor(upstream[mine])).sum() + ep.aux_loss()).backward()
    allreduce_gradients(ep, W)

    close(yr.data, y.data[mine], "output")
    close(xr.grad / P, xg.grad[mine], "input gradient / P")
    close(ep._aux.item(), aux_value, "aux loss value (global on every rank)")
    block = slice(ep.expert_range.start, ep.expert_range.stop)
    reference = dict(moe.named_parameters())
    for name, param in ep.named_parameters():
        expected = reference[name].grad
        expected = expected[block] if name.startswith("experts.") else expected
        close(param.grad if param.grad is not None else 0 * expected, expected, f"grad {name}")
    # all-to-all volume: forward and backward each move 2 * off-rank * D * 8 bytes
    offrank = offrank_kept(moe, x, sizes)
    moved = np.array([W.traffic["moe.dispatch"] + W.traffic["moe.combine"],
                      W.traffic["moe.dispatch.backward"] + W.traffic["moe.combine.backward"]])
    total = np.zeros(2, np.int64) if P == 1 else W.comm.allreduce(moved)
    assert (total == 2 * offrank * D * 8).all(), (total, offrank)
    if config.router == "deepseek":
        update_bias(moe)
        update_bias(ep)
        close(ep.router.expert_bias, moe.router.expert_bias, "deepseek bias after update")
    return {"drop_rate": moe.stats.drop_rate, "layer": ep}


def check_topk():
    config = MoEConfig(D, 5, 4, top_k=2, router="topk", dtype=np.float64,
                       aux_loss_coef=0.1, z_loss_coef=0.01, n_shared=1)
    compare(config, 24)
    compare(config, 13, empty_rank=True, seed=3)


def check_dense():
    compare(MoEConfig(D, 5, 4, router="dense", dtype=np.float64, z_loss_coef=0.01), 11,
            empty_rank=True)


def check_switch_with_drops():
    config = MoEConfig(D, 5, 4, router="switch", capacity_factor=0.8, dtype=np.float64,
                       aux_loss_coef=0.1, z_loss_coef=0.01, expert="swiglu")
    for seed, empty in ((0, False), (5, True)):
        result = compare(config, 24, empty_rank=empty, seed=seed)
        assert result["drop_rate"] > 0, "the capacity case must actually drop assignments"


def check_deepseek():
    config = MoEConfig(D, 5, 8, top_k=3, router="deepseek", capacity_factor=1.0,
                       dtype=np.float64, bias_update_rate=0.1)
    compare(config, 20)
    compare(config, 9, empty_rank=True, seed=7)


def check_idle_experts():
    """Experts 2, 3 never chosen (their router rows score every positive token low):
    with P >= 2 the ranks owning them receive no rows; their gradients are zero."""
    config = MoEConfig(D, 5, 4, top_k=2, router="topk", dtype=np.float64)
    weight = np.full((4, D), 0.1)
    weight[2:] = -1.0
    x = np.abs(np.random.default_rng(0).standard_normal((10, D)))
    ep = compare(config, 10, x=x, router_weight=weight)["layer"]
    if ep.expert_range.start >= 2:
        assert all(not p.grad.any() for p in ep.experts.parameters()), "idle experts' grads"


def check_empty_batch():
    config = MoEConfig(D, 5, 4, top_k=2, router="switch", capacity_factor=1.0,
                       dtype=np.float64, z_loss_coef=0.01)
    compare(config, 0)


def check_bad_sizes():
    if P == 1:
        return
    config = MoEConfig(D, 5, 2 * P + 1, dtype=np.float64)
    try:
        ExpertParallelMoE(config, W)
    except ValueError as error:
        assert f"n_experts={2 * P + 1}" in str(error) and f"n_ranks={P}" in str(error), error
    else:
        raise AssertionError("E % P != 0 must raise")


CHECKS = [check_topk, check_dense, check_switch_with_drops, check_deepseek, check_idle_experts,
          check_empty_batch, check_bad_sizes]

if __name__ == "__main__":
    run(CHECKS)

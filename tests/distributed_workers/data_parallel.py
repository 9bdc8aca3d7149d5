"""Data + expert parallel training == one process on the whole batch (run under
``mpiexec -n P``): 20 Adam steps of a small MoE classifier, every rank training on its
``DistributedSampler`` slice, gradients averaged with ``allreduce_gradients``."""

import numpy as np
from _harness import close, run

import tinymoe as tm
from tinymoe import nn
from tinymoe.data import DataLoader, TensorDataset
from tinymoe.distributed import (
    DistributedSampler,
    allreduce_gradients,
    broadcast_parameters,
    expert_parallel,
    world,
)
from tinymoe.moe import update_bias
from tinymoe.nn import functional as F

W = world()
P, RANK = W.size, W.rank
STEPS, GLOBAL_BATCH = 20, 16
F64 = np.float64


def make_model(router: str) -> nn.Module:
    tm.manual_seed(0)
    return nn.Sequential(
        nn.Linear(8, 6, dtype=F64), nn.GELU(),
        nn.MoE(6, 12, 4, top_k=2, router=router, dtype=F64, aux_loss_coef=0.05,
               z_loss_coef=0.01 if router == "topk" else 0.0, bias_update_rate=0.05),
        nn.Linear(6, 3, dtype=F64))


def step(model, optimizer, x, y, distributed: bool, bucket_bytes: int) -> float:
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y) + model.aux_loss()  # mean over this rank's batch
    loss.backward()
    if distributed:
        allreduce_gradients(model, W, bucket_bytes=bucket_bytes)
    optimizer.step()
    update_bias(model)
    return loss.item()


def train_both(router: str, bucket_bytes: int) -> None:
    rng = np.random.default_rng(1)
    n = STEPS * GLOBAL_BATCH
    data = TensorDataset(rng.standard_normal((n, 8)), rng.integers(0, 3, n))
    sampler = DistributedSampler(data, W, shuffle=True, seed=4)

    reference = make_model(router)
    ref_opt = tm.optim.Adam(reference.parameters(), lr=0.02)
    order = sampler.global_order()
    for s in range(STEPS):
        xb, yb = data.get_batch(order[s * GLOBAL_BATCH:(s + 1) * GLOBAL_BATCH])
        step(reference, ref_opt, tm.tensor(xb), tm.tensor(yb), False, bucket_bytes)

    model = expert_parallel(make_model(router), W)
    if RANK:  # replicas that start different are made equal by the broadcast
        for p in model[0].parameters():
            p.data = p.data + 1.0
    broadcast_parameters(model, 0, W)
    optimizer = tm.optim.Adam(model.parameters(), lr=0.02)
    loader = DataLoader(sampler, batch_size=GLOBAL_BATCH // P)
    assert len(loader) == STEPS
    for xb, yb in loader:
        step(model, optimizer, xb, yb, True, bucket_bytes)

    expected = dict(reference.named_parameters())
    block = slice(model[2].expert_range.start, model[2].expert_range.stop)
    for name, param in model.named_parameters():
        want = expected[name].data[block] if ".experts." in name else expected[name].data
        close(param.data, want, f"{router}: {name} after {STEPS} Adam steps", rtol=1e-7,
              atol=1e-9)
    if router == "deepseek":
        close(model[2].router.expert_bias, reference[2].router.expert_bias, "deepseek bias")


def check_data_parallel_topk_many_buckets():
    train_both("topk", bucket_bytes=256)  # several Allreduce buckets


def check_data_parallel_deepseek():
    train_both("deepseek", bucket_bytes=4 << 20)


def check_missing_gradients():
    """A gradient only rank 0 has counts as 0 elsewhere (mean = its value / P); one that
    no rank has stays None; the average is exact for the others."""
    model = nn.Sequential(nn.Linear(3, 2, dtype=F64), nn.Linear(2, 2, dtype=F64))
    first, second = model[0].weight, model[1].weight
    first.grad = np.full(first.shape, RANK + 1.0)
    second.grad = np.ones(second.shape) if RANK == 0 else None
    allreduce_gradients(model, W)
    close(first.grad, np.full(first.shape, (P + 1) / 2), "mean of 1 .. P")
    close(second.grad, np.full(second.shape, 1.0 / P), "a gradient only rank 0 has")
    assert model[0].bias.grad is None and model[1].bias.grad is None


CHECKS = [check_data_parallel_topk_many_buckets, check_data_parallel_deepseek,
          check_missing_gradients]

if __name__ == "__main__":
    run(CHECKS)

"""Train a small MoE classifier expert-parallel + data-parallel on MPI ranks::

    mpiexec -n 4 python -m tinymoe.distributed.demo [--steps 30] [--experts 8] ...

(``tinymoe.distributed.launch.run_mpi`` builds the right mpiexec command.) Every rank
builds the same model (same seed), keeps the router and dense layers as replicas and
its E/P experts as its shard (``expert_parallel``), trains on its ``DistributedSampler``
slice of each global batch and averages gradients with ``allreduce_gradients``. Rank 0
prints, per step, the loss, the step time (slowest rank) and the all-to-all bytes, and
at the end each rank's tokens and expert rows, the share of the step spent inside MPI
calls, and the check of the bytes against
``2 * (assignments routed off-rank) * d_model * bytes`` per forward (the backward moves
the same again). Plain ``python -m tinymoe.distributed.demo`` runs it on one rank.
"""

import argparse
import json
import time

import numpy as np

import tinymoe as tm
from tinymoe import nn
from tinymoe.data import DataLoader, TensorDataset
from tinymoe.data.synthetic import make_spirals
from tinymoe.moe import update_bias
from tinymoe.nn import functional as F

from . import plan
from .comm import World, allgather, world
from .data_parallel import DistributedSampler, allreduce_gradients, broadcast_parameters
from .expert_parallel import ExpertParallelMoE, expert_parallel

ROW_TAGS = ("moe.dispatch", "moe.combine")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tinymoe.distributed.demo",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batch", type=int, default=512, help="global tokens per step")
    parser.add_argument("--d-model", type=int, default=64)
    parser.add_argument("--experts", type=int, default=8, help="a multiple of the ranks")
    parser.add_argument("--top-k", type=int, default=2)
    parser.add_argument("--router", default="topk", choices=["topk", "switch", "deepseek"])
    parser.add_argument("--capacity-factor", type=float, default=None)
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="rank 0 writes the summary to this file")
    return parser.parse_args(argv)


def build_model(args) -> nn.Module:
    """The same model on every rank: 2-D points -> d_model -> MoE -> 3 classes."""
    tm.manual_seed(args.seed)
    dtype = np.dtype(args.dtype)
    return nn.Sequential(
        nn.Linear(2, args.d_model, dtype=dtype), nn.GELU(),
        nn.MoE(args.d_model, 2 * args.d_model, args.experts, top_k=args.top_k,
               router=args.router, capacity_factor=args.capacity_factor, dtype=dtype),
        nn.Linear(args.d_model, 3, dtype=dtype))


def train(args, w: World) -> dict:
    x, y = make_spirals(args.steps * args.batch, noise=0.1, seed=args.seed)
    sampler = DistributedSampler(TensorDataset(x.astype(args.dtype), y), w, seed=args.seed)
    loader = DataLoader(sampler, batch_size=args.batch // w.size, drop_last=True)
    model = expert_parallel(build_model(args), w)
    broadcast_parameters(model, 0, w)
    layer = next(m for m in model.modules() if isinstance(m, ExpertParallelMoE))
    optimizer = tm.optim.Adam(model.parameters(), lr=args.lr)
    itemsize = np.dtype(args.dtype).itemsize
    steps = []
    for xb, yb in loader:
        w.reset_counters()
        if w.comm is not None:
            w.comm.Barrier()  # time every rank from the same instant
        start = time.perf_counter()
        optimizer.zero_grad()
        loss = F.cross_entropy(model(xb), yb) + model.aux_loss()
        loss.backward()
        allreduce_gradients(model, w)
        optimizer.step()
        update_bias(model)
        elapsed = time.perf_counter() - start
        # per rank: seconds, loss, rows sent off-rank, tokens, expert rows, forward and
        # backward all-to-all bytes, seconds inside MPI calls
        sent_off = layer.sent.sum() - layer.sent[w.rank]
        row = np.array([elapsed, loss.item(), sent_off, len(xb), layer.received.sum(),
                        sum(w.traffic[t] for t in ROW_TAGS),
                        sum(w.traffic[t + ".backward"] for t in ROW_TAGS),
                        sum(w.seconds.values())], dtype=np.float64)
        table = allgather(w, row, "demo")
        counts = allgather(w, layer.sent.astype(np.int64), "demo")  # (P, P) send_counts
        steps.append({
            "time_s": float(table[:, 0].max()), "loss": float(table[:, 1].mean()),
            "offrank": int(table[:, 2].sum()), "tokens": table[:, 3].astype(int).tolist(),
            "expert_rows": table[:, 4].astype(int).tolist(),
            "forward_bytes": int(table[:, 5].sum()), "backward_bytes": int(table[:, 6].sum()),
            "mpi_fraction": float((table[:, 7] / table[:, 0]).mean()),
            "formula_bytes": plan.alltoall_bytes(counts, args.d_model, itemsize)})
    return {"ranks": w.size, "experts": args.experts, "d_model": args.d_model,
            "dtype": args.dtype, "batch": args.batch, "router": args.router,
            "top_k": layer.top_k, "steps": steps}


def report(summary: dict) -> str:
    steps = summary["steps"]
    lines = [f"tinymoe.distributed.demo: {summary['ranks']} rank(s), {summary['experts']} "
             f"experts ({summary['experts'] // summary['ranks']} per rank), "
             f"{summary['router']} top-{summary['top_k']}, d_model {summary['d_model']}, "
             f"{summary['batch']} tokens per step, {summary['dtype']}",
             f"{'step':>4} {'loss':>8} {'time ms':>8} {'off-rank':>8} {'a2a fwd B':>10} "
             f"{'a2a bwd B':>10} {'formula B':>10}"]
    for i, s in enumerate(steps):
        if i < 3 or i == len(steps) - 1 or i % 10 == 0:
            lines.append(f"{i:>4} {s['loss']:>8.4f} {1e3 * s['time_s']:>8.1f} "
                         f"{s['offrank']:>8} {s['forward_bytes']:>10} "
                         f"{s['backward_bytes']:>10} {s['formula_bytes']:>10}")
    last = steps[-1]
    lines.append(f"tokens per rank (last step): {last['tokens']}; expert rows per rank: "
                 f"{last['expert_rows']}")
    timed = [s["time_s"] for s in steps[2:]] or [s["time_s"] for s in steps]
    exact = all(s["forward_bytes"] == s["backward_bytes"] == s["formula_bytes"]
                for s in steps)
    mean_bytes = np.mean([s["forward_bytes"] + s["backward_bytes"] for s in steps])
    in_mpi = np.median([s["mpi_fraction"] for s in steps[2:]] or [0.0])
    lines.append(f"median step time (after 2 warm-up steps): {1e3 * np.median(timed):.1f} ms, "
                 f"{100 * in_mpi:.0f}% of it inside MPI calls (transfers and waiting for the "
                 f"slowest rank); all-to-all bytes per step (forward + backward): "
                 f"{mean_bytes:.0f}")
    lines.append(f"bytes == 2 * off-rank assignments * d_model * itemsize in every forward "
                 f"and backward: {exact}")
    return "\n".join(lines)


def main(argv=None) -> None:
    args = parse_args(argv)
    w = world()
    if args.batch % w.size or args.experts % w.size:
        raise SystemExit(f"demo: --batch {args.batch} and --experts {args.experts} must be "
                         f"multiples of the {w.size} ranks")
    summary = train(args, w)
    if w.rank == 0:
        print(report(summary), flush=True)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(summary, f, indent=1)


if __name__ == "__main__":
    main()

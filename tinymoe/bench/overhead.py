"""Per-op autograd overhead: 200 small ops on (16, 16) tensors, forward + backward.

Prints microseconds per op for tinymoe and PyTorch (when installed), each timed in its own
fresh process from the same inputs, and the ratio tinymoe / PyTorch (lower is better;
<= 1.0 is the goal)."""

import numpy as np

from tinymoe.bench.common import (
    add_rounds_argument,
    alternate,
    has_torch,
    pooled_median,
    process_note,
    round_spread,
    time_calls,
)

OPS_PER_GRAPH = 200


def add_arguments(parser) -> None:
    parser.add_argument("--size", type=int, default=16, help="side of the square tensors")
    parser.add_argument("--repeats", type=int, default=30, help="graphs timed per round")
    add_rounds_argument(parser)


def _graph(lib, x, w):
    """200 ops: a cycle of matmul, add, mul, tanh, sub, sigmoid, relu or square, div."""
    h = x
    for i in range(OPS_PER_GRAPH // 8):
        h = h @ w
        h = h + x
        h = h * 0.5
        h = lib.tanh(h)
        h = h - x
        h = lib.sigmoid(h)
        h = lib.relu(h) if i % 2 else h * h
        h = h / 2.0
    return h.sum()


def _time_tinymoe(x_np: np.ndarray, w_np: np.ndarray, repeats: int):
    """(seconds per graph, label) for tinymoe on its default backend; runs in a child."""
    import tinymoe as tm

    class Ops:
        tanh, sigmoid, relu = tm.Tensor.tanh, tm.Tensor.sigmoid, tm.Tensor.relu

    def step():
        x = tm.tensor(x_np, requires_grad=True)
        w = tm.tensor(w_np, requires_grad=True)
        _graph(Ops, x, w).backward()

    return time_calls(step, repeats), f"backend {tm.get_backend()}"


def _time_torch(x_np: np.ndarray, w_np: np.ndarray, repeats: int):
    """(seconds per graph, label) for PyTorch; runs in a child."""
    import torch

    def step():
        x = torch.tensor(x_np, requires_grad=True)
        w = torch.tensor(w_np, requires_grad=True)
        _graph(torch, x, w).backward()

    return time_calls(step, repeats), f"torch {torch.__version__}"


def run(args) -> None:
    rng = np.random.default_rng(0)
    x_np, w_np = (rng.standard_normal((args.size, args.size)).astype(np.float32) * 0.3
                  for _ in range(2))
    jobs = {"tinymoe": (_time_tinymoe, (x_np, w_np, args.repeats))}
    if has_torch():
        jobs["pytorch"] = (_time_torch, (x_np, w_np, args.repeats))
    results = alternate(jobs, args.rounds)
    print(f"graph: {OPS_PER_GRAPH} ops on ({args.size}, {args.size}) float32, forward + backward")
    print(process_note(args.rounds))
    per_op = {}
    for name, runs in results.items():
        times = [t for t, _ in runs]
        per_op[name] = pooled_median(times) / OPS_PER_GRAPH
        print(f"{name:<8} {per_op[name] * 1e6:8.2f} us/op  ({runs[0][1]}; "
              f"{round_spread(times, 1e6 / OPS_PER_GRAPH)} us)")
    if "pytorch" not in per_op:
        print("torch not installed: no ratio (pip install -e '.[oracle]')")
        return
    print(f"ratio tinymoe / pytorch = {per_op['tinymoe'] / per_op['pytorch']:.2f}  "
          f"(target <= 1.0)")

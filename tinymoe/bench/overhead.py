"""Per-op autograd overhead: 200 small ops on (16, 16) tensors, forward + backward.

Prints microseconds per op for tinymoe and PyTorch (when installed) measured in the
same run, and the ratio tinymoe / PyTorch (lower is better; <= 1.0 is the goal)."""

import time

import numpy as np

OPS_PER_GRAPH = 200


def add_arguments(parser) -> None:
    parser.add_argument("--size", type=int, default=16, help="side of the square tensors")
    parser.add_argument("--repeats", type=int, default=30, help="graphs timed per library")


def _graph(lib, x, w):
    """200 ops: a cycle of matmul, add, mul, tanh, sigmoid, relu, sub, exp-free scaling."""
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


def _time_per_op(build, repeats: int) -> float:
    """Median seconds per op over ``repeats`` forward + backward graphs."""
    build()  # warm-up (compiles kernels, fills caches)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        build()
        times.append(time.perf_counter() - start)
    return float(np.median(times)) / OPS_PER_GRAPH


def run(args) -> None:
    import tinymoe as tm

    rng = np.random.default_rng(0)
    x_np, w_np = (rng.standard_normal((args.size, args.size)).astype(np.float32) * 0.3
                  for _ in range(2))

    class TinymoeOps:
        tanh, sigmoid, relu = tm.Tensor.tanh, tm.Tensor.sigmoid, tm.Tensor.relu

    def tinymoe_step():
        x = tm.tensor(x_np, requires_grad=True)
        w = tm.tensor(w_np, requires_grad=True)
        _graph(TinymoeOps, x, w).backward()

    ours = _time_per_op(tinymoe_step, args.repeats)
    print(f"graph: {OPS_PER_GRAPH} ops on ({args.size}, {args.size}) float32, forward + backward")
    print(f"tinymoe  {ours * 1e6:8.2f} us/op  (backend {tm.get_backend()})")
    try:
        import torch
    except ImportError:
        print("torch not installed: no ratio (pip install -e '.[oracle]')")
        return

    def torch_step():
        x = torch.tensor(x_np, requires_grad=True)
        w = torch.tensor(w_np, requires_grad=True)
        _graph(torch, x, w).backward()

    theirs = _time_per_op(torch_step, args.repeats)
    print(f"pytorch  {theirs * 1e6:8.2f} us/op  (torch {torch.__version__})")
    print(f"ratio tinymoe / pytorch = {ours / theirs:.2f}  (target <= 1.0)")

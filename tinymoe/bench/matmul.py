"""Matmul ladder vs np.matmul (OpenBLAS) and torch: GFLOP/s, ratios, fused kernels.

``python -m tinymoe.bench matmul [--sizes 64 128] [--plot out.png] [--fused] [--first-call]``
"""

import os
import subprocess
import sys
import tempfile
import time

import numpy as np

DTYPES = {"float32": np.float32, "float64": np.float64}


def add_arguments(parser) -> None:
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 128, 256, 512, 1024],
                        help="square sizes n (n x n @ n x n)")
    parser.add_argument("--dtypes", nargs="+", choices=DTYPES, default=list(DTYPES))
    parser.add_argument("--rungs", nargs="+", default=None, help="ladder rungs (default: all)")
    parser.add_argument("--min-time", type=float, default=0.3,
                        help="seconds of repeated calls per measurement (best batch wins)")
    parser.add_argument("--threads", type=int, default=None, help="numba.set_num_threads")
    parser.add_argument("--plot", default=None, help="save GFLOP/s vs size to this path")
    parser.add_argument("--fused", action="store_true",
                        help="also time fused Adam and cross-entropy vs NumPy")
    parser.add_argument("--first-call", action="store_true",
                        help="also time the first call in fresh processes, cold and warm cache")


def seconds_per_call(min_time: float, fn, *args, **kwargs) -> float:
    """Best per-call time of ``fn(*args, **kwargs)`` over batches of calls; the first
    (compiling) call is excluded."""
    fn(*args, **kwargs)
    calls, best, spent = 1, float("inf"), 0.0
    while spent < min_time:
        start = time.perf_counter()
        for _ in range(calls):
            fn(*args, **kwargs)
        elapsed = time.perf_counter() - start
        spent += elapsed
        best = min(best, elapsed / calls)
        if elapsed < min_time / 10:
            calls *= 2
    return best


def _blas_name() -> str:
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{blas.get('name')} {blas.get('version')}"
    except (KeyError, TypeError):
        return "unknown BLAS"


def _competitors():
    """name -> fn(a, b): every rung, the engine's matmul kernel (at every size, also where
    ``kernels.matmul`` itself would hand a small product to np.matmul), np.matmul,
    torch.matmul."""
    from tinymoe import kernels
    from tinymoe.kernels.gemm import kernel_matmul

    fns = {f"rung:{name}": fn for name, fn in kernels.LADDER.items()}
    fns["tinymoe.kernels.matmul"] = kernel_matmul
    fns["np.matmul"] = np.matmul
    try:
        import torch
    except ImportError:
        return fns
    fns["torch.matmul"] = lambda a, b: torch.matmul(torch.from_numpy(a), torch.from_numpy(b))
    return fns


def run_matmul(args) -> dict:
    """Print one table per dtype; return {dtype: {kernel: [GFLOP/s per size]}}."""
    fns = _competitors()
    if args.rungs:
        fns = {k: f for k, f in fns.items() if not k.startswith("rung:") or k[5:] in args.rungs}
    rng = np.random.default_rng(0)
    results = {}
    for dname in args.dtypes:
        table = results[dname] = {name: [] for name in fns}
        print(f"\n{dname}: GFLOP/s (higher is better); ratio = best rung / np.matmul")
        print(f"{'kernel':>24}" + "".join(f"{n:>9}" for n in args.sizes))
        for n in args.sizes:
            a = rng.standard_normal((n, n)).astype(DTYPES[dname])
            b = rng.standard_normal((n, n)).astype(DTYPES[dname])
            for name, fn in fns.items():
                table[name].append(2 * n**3 / seconds_per_call(args.min_time, fn, a, b) / 1e9)
        for name, row in table.items():
            print(f"{name:>24}" + "".join(f"{g:9.1f}" for g in row))
        rungs = [row for name, row in table.items() if name.startswith("rung:")]
        if rungs:
            best = np.max(rungs, axis=0) / np.array(table["np.matmul"])
            print(f"{'best rung / np.matmul':>24}" + "".join(f"{r:9.2f}" for r in best))
    return results


def plot(results: dict, sizes, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(results), figsize=(6 * len(results), 4.5), squeeze=False)
    for ax, (dname, table) in zip(axes[0], results.items()):
        for name, row in table.items():
            ax.plot(sizes, row, marker="o", label=name)
        ax.set(xscale="log", xlabel="n (n x n @ n x n)", ylabel="GFLOP/s", title=dname)
        ax.set_xticks(sizes, [str(n) for n in sizes])
        ax.grid(alpha=0.3)
    axes[0][-1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    print(f"\nplot saved to {path}")


def run_fused(min_time: float) -> None:
    """Fused Adam and softmax-cross-entropy vs the NumPy backend, float32."""
    from tinymoe import use_backend
    from tinymoe.backend import adam_step, softmax_cross_entropy

    rng = np.random.default_rng(0)
    print("\nfused kernels vs NumPy (float32): time NumPy / time fused (higher is better)")
    hyper = dict(step=10, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01,
                 decoupled=True)
    for size in (10_000, 1_000_000, 10_000_000):
        arrays = [rng.standard_normal(size).astype(np.float32) for _ in range(2)]
        state = [np.zeros(size, np.float32), np.ones(size, np.float32)]
        times = {}
        for name in ("numpy", "numba"):
            with use_backend(name):
                times[name] = seconds_per_call(min_time, adam_step, *arrays, *state, **hyper)
        print(f"  AdamW step, {size:>10,} params: {times['numpy'] / times['numba']:6.2f}x "
              f"({times['numba'] * 1e3:.3f} ms fused)")
    for n, c in ((512, 10), (2048, 1000), (256, 32000)):
        logits = rng.standard_normal((n, c)).astype(np.float32)
        targets = rng.integers(0, c, n)
        times = {}
        for name in ("numpy", "numba"):
            with use_backend(name):
                times[name] = seconds_per_call(min_time, softmax_cross_entropy, logits, targets)
        print(f"  softmax-CE fwd+bwd, ({n}, {c}): {times['numpy'] / times['numba']:6.2f}x "
              f"({times['numba'] * 1e3:.3f} ms fused)")


FIRST_CALL = """
import time
t0 = time.perf_counter()
import numpy as np, tinymoe
from tinymoe import kernels
t1 = time.perf_counter()
a = np.ones((128, 128), np.float32)
kernels.matmul(a, a)
t2 = time.perf_counter()
kernels.softmax_cross_entropy(a, np.zeros(128, np.int64))
kernels.adam_step(a, a, a.copy(), a.copy(), step=1, lr=0.1, beta1=0.9, beta2=0.99, eps=1e-8)
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2)
"""


def run_first_call() -> None:
    """First-call cost in fresh processes: a cold cache (empty NUMBA_CACHE_DIR), then warm."""
    print("\nfirst call in a fresh process (seconds): import | float32 matmul | CE + Adam")
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        for label in ("cold cache", "warm cache"):
            out = subprocess.run([sys.executable, "-c", FIRST_CALL], env=env, check=True,
                                 capture_output=True, text=True).stdout.split()
            print(f"  {label:>10}: " + " | ".join(f"{float(x):7.3f}" for x in out))


def run(args) -> None:
    import numba

    from tinymoe.kernels import isa  # (first: configure() picks the threading layer)

    if args.threads:
        numba.set_num_threads(args.threads)
    print(f"numpy {np.__version__} ({_blas_name()}), numba {numba.__version__} "
          f"({numba.get_num_threads()} threads), {os.cpu_count()} CPUs")
    print(f"tinymoe.kernels.matmul: {isa.choice().describe()}")
    print("rung 7 (packed) keeps the ladder's fixed 6x32 tile, sized for AVX-512")
    results = run_matmul(args)
    print(f"numba threading layer: {numba.threading_layer()}")
    if args.plot:
        plot(results, args.sizes, args.plot)
    if args.fused:
        run_fused(args.min_time)
    if args.first_call:
        run_first_call()

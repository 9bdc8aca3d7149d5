"""How tinymoe's threads degrade when they share the cores (each figure a ratio measured in
this run; 1.0 = no slowdown):

(a) mixing: ``np.matmul`` (OpenBLAS's thread pool) and ``tinymoe.kernels.matmul`` (Numba's)
    called alternately in one process, each call's median time / its median in a process
    that calls only that one (target <= 1.3);
(b) busy neighbour: a tinymoe training step (MLP 784-512-512-10, batch 128, Adam) while
    another process spins (``python -c "while True: pass"``), median step time / the quiet
    median (target <= 2.5 on a 2-core machine: a lost core alone costs about 2x).

``python -m tinymoe.bench threads [--sizes 128 256] [--steps 20] [--env NAME=VALUE ...]``
(``--env`` sets variables for the measured processes, e.g. ``NUMBA_THREADING_LAYER=workqueue``
to compare policies). Every measurement runs in a fresh process; takes about a minute.
"""

import os
import statistics
import subprocess
import sys
import time

import numpy as np

from tinymoe.bench.common import in_fresh_process, time_calls


def add_arguments(parser) -> None:
    parser.add_argument("--sizes", type=int, nargs="+", default=[128, 256],
                        help="square float32 matmul sizes for (a)")
    parser.add_argument("--calls", type=int, default=60, help="timed calls per matmul and size")
    parser.add_argument("--steps", type=int, default=20, help="timed training steps for (b)")
    parser.add_argument("--rounds", type=int, default=2,
                        help="quiet/busy (and own/mixed) rounds, taken in turns")
    parser.add_argument("--env", nargs="*", default=[], metavar="NAME=VALUE",
                        help="environment variables for the measured processes")


def _matmuls(sizes, calls: int, which: tuple) -> dict:
    """{(name, n): [seconds per call]} for the matmuls named in ``which`` ("np", "tinymoe"),
    called alternately when both are given (in a fresh process: run by ``in_fresh_process``)."""
    from tinymoe import kernels

    fns = {"np": np.matmul, "tinymoe": kernels.matmul}
    rng = np.random.default_rng(0)
    times = {}
    for n in sizes:
        a, b = (rng.standard_normal((n, n)).astype(np.float32) for _ in range(2))
        for name in which:  # compile and warm up every pool first
            for _ in range(5):
                fns[name](a, b)
        for name in which:
            times[name, n] = []
        for _ in range(calls):
            for name in which:
                start = time.perf_counter()
                fns[name](a, b)
                times[name, n].append(time.perf_counter() - start)
    return times


def _train_step(steps: int) -> list[float]:
    """Seconds of each of ``steps`` tinymoe training steps (after 5 warm-up steps)."""
    from tinymoe.bench.train import tinymoe_setup

    sizes, batch = (784, 512, 512, 10), 128
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    y = rng.integers(0, sizes[-1], size=batch).astype(np.int64)
    step = tinymoe_setup(sizes, x, y)[1]
    return time_calls(step, steps, warmup=5)


def _threads_info() -> str:
    import numba

    import tinymoe.kernels

    tinymoe.kernels.matmul(np.ones((64, 64)), np.ones((64, 64)))  # starts the threads
    return (f"numba {numba.threading_layer()} layer, {numba.get_num_threads()} threads, "
            f"{os.cpu_count()} CPUs; tinymoe.kernels.configure(): {tinymoe.kernels.configure()}; "
            "OpenBLAS spin: OPENBLAS_THREAD_TIMEOUT="
            f"{os.environ.get('OPENBLAS_THREAD_TIMEOUT', 'unset (2^28 cycles)')}")


def _median_ms(samples) -> float:
    return statistics.median(samples) * 1e3


def run_mixing(sizes, calls: int, rounds: int) -> dict:
    """(a): {(name, n): mixed / own} and prints the table."""
    own = {key: [] for name in ("np", "tinymoe") for key in [(name, n) for n in sizes]}
    mixed = {key: [] for key in own}
    for _ in range(rounds):
        for name in ("np", "tinymoe"):
            for key, samples in in_fresh_process(_matmuls, sizes, calls, (name,)).items():
                own[key] += samples
        for key, samples in in_fresh_process(_matmuls, sizes, calls, ("np", "tinymoe")).items():
            mixed[key] += samples
    print("\n(a) np.matmul and tinymoe.kernels.matmul alternating in one process, float32: "
          "median ms per call")
    print(f"{'matmul':>9}{'n':>6}{'own process':>13}{'alternating':>13}{'ratio':>8}"
          "  (target <= 1.3)")
    ratios = {}
    for (name, n), samples in own.items():
        ratios[name, n] = _median_ms(mixed[name, n]) / _median_ms(samples)
        print(f"{name:>9}{n:>6}{_median_ms(samples):13.3f}{_median_ms(mixed[name, n]):13.3f}"
              f"{ratios[name, n]:8.2f}")
    return ratios


def run_neighbour(steps: int, rounds: int) -> float:
    """(b): busy / quiet median step time; prints it."""
    quiet, busy = [], []
    for _ in range(rounds):
        quiet += in_fresh_process(_train_step, steps)
        spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        try:
            busy += in_fresh_process(_train_step, steps)
        finally:
            spinner.kill()
            spinner.wait()
    ratio = _median_ms(busy) / _median_ms(quiet)
    print("\n(b) tinymoe training step (MLP 784-512-512-10, batch 128, Adam), median ms")
    print(f"  quiet {_median_ms(quiet):.2f}   one busy neighbour process "
          f"{_median_ms(busy):.2f}   ratio {ratio:.2f}  (target <= 2.5)")
    return ratio


def run(args) -> None:
    for item in args.env:
        name, _, value = item.partition("=")
        os.environ[name] = value  # inherited by the fresh processes
    print(in_fresh_process(_threads_info))
    print("the ratios compare timings taken in this run, on this machine's current load")
    run_mixing(args.sizes, args.calls, args.rounds)
    run_neighbour(args.steps, args.rounds)

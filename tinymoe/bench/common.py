"""Shared benchmark machinery: time a callable, and run every contender in its own fresh
process, so that no two threading runtimes (Numba's pool, OpenBLAS's, PyTorch's OpenMP
pool) live in one process, where their spinning threads slow each other down."""

import importlib.util
import multiprocessing
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor


def time_calls(fn, repeats: int, warmup: int = 1) -> list[float]:
    """Wall seconds of each of ``repeats`` calls of ``fn()``, after ``warmup`` untimed calls
    (which compile kernels and allocate optimiser state)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def in_fresh_process(fn, *args):
    """``fn(*args)`` run in a new Python process ("spawn": it inherits the environment
    variables and nothing else) and its result, pickled back. ``fn`` must be a
    module-level function; the child's prints go to the same stdout."""
    sys.stdout.flush()
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def alternate(jobs: dict, rounds: int) -> dict:
    """Run each job ``name -> (fn, args)`` in a fresh process of its own, one after the other,
    ``rounds`` times over (A, B, A, B, ...), so drift in the machine's load hits every job
    alike. Returns ``name -> [result of round 1, round 2, ...]``."""
    if rounds < 1:
        raise ValueError(f"alternate: rounds must be >= 1, got {rounds}")
    results = {name: [] for name in jobs}
    for _ in range(rounds):
        for name, (fn, args) in jobs.items():
            results[name].append(in_fresh_process(fn, *args))
    return results


def pooled_median(runs) -> float:
    """The median of all samples of all runs (``runs``: one list of samples per round)."""
    return statistics.median(sample for run in runs for sample in run)


def round_spread(runs, scale: float = 1.0) -> str:
    """"lo-hi": the range of the per-round medians (times ``scale``), which shows how much
    the machine's load moved the figure between rounds."""
    medians = [statistics.median(run) * scale for run in runs]
    return f"rounds {min(medians):.3g}-{max(medians):.3g}"


def has_torch() -> bool:
    """Whether PyTorch is installed, found without importing it into this process."""
    return importlib.util.find_spec("torch") is not None


def add_rounds_argument(parser, default: int = 3) -> None:
    """The ``--rounds`` option every suite shares."""
    parser.add_argument("--rounds", type=int, default=default,
                        help="fresh-process rounds per contender, taken in turns; the figure "
                             "is the median over all rounds' timings")


def process_note(rounds: int) -> str:
    """One line saying how the contenders were run (printed by every suite)."""
    import numba

    import tinymoe.kernels  # noqa: F401  (its configure() picks Numba's threading layer)

    layer = numba.config.THREADING_LAYER
    if layer == "default":
        layer = f"first that loads of {', '.join(numba.config.THREADING_LAYER_PRIORITY)}"
    return (f"each contender in its own fresh process, {rounds} round(s) in turn; numba "
            f"threading layer: {layer}")

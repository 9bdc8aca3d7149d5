"""tinymoe.distributed on real MPI processes: each test launches the workers in
tests/distributed_workers/ (every check of the expert-parallel and data-parallel layers,
see main.py) under ``mpiexec -n P`` in a subprocess with a timeout: a hang fails.
The workers run the NumPy kernels (``TINYMOE_WORKER_BACKEND``, see _harness.py), so no
rank compiles Numba kernels; the demo and ``python -m tinymoe.bench distributed`` run
the Numba ones."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tinymoe.distributed.launch import find_mpiexec, run_mpi

WORKERS = Path(__file__).parent / "distributed_workers"
CHECKS = ["check_topk", "check_dense", "check_switch_with_drops", "check_deepseek",
          "check_idle_experts", "check_empty_batch", "check_bad_sizes",
          "check_data_parallel_topk_many_buckets", "check_data_parallel_deepseek",
          "check_missing_gradients"]
TIMEOUT = 240  # seconds; on 2 shared cores 4 ranks take about 12 s


def _mpi_missing() -> str | None:
    try:
        import mpi4py  # noqa: F401

        find_mpiexec()
    except (ImportError, RuntimeError) as error:
        return f"no MPI runtime ({error}); `pip install mpich mpi4py`"
    return None


def _check_output(result, label: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{label} failed (exit {result.returncode}):\n{output}"
    passed = [line.split()[1] for line in result.stdout.splitlines() if line.startswith("PASS")]
    assert passed == CHECKS, f"{label}: checks passed {passed}, expected {CHECKS}:\n{output}"


def test_one_process_without_mpiexec():
    """P = 1 started as a plain script: world() is a world of one, collectives are copies."""
    try:
        result = subprocess.run([sys.executable, str(WORKERS / "main.py")], capture_output=True,
                                text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"one process hung for {TIMEOUT} s:\n{error.stdout}\n{error.stderr}")
    _check_output(result, "python main.py")


@pytest.mark.parametrize("n_ranks", [2, 4])
def test_ranks(n_ranks):
    missing = _mpi_missing()
    if missing:
        pytest.skip(missing)
    try:
        result = run_mpi(n_ranks, [str(WORKERS / "main.py")], timeout=TIMEOUT)
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"mpiexec -n {n_ranks} hung for {TIMEOUT} s (a deadlocked collective?):"
                    f"\n{error.stdout}\n{error.stderr}")
    _check_output(result, f"mpiexec -n {n_ranks}")


def test_demo_on_two_ranks():
    """`mpiexec -n 2 python -m tinymoe.distributed.demo` trains and reports per-rank
    tokens, all-to-all bytes equal to the formula, and step times (on the NumPy kernels,
    as in lesson 13's fast mode: no rank compiles Numba kernels)."""
    missing = _mpi_missing()
    if missing:
        pytest.skip(missing)
    demo = ("import runpy, sys, tinymoe; tinymoe.set_backend('numpy'); "
            "runpy.run_module('tinymoe.distributed.demo', run_name='__main__')")
    args = ["-c", demo, "--steps", "4", "--batch", "64", "--d-model", "16", "--experts", "4",
            "--router", "switch", "--capacity-factor", "1.0"]
    try:
        result = run_mpi(2, args, timeout=TIMEOUT)
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"the demo hung for {TIMEOUT} s:\n{error.stdout}\n{error.stderr}")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "tokens per rank (last step): [32, 32]" in result.stdout, output
    assert "bytes == 2 * off-rank assignments * d_model * itemsize in every forward and " \
           "backward: True" in result.stdout, output
    assert "median step time" in result.stdout, output


def test_a_hung_collective_is_killed_at_the_timeout():
    """Rank 1 never joins rank 0's Barrier: run_mpi raises TimeoutExpired on time, having
    killed the job's process group (nothing is left waiting)."""
    missing = _mpi_missing()
    if missing:
        pytest.skip(missing)
    hang = ("import time; from mpi4py import MPI; c = MPI.COMM_WORLD; "
            "c.Barrier() if c.rank == 0 else time.sleep(120)")
    start = time.perf_counter()
    with pytest.raises(subprocess.TimeoutExpired):
        run_mpi(2, ["-c", hang], timeout=5)
    assert time.perf_counter() - start < 60

"""Start P MPI processes from Python: the one place that knows how to call ``mpiexec``.

Tests, the demo's docs and lesson 13 all go through ``mpiexec_command`` / ``run_mpi``::

    result = run_mpi(2, ["-m", "tinymoe.distributed.demo", "--steps", "3"], timeout=120)
    print(result.stdout)

``mpiexec`` is looked up next to the running Python first (``pip install mpich`` puts it
in the virtual environment's ``bin/``), then on PATH. Flags per implementation:

- MPICH (Hydra): ``-launcher fork`` starts the ranks as local child processes (no ssh
  lookup, which a container may not have); MPICH runs as root and oversubscribed as is.
- Open MPI: ``--oversubscribe`` (it refuses more ranks than cores otherwise) and, when
  running as root (containers, CI), ``--allow-run-as-root``.

Each rank gets ``NUMBA_NUM_THREADS`` = cores // P (at least 1) unless already set, so P
ranks do not start P times as many kernel threads as there are cores.
"""

import functools
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path


@functools.cache
def find_mpiexec() -> str:
    """Path of ``mpiexec``: beside ``sys.executable`` (a venv), else on PATH."""
    beside = Path(sys.executable).parent / "mpiexec"
    found = str(beside) if beside.exists() else shutil.which("mpiexec")
    if found is None:
        raise RuntimeError("mpiexec not found beside the Python interpreter or on PATH: "
                           "install an MPI runtime, e.g. `pip install mpich mpi4py`")
    return found


@functools.cache
def _flavour(mpiexec: str) -> str:
    text = subprocess.run([mpiexec, "--version"], capture_output=True, text=True,
                          timeout=30).stdout
    return "openmpi" if ("Open MPI" in text or "OpenRTE" in text) else "mpich"


def mpiexec_command(n_procs: int, args: list[str], python: str | None = None) -> list[str]:
    """``[mpiexec, flags..., -n, P, python, *args]`` for this machine's MPI runtime."""
    if isinstance(n_procs, bool) or not isinstance(n_procs, int) or n_procs < 1:
        raise ValueError(f"mpiexec_command: n_procs must be an int >= 1, got {n_procs!r}")
    mpiexec = find_mpiexec()
    if _flavour(mpiexec) == "openmpi":
        flags = ["--oversubscribe"] + (["--allow-run-as-root"] if os.geteuid() == 0 else [])
    else:
        flags = ["-launcher", "fork"]
    return [mpiexec, *flags, "-n", str(n_procs), python or sys.executable, *args]


def run_mpi(n_procs: int, args: list[str], timeout: float,
            env: dict | None = None, cwd=None) -> subprocess.CompletedProcess:
    """Run ``python *args`` on ``n_procs`` MPI ranks and wait at most ``timeout`` seconds.

    Returns the CompletedProcess (text stdout/stderr of all ranks, returncode). On
    timeout every process of the job is killed (the launcher runs in its own process
    group) and ``subprocess.TimeoutExpired`` is raised: a hung collective never leaves
    ranks behind."""
    command = mpiexec_command(n_procs, list(args))
    env = dict(os.environ if env is None else env)
    env.setdefault("NUMBA_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // n_procs)))
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=env, cwd=cwd, start_new_session=True) as proc:
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            stdout, stderr = proc.communicate()
            raise subprocess.TimeoutExpired(command, timeout, stdout, stderr) from None
    return subprocess.CompletedProcess(command, proc.returncode, stdout, stderr)

"""Numba kernels, each tested against its NumPy reference in ``tinymoe.reference``.
Importing this package imports Numba and runs ``configure()`` (below); it compiles
nothing: every kernel is compiled on its first call (and cached on disk, ``cache=True``).
``tinymoe.backend`` imports it on the first op that dispatches to a kernel.

- ``matmul_ladder``: seven matmul rungs (``LADDER``) and ``matmul_reference``
- ``gemm``: ``matmul``, the engine's ``np.matmul`` on the fastest rung (BLAS for small
  products), and ``kernel_matmul``, the kernel alone at any size
- ``tiles``: ``zeros_tile``, a register-resident accumulator tile for rung 7
- ``adam``: fused in-place Adam/AdamW step
- ``cross_entropy``: fused softmax-cross-entropy forward + backward
- ``activations``: ``erf`` and fused exact-GELU forward / backward
- ``grouped_gemm``: the MoE experts' grouped GEMM, its weight gradient, segment sums and
  the combine step

Threads: the parallel kernels use ``numba.get_num_threads()`` threads (change with
``numba.set_num_threads``); kernels below a measured size run serially (no thread launch
at all). Unless ``NUMBA_THREADING_LAYER`` or ``NUMBA_THREADING_LAYER_PRIORITY`` is set,
``configure()`` asks Numba for its OpenMP layer first and falls back to "workqueue"
(then tbb) when OpenMP cannot load. The trade-off (docs/benchmarks.md): OpenMP's worker
threads spin for a while after each parallel region, so the next launch costs ~2 µs
instead of the ~125 µs workqueue needs to wake sleeping threads, which is what lets a
128x128 product reach BLAS speed. But a spinning thread holds its core: beside another
busy process, or beside another thread pool in the same process (OpenBLAS behind
``np.matmul``, PyTorch's own libgomp), a parallel region then waits for a descheduled
thread, and libgomp's default spin (300,000 rounds, milliseconds) made every pool 30-100x
slower in such runs. So ``configure()`` starts the OpenMP threads with a short spin,
``GOMP_SPINCOUNT=SPINCOUNT`` (tenths of a millisecond: longer than the gap between two
kernels of a training step, shorter than a scheduler time slice), unless
``GOMP_SPINCOUNT`` or ``OMP_WAIT_POLICY`` is set. ``python -m tinymoe.bench threads``
measures both situations.
"""

import os

import numba
from llvmlite import binding as _llvm
from numba.np.ufunc.parallel import _launch_threads

LAYER_PRIORITY = ["omp", "workqueue", "tbb"]  # Numba's own default tries tbb first
SPINCOUNT = "10000"  # libgomp's spin rounds before a waiting thread sleeps (default 300000)
_settings = None


def configure() -> dict:
    """Apply tinymoe's process-wide Numba settings, once; returns what was decided.

    - Threading layer: unless ``NUMBA_THREADING_LAYER`` or
      ``NUMBA_THREADING_LAYER_PRIORITY`` is set, the first of ``LAYER_PRIORITY`` that
      loads (see above); its threads are started here, with OpenMP's spin shortened to
      ``GOMP_SPINCOUNT=SPINCOUNT`` unless the environment sets ``GOMP_SPINCOUNT`` or
      ``OMP_WAIT_POLICY`` (libgomp reads it once, when it loads; the variable is removed
      again afterwards, so child processes and other libraries do not inherit it).
    - CPU features: let LLVM use 512-bit vectors on AVX-512 CPUs (rung 7 is twice as
      fast with them). LLVM's tuning for Intel AVX-512 server chips includes
      ``prefer-256-bit``, so Numba's vectorised loops stop at 256-bit ymm registers;
      appending ``-prefer-256-bit`` to the host's features lifts that. Effective only
      before the first ``@njit`` decoration, and Numba's on-disk cache is keyed by the
      features. Skipped without AVX-512, when NUMBA_CPU_NAME or NUMBA_CPU_FEATURES is set,
      or with TINYMOE_AVX512=0.

    Called at the top of this package, so before any kernel module is imported; and
    ``tinymoe.backend`` imports this package only when an op first dispatches to a
    kernel, so ``import tinymoe`` leaves Numba alone. Sets ``numba.config`` attributes,
    never environment variables."""
    global _settings
    if _settings is not None:
        return _settings
    layer_from_env = bool({"NUMBA_THREADING_LAYER", "NUMBA_THREADING_LAYER_PRIORITY"}
                          & set(os.environ))
    if not layer_from_env:
        numba.config.THREADING_LAYER = "default"  # the first layer of the priority that loads
        numba.config.THREADING_LAYER_PRIORITY = LAYER_PRIORITY
    wide = (os.environ.get("TINYMOE_AVX512", "1") != "0" and numba.config.CPU_NAME is None
            and numba.config.CPU_FEATURES is None)
    if wide:
        features = _llvm.get_host_cpu_features().flatten()
        wide = "+avx512f" in features.split(",")
        if wide:
            numba.config.CPU_FEATURES = features + ",-prefer-256-bit"
    spin = os.environ.get("GOMP_SPINCOUNT") or os.environ.get("OMP_WAIT_POLICY")
    if spin is None:
        os.environ["GOMP_SPINCOUNT"] = SPINCOUNT
    try:
        _launch_threads()  # loads the layer (libgomp reads GOMP_SPINCOUNT now)
    finally:
        if spin is None:
            del os.environ["GOMP_SPINCOUNT"]
    _settings = {"threading_layer_priority": list(numba.config.THREADING_LAYER_PRIORITY),
                 "threading_layer_from_env": layer_from_env, "512_bit_vectors": wide,
                 "omp_spin": spin or f"GOMP_SPINCOUNT={SPINCOUNT}"}
    return _settings


configure()

from tinymoe.kernels.adam import adam_step  # noqa: E402
from tinymoe.kernels.cross_entropy import softmax_cross_entropy  # noqa: E402
from tinymoe.kernels.gemm import kernel_matmul, matmul  # noqa: E402
from tinymoe.kernels.matmul_ladder import LADDER, matmul_reference  # noqa: E402

__all__ = ["LADDER", "adam_step", "kernel_matmul", "matmul", "matmul_reference",
           "softmax_cross_entropy"]

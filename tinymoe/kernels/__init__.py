"""Numba kernels, each beside its NumPy reference. Importing compiles nothing: every
kernel is compiled on its first call (and cached on disk, ``cache=True``).

- ``matmul_ladder``: six matmul rungs (``LADDER``) and ``matmul_reference``
- ``gemm``: ``matmul``, the engine's ``np.matmul`` on the fastest rung
- ``adam``: fused in-place Adam/AdamW step
- ``cross_entropy``: fused softmax-cross-entropy forward + backward

Threads: the parallel kernels use ``numba.get_num_threads()`` threads (change with
``numba.set_num_threads``). Unless ``NUMBA_THREADING_LAYER`` is set, this package picks
Numba's "workqueue" layer: on a busy machine, or beside PyTorch's OpenMP pool, the
OpenMP layer's spinning threads made each parallel call up to 100x slower here
(docs/benchmarks.md). Workqueue does not support launching kernels from several Python
threads at once; set ``NUMBA_THREADING_LAYER=omp`` (or tbb) if you need that.
"""

import os

import numba

if "NUMBA_THREADING_LAYER" not in os.environ:
    numba.config.THREADING_LAYER = "workqueue"

from tinymoe.kernels.adam import adam_step  # noqa: E402
from tinymoe.kernels.cross_entropy import softmax_cross_entropy  # noqa: E402
from tinymoe.kernels.gemm import matmul  # noqa: E402
from tinymoe.kernels.matmul_ladder import LADDER, matmul_reference  # noqa: E402

__all__ = ["LADDER", "adam_step", "matmul", "matmul_reference", "softmax_cross_entropy"]

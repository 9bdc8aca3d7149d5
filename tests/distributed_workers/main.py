"""Every distributed check in one MPI launch (starting P Python processes costs seconds):
``mpiexec -n P python tests/distributed_workers/main.py``, or plain ``python`` for P = 1."""

import data_parallel
import moe_equivalence
from _harness import run

run(moe_equivalence.CHECKS + data_parallel.CHECKS)

"""Distributed MoE on MPI: expert parallelism and data parallelism (issue 14).

``plan`` is pure NumPy (who owns which expert, how many rows travel where) and imports no
MPI; everything that communicates imports ``mpi4py`` only when it runs, so this package
imports without an MPI runtime.
"""

from .comm import World, init, world
from .data_parallel import DistributedSampler, allreduce_gradients, broadcast_parameters
from .expert_parallel import ExpertParallelMoE, expert_parallel
from .plan import (
    alltoall_bytes,
    capacity_keep,
    exchange_plan,
    expert_owner,
    level_counts,
    offrank_assignments,
    receive_layout,
    send_counts,
)

__all__ = [
    "World", "init", "world", "DistributedSampler", "allreduce_gradients",
    "broadcast_parameters", "ExpertParallelMoE", "expert_parallel", "alltoall_bytes",
    "capacity_keep", "exchange_plan", "expert_owner", "level_counts", "offrank_assignments",
    "receive_layout", "send_counts",
]

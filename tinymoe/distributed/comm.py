"""The MPI world and the few collectives the distributed layer uses, on NumPy arrays.

``init()`` / ``world()`` return a ``World(rank, size, comm)``: under ``mpiexec -n P`` the
``mpi4py`` COMM_WORLD of P processes; started plainly (``python script.py``) a world of
one (mpi4py's singleton, or ``comm=None`` when mpi4py is not installed). With one rank
every collective below is a local copy that never touches MPI, so single-process code
and notebooks run unchanged.

Every collective takes a ``tag`` and adds the bytes this rank sends to *other* ranks to
``world.traffic[tag]`` (a ``collections.Counter``): what stays on the rank is a memory
copy, not communication; and the seconds spent inside the MPI call (transfer *and*
waiting for the slowest rank to arrive) to ``world.seconds[tag]``. Reset both with
``world.reset_counters()``.
"""

import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class World:
    """rank (0 .. size - 1), size (number of processes), comm (an ``mpi4py``
    communicator, or None for a one-process world without mpi4py), traffic (bytes sent
    off-rank per tag), seconds (time inside MPI calls per tag)."""

    rank: int
    size: int
    comm: object = None
    traffic: Counter = field(default_factory=Counter, compare=False, repr=False)
    seconds: Counter = field(default_factory=Counter, compare=False, repr=False)

    def reset_counters(self) -> None:
        self.traffic.clear()
        self.seconds.clear()


@contextmanager
def _timed(w: World, tag: str):
    start = time.perf_counter()
    yield
    w.seconds[tag] += time.perf_counter() - start


_WORLD: World | None = None


def init() -> World:
    """Start MPI (through ``mpi4py``, which initialises it on import) and return the world
    of all processes; calling it again returns the same ``World``. Without mpi4py
    installed, a world of one process."""
    global _WORLD
    if _WORLD is None:
        try:
            from mpi4py import MPI
        except ImportError:
            _WORLD = World(0, 1, None)
        else:
            comm = MPI.COMM_WORLD
            _WORLD = World(comm.Get_rank(), comm.Get_size(), comm)
    return _WORLD


def world() -> World:
    """The world of ``init()`` (started on first use)."""
    return init()


def _displacements(counts: np.ndarray) -> np.ndarray:
    return np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)


def alltoall(w: World, send: np.ndarray, tag: str) -> np.ndarray:
    """``MPI_Alltoall``: send (P, n) int64, row ``dst`` goes to rank dst; returns (P, n),
    row ``src`` from rank src."""
    send = np.ascontiguousarray(send, dtype=np.int64)
    if send.shape[0] != w.size:
        raise ValueError(f"alltoall: send has {send.shape[0]} rows for {w.size} ranks")
    if w.size == 1:
        return send.copy()
    recv = np.empty_like(send)
    with _timed(w, tag):
        w.comm.Alltoall(send, recv)
    w.traffic[tag] += (send.size - send[w.rank].size) * send.itemsize
    return recv


def alltoallv(w: World, rows: np.ndarray, send_counts: np.ndarray, recv_counts: np.ndarray,
              tag: str) -> np.ndarray:
    """``MPI_Alltoallv`` of rows: rows (sum(send_counts), D) grouped by destination rank,
    send_counts (P,) rows to each rank, recv_counts (P,) rows from each rank. Returns
    (sum(recv_counts), D), the rows from rank 0 first."""
    n_rows, d = rows.shape
    if int(send_counts.sum()) != n_rows or len(send_counts) != w.size:
        raise ValueError(f"alltoallv: {n_rows} rows but send_counts {send_counts.tolist()} "
                         f"for {w.size} ranks")
    if w.size == 1:
        return rows.copy()
    rows = np.ascontiguousarray(rows)
    recv = np.empty((int(recv_counts.sum()), d), dtype=rows.dtype)
    send_n, recv_n = send_counts * d, recv_counts * d  # counted in elements
    with _timed(w, tag):
        w.comm.Alltoallv([rows, (send_n, _displacements(send_n))],
                         [recv, (recv_n, _displacements(recv_n))])
    w.traffic[tag] += int(send_counts.sum() - send_counts[w.rank]) * d * rows.itemsize
    return recv


def allgather(w: World, row: np.ndarray, tag: str) -> np.ndarray:
    """``MPI_Allgather``: every rank's (n,) ``row`` -> (P, n), row r from rank r."""
    row = np.ascontiguousarray(row)
    if w.size == 1:
        return row[None].copy()
    out = np.empty((w.size, row.size), dtype=row.dtype)
    with _timed(w, tag):
        w.comm.Allgather(row, out)
    w.traffic[tag] += row.nbytes * (w.size - 1)
    return out


def allreduce_sum_(w: World, buffer: np.ndarray, tag: str) -> np.ndarray:
    """``MPI_Allreduce`` (sum) in place on a contiguous buffer; returns it. Counts the
    buffer once (the payload; how many bytes the MPI algorithm moves depends on it)."""
    if w.size > 1:
        from mpi4py import MPI

        with _timed(w, tag):
            w.comm.Allreduce(MPI.IN_PLACE, buffer, op=MPI.SUM)
        w.traffic[tag] += buffer.nbytes
    return buffer


def bcast_(w: World, buffer: np.ndarray, root: int, tag: str) -> np.ndarray:
    """``MPI_Bcast`` in place from ``root``; returns the buffer."""
    if not 0 <= root < w.size:
        raise ValueError(f"bcast: root={root} is not a rank of a world of {w.size}")
    if w.size > 1:
        with _timed(w, tag):
            w.comm.Bcast(buffer, root=root)
        if w.rank == root:
            w.traffic[tag] += buffer.nbytes
    return buffer

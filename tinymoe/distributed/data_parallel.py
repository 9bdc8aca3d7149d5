"""Data parallelism: every rank holds a replica of the model and its own slice of the
batch; after ``backward`` the gradients are averaged, so every replica takes the same
optimiser step (Goyal et al. 2017; PyTorch's DistributedDataParallel does the same).

- ``broadcast_parameters(module, root=0)``: copy root's parameters and buffers to every
  rank (identical replicas at the start).
- ``allreduce_gradients(module)``: average every replicated parameter's gradient over
  the ranks, packed into a few large contiguous buckets (one ``MPI_Allreduce`` per
  bucket, not one per tensor: each call pays a latency, so small tensors are batched).
- ``DistributedSampler``: this rank's share of a data set, for ``DataLoader``.

The convention (DistributedDataParallel's): each rank's loss is the mean over *its*
batch, and the averaged gradient is the gradient of the mean of the ranks' losses; with
equal slices that is the whole batch's mean loss. Parameters of an
``ExpertParallelMoE``'s local experts exist on one rank only: their gradients already
hold every rank's tokens (they came back through the all-to-all), so they are divided by
P without communication, which is the same average.
"""

import math

import numpy as np

from tinymoe.autograd import mark_modified
from tinymoe.data.loader import Dataset
from tinymoe.nn.module import Module
from tinymoe.tensor import Tensor

from .comm import World, allreduce_sum_, bcast_, world

BUCKET_BYTES = 4 << 20  # 4 MiB buckets: few calls, and no copy of the whole model at once


def sharded_parameter_ids(module: Module) -> set:
    """ids of the parameters that live on this rank only (expert-parallel experts)."""
    return {id(p) for m in module.modules()
            for p in getattr(m, "sharded_parameters", lambda: ())()}


def _buckets(arrays: list, bucket_bytes: int):
    """Split indices of ``arrays`` into runs of one dtype and at most ``bucket_bytes``
    (a single larger array gets a bucket of its own)."""
    bucket, size, dtype = [], 0, None
    for i, a in enumerate(arrays):
        if bucket and (a.dtype != dtype or size + a.nbytes > bucket_bytes):
            yield bucket
            bucket, size = [], 0
        bucket.append(i)
        size += a.nbytes
        dtype = a.dtype
    if bucket:
        yield bucket


def _allreduce_arrays(w: World, arrays: list, bucket_bytes: int, tag: str) -> list:
    """Sum every array over the ranks, bucketed; returns new arrays."""
    out = [None] * len(arrays)
    for bucket in _buckets(arrays, bucket_bytes):
        flat = np.concatenate([arrays[i].reshape(-1) for i in bucket])
        allreduce_sum_(w, flat, tag)
        start = 0
        for i in bucket:
            out[i] = flat[start:start + arrays[i].size].reshape(arrays[i].shape)
            start += arrays[i].size
    return out


def allreduce_gradients(module: Module, w: World | None = None,
                        bucket_bytes: int = BUCKET_BYTES) -> int:
    """Average the gradients of ``module``'s parameters over the ranks, in place.

    Replicated parameters: sum over ranks (bucketed Allreduce), then divide by P.
    Expert-parallel (sharded) parameters: divide by P only (see the module docstring).
    A parameter without a gradient on some ranks counts as 0 there; one without a
    gradient on every rank keeps ``grad = None``. Returns the number of Allreduce calls
    (buckets). Every rank must call it at the same point, with the same model."""
    w = w or world()
    sharded = sharded_parameter_ids(module)
    params = [p for p in module.parameters() if id(p) not in sharded]
    has = np.array([p.grad is not None for p in params], dtype=np.int64)
    if w.size > 1:  # which parameters have a gradient on some rank (one tiny call)
        allreduce_sum_(w, has, "grad.allreduce")
    used = [p for p, h in zip(params, has) if h]
    grads = [p.grad if p.grad is not None else np.zeros_like(p.data) for p in used]
    buckets = len(list(_buckets(grads, bucket_bytes)))
    for p, g in zip(used, _allreduce_arrays(w, grads, bucket_bytes, "grad.allreduce")):
        p.grad = g / w.size
    for p in module.parameters():
        if id(p) in sharded and p.grad is not None:
            p.grad = p.grad / w.size
    return buckets


def broadcast_parameters(module: Module, root: int = 0, w: World | None = None,
                         bucket_bytes: int = BUCKET_BYTES) -> None:
    """Overwrite every replicated parameter and buffer with rank ``root``'s values
    (bucketed Bcast). Expert-parallel experts are left alone: each rank owns different
    ones."""
    w = w or world()
    sharded = sharded_parameter_ids(module)
    params = [p for p in module.parameters() if id(p) not in sharded]
    arrays = [t.data if isinstance(t, Tensor) else t for t in (*params, *module.buffers())]
    targets = [a for a in arrays if np.issubdtype(a.dtype, np.number)]
    for bucket in _buckets(targets, bucket_bytes):
        flat = np.concatenate([targets[i].reshape(-1) for i in bucket])
        bcast_(w, flat, root, "broadcast")
        start = 0
        for i in bucket:
            n = targets[i].size
            targets[i][...] = flat[start:start + n].reshape(targets[i].shape)
            start += n
    if params:
        mark_modified(*params)


class DistributedSampler(Dataset):
    """This rank's share of a data set, as a data set: pass it to ``DataLoader``.

    Each epoch takes an order of the N samples (a permutation drawn from ``seed + epoch``
    when ``shuffle``, else 0 .. N - 1), pads it by repeating its start to a multiple of P
    (or drops the tail with ``drop_last``), and gives rank r every P-th sample starting
    at r: ``order[r::P]``. With ``DataLoader(sampler, batch_size=b)`` on every rank, step
    s's global batch (the union over ranks) is ``order[s*b*P : (s+1)*b*P]``. Call
    ``set_epoch(e)`` before each epoch for a new order, identical on every rank."""

    def __init__(self, dataset, w: World | None = None, shuffle: bool = True, seed: int = 0,
                 drop_last: bool = False):
        w = w or world()
        self.dataset, self.rank, self.size = dataset, w.rank, w.size
        self.shuffle, self.seed, self.drop_last, self.epoch = shuffle, seed, drop_last, 0
        n = len(dataset)
        self.n_local = n // w.size if drop_last else math.ceil(n / w.size)
        self._cached = (None, None)  # (epoch, indices)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def global_order(self) -> np.ndarray:
        """The epoch's order of sample indices, padded or cut to a multiple of P."""
        n = len(self.dataset)
        order = (np.random.default_rng(self.seed + self.epoch).permutation(n)
                 if self.shuffle else np.arange(n))
        total = self.n_local * self.size
        return np.resize(order, total) if n else order[:0]

    def indices(self) -> np.ndarray:
        """This rank's sample indices for the epoch, ``global_order()[rank::P]``."""
        if self._cached[0] != self.epoch:
            self._cached = (self.epoch, self.global_order()[self.rank::self.size])
        return self._cached[1]

    def __len__(self) -> int:
        return self.n_local

    def __getitem__(self, i):
        return self.dataset[int(self.indices()[i])]

    def get_batch(self, positions: np.ndarray):
        indices = self.indices()[np.asarray(positions)]
        fetch = getattr(self.dataset, "get_batch", None)
        return fetch(indices) if fetch is not None else super().get_batch(positions)

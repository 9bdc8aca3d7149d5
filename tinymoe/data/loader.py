"""``Dataset``, ``TensorDataset`` and ``DataLoader`` (PyTorch-shaped)."""

import math

import numpy as np

from tinymoe.data._common import as_numpy, get_rng
from tinymoe.tensor import Tensor


def collate(samples: list):
    """Stack a list of samples into a batch: a sample that is a tuple/list is collated field by
    field into a tuple; anything else (array, Tensor, number) is stacked along a new axis 0."""
    first = samples[0]
    if isinstance(first, tuple | list):
        return tuple(collate([s[k] for s in samples]) for k in range(len(first)))
    return np.stack([as_numpy(s) for s in samples])


class Dataset:
    """Map-style data set: subclasses implement ``__len__`` and ``__getitem__(i)``.

    ``get_batch(indices)`` returns the batch for an int array of indices; the default stacks
    ``self[i]`` one by one with ``collate``; subclasses that can index many rows at once
    override it (``TensorDataset`` does).
    """

    def __len__(self) -> int:
        raise NotImplementedError

    def __getitem__(self, index):
        raise NotImplementedError

    def get_batch(self, indices: np.ndarray):
        return collate([self[int(i)] for i in indices])


class TensorDataset(Dataset):
    """Rows of several arrays (or Tensors) sharing the first dimension; item ``i`` is the tuple
    ``(a[i], b[i], ...)``. Stored as NumPy arrays in ``.arrays``."""

    def __init__(self, *arrays):
        if not arrays:
            raise ValueError("TensorDataset: pass at least one array")
        self.arrays = tuple(as_numpy(a) for a in arrays)
        shapes = [a.shape for a in self.arrays]
        if any(len(s) == 0 for s in shapes) or len({s[0] for s in shapes}) != 1:
            raise ValueError(
                f"TensorDataset: arrays must share their first dimension, got shapes {shapes}"
            )

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, index):
        return tuple(a[index] for a in self.arrays)

    def get_batch(self, indices: np.ndarray):
        return tuple(a[indices] for a in self.arrays)


def _as_tensors(batch):
    if isinstance(batch, tuple):
        return tuple(_as_tensors(b) for b in batch)
    return Tensor(batch)  # a fresh array from fancy indexing or stacking: no copy needed


class DataLoader:
    """Iterate over a data set in batches of tinymoe Tensors.

    ``shuffle=True`` draws a new order every epoch: from a private generator seeded with
    ``seed`` (reproducible: two loaders with the same seed give the same epochs), or from the
    global ``tinymoe.rng.generator()`` when ``seed`` is None (so ``tm.manual_seed`` fixes it).
    ``drop_last`` drops a final incomplete batch. A batch is a tuple of Tensors when items are
    tuples (``TensorDataset``: ``for xb, yb in loader``), else one Tensor; dtypes are kept.
    Any object with ``__len__`` and ``__getitem__`` works; a ``get_batch(indices)`` method,
    when present, fetches a whole batch at once.
    """

    def __init__(
        self,
        dataset,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        seed: int | None = None,
    ):
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size!r}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self._rng = None if seed is None else np.random.default_rng(seed)

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self) -> np.ndarray:
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        return (self._rng if self._rng is not None else get_rng(None)).permutation(n)

    def __iter__(self):
        order = self._order()
        fetch = getattr(self.dataset, "get_batch", None) or (
            lambda idx: Dataset.get_batch(self.dataset, idx)
        )
        for b in range(len(self)):
            yield _as_tensors(fetch(order[b * self.batch_size : (b + 1) * self.batch_size]))

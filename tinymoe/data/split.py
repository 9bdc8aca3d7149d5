"""Splitting arrays into training and test parts."""

import math

import numpy as np

from tinymoe.data._common import as_numpy, get_rng


def _n_test(test_size, n: int) -> int:
    if isinstance(test_size, float) and 0.0 < test_size < 1.0:
        n_test = math.ceil(test_size * n)
    elif isinstance(test_size, int) and not isinstance(test_size, bool):
        n_test = test_size
    else:
        raise ValueError(
            f"train_test_split: test_size must be a float in (0, 1) or an int, got {test_size!r}"
        )
    if not 0 < n_test < n:
        raise ValueError(
            f"train_test_split: test_size={test_size!r} leaves {n_test} of {n} "
            f"samples for testing; both parts must be non-empty"
        )
    return n_test


def _stratified_test_indices(labels: np.ndarray, n_test: int, rng) -> np.ndarray:
    """Test indices with each class's share as close to its overall share as possible
    (largest-remainder rounding so the counts add up to ``n_test``)."""
    classes, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    quota = counts * n_test / len(labels)
    take = np.floor(quota).astype(int)
    extra = n_test - take.sum()
    take[np.argsort(-(quota - take), kind="stable")[:extra]] += 1
    members = [rng.permutation(np.flatnonzero(inverse == c)) for c in range(len(classes))]
    return np.concatenate([m[:k] for m, k in zip(members, take)])


def train_test_split(*arrays, test_size=0.25, seed: int | None = None, stratify=None):
    """Shuffle and split arrays (same first dimension) into train and test parts.

    ``test_size`` is a fraction (rounded up, as scikit-learn does) or a count. ``stratify``
    (labels, usually ``y``) keeps each class's proportion in both parts. ``seed``: int for a
    reproducible split, None for the global generator. Returns
    ``[a_train, a_test, b_train, b_test, ...]``, NumPy arrays (Tensors are converted).
    """
    if not arrays:
        raise ValueError("train_test_split: pass at least one array")
    arrays = [as_numpy(a) for a in arrays]
    lengths = [len(a) for a in arrays]
    if len(set(lengths)) != 1:
        raise ValueError(f"train_test_split: arrays have different lengths {lengths}")
    n = lengths[0]
    n_test = _n_test(test_size, n)
    rng = get_rng(seed)
    if stratify is None:
        perm = rng.permutation(n)
        test, train = perm[:n_test], perm[n_test:]
    else:
        labels = as_numpy(stratify)
        if labels.shape != (n,):
            raise ValueError(
                f"train_test_split: stratify must have shape ({n},), got {labels.shape}"
            )
        test = rng.permutation(_stratified_test_indices(labels, n_test, rng))
        train = rng.permutation(np.setdiff1d(np.arange(n), test))
    return [part for a in arrays for part in (a[train], a[test])]

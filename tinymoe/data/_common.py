"""Helpers shared by the data modules: the seed rule and array conversion."""

import numpy as np

from tinymoe import rng as _rng
from tinymoe.tensor import Tensor


def get_rng(seed: int | None) -> np.random.Generator:
    """A fresh generator for an int ``seed``; the global ``tinymoe.rng.generator()`` for None."""
    return _rng.generator() if seed is None else np.random.default_rng(seed)


def as_numpy(x) -> np.ndarray:
    """The ndarray behind ``x``: a Tensor's ``.data`` (no copy) or ``np.asarray(x)``."""
    return x.data if isinstance(x, Tensor) else np.asarray(x)

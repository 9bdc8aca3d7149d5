"""The one random generator every part of tinymoe draws from."""

import numpy as np

_generator = np.random.default_rng(0)


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the global generator (like ``torch.manual_seed``) and return it.
    ``seed`` is a non-negative integer (NumPy's ``SeedSequence`` refuses negatives)."""
    global _generator
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"manual_seed: seed must be an integer, got {type(seed).__name__} "
                        f"{seed!r}")
    if seed < 0:
        raise ValueError(f"manual_seed: seed must be >= 0, got {seed}")
    _generator = np.random.default_rng(seed)
    return _generator


def generator() -> np.random.Generator:
    """The global ``numpy.random.Generator``."""
    return _generator

"""tinymoe: a small, correct, PyTorch-shaped deep-learning engine in NumPy + Numba.

``import tinymoe as tm`` gives tensors with reverse-mode autodiff; ``tinymoe.nn``,
``tinymoe.optim``, ``tinymoe.data`` and ``tinymoe.moe`` build on them.
"""

from . import data, metrics, nn, optim, train
from .autograd import Function, is_grad_enabled, no_grad
from .backend import get_backend, set_backend, use_backend
from .errors import DTypeError, ShapeError
from .gradcheck import gradcheck
from .rng import manual_seed
from .serialization import CheckpointError, load, save
from .tensor import (
    Tensor,
    arange,
    bool_,
    cat,
    chunk,
    float32,
    float64,
    full,
    gather,
    index_add,
    int32,
    int64,
    maximum,
    minimum,
    one_hot,
    ones,
    ones_like,
    pad,
    rand,
    randn,
    scatter_add,
    split,
    stack,
    tensor,
    where,
    zeros,
    zeros_like,
)

__version__ = "0.1.0"


def __getattr__(name: str):
    """``tm.viz`` and ``tm.moe`` load on first use (matplotlib is slow to import)."""
    if name in ("viz", "moe"):
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "arange", "bool_", "cat", "CheckpointError", "chunk", "data", "DTypeError",
    "float32", "float64", "full", "Function", "gather", "get_backend", "gradcheck", "index_add",
    "int32", "int64", "is_grad_enabled", "load", "manual_seed", "maximum", "metrics", "minimum",
    "nn", "no_grad", "one_hot", "ones", "ones_like", "optim", "pad", "rand", "randn", "save",
    "scatter_add", "set_backend", "ShapeError", "split", "stack", "train", "Tensor", "tensor",
    "use_backend", "where", "zeros", "zeros_like",
]

"""Array-level dispatch between the Numba kernels and their NumPy references.

``set_backend("numba" | "numpy")`` or ``with tm.use_backend("numpy"): ...`` picks which
implementation the engine's array ops run. ``DISPATCH`` is the one table of them:
``{name: (kernel, reference)}``, the kernel named by where it lives under
``tinymoe.kernels`` (so that naming it imports nothing) and the reference a function of
``tinymoe.reference``. ``implementation(name)`` returns the one the active backend runs.

The default is "numba". ``import tinymoe`` imports no Numba: the first call that
dispatches to a kernel imports ``tinymoe.kernels``, which runs its ``configure()``
(Numba's threading layer and CPU features) before any kernel is compiled. Under
"numpy", Numba is never imported.

The public functions below keep what the table cannot: input checks that name the op,
and the size or layout rules that send some inputs to NumPy even on the "numba" backend.
"""

import importlib
import sys
from contextlib import contextmanager

import numpy as np

from . import reference
from .errors import DTypeError, ShapeError, check_float, check_integer, fmt

BACKENDS = ("numba", "numpy")
# The fused cross-entropy kernel beats NumPy for few classes (1.6x at 10) but loses for
# many (0.5x at 1,000: NumPy's exp is vectorised), so wider rows stay on NumPy.
FUSED_CROSS_ENTROPY_MAX_CLASSES = 256
KERNEL_FLOATS = (np.float32, np.float64)  # what the kernels compile for (float16 runs NumPy)

_GEMM, _ACT = "tinymoe.kernels.grouped_gemm", "tinymoe.kernels.activations"
# name: ((kernel module, kernel function), NumPy reference)
DISPATCH = {
    "matmul": (("tinymoe.kernels.gemm", "matmul"), np.matmul),
    "softmax_cross_entropy": (("tinymoe.kernels.cross_entropy", "softmax_cross_entropy"),
                              reference.softmax_cross_entropy),
    "adam_step": (("tinymoe.kernels.adam", "adam_step"), reference.adam_step),
    "erf": ((_ACT, "erf"), reference.erf),
    "gelu": ((_ACT, "gelu"), reference.gelu),
    "gelu_backward": ((_ACT, "gelu_backward"), reference.gelu_backward),
    "grouped_matmul": ((_GEMM, "grouped_matmul"), reference.grouped_matmul),
    "grouped_matmul_tn": ((_GEMM, "grouped_matmul_tn"), reference.grouped_matmul_tn),
    "segment_sum": ((_GEMM, "segment_sum"), reference.segment_sum),
    "scatter_add_rows": ((_GEMM, "scatter_add_rows"), reference.scatter_add_rows),
    "grouped_linear": ((_GEMM, "grouped_linear"), reference.grouped_linear),
    "grouped_linear_grad": ((_GEMM, "grouped_linear_grad"), reference.grouped_linear_grad),
    "combine_backward": ((_GEMM, "combine_backward"), reference.combine_backward),
}
_active = "numba"


def get_backend() -> str:
    return _active


def set_backend(name: str) -> None:
    global _active
    if name not in BACKENDS:
        raise ValueError(f"set_backend: unknown backend {name!r}; choose one of {BACKENDS}")
    _active = name


@contextmanager
def use_backend(name: str):
    """Temporarily switch backend: ``with tm.use_backend("numpy"): ...``."""
    previous = _active
    set_backend(name)
    try:
        yield
    finally:
        set_backend(previous)


def kernel(name: str):
    """The Numba kernel ``name`` of ``DISPATCH``, whatever the backend (imports, and so
    configures, ``tinymoe.kernels`` on first use)."""
    (module, function), _ = DISPATCH[name]
    loaded = sys.modules.get(module) or importlib.import_module(module)
    return getattr(loaded, function)


def implementation(name: str, dtype=None):
    """The function the active backend runs for ``name``: its kernel or its reference. The
    reference also stands in for a ``dtype`` the kernels are not compiled for (float16)."""
    if _active == "numba" and (dtype is None or dtype in KERNEL_FLOATS):
        return kernel(name)
    return DISPATCH[name][1]


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.matmul`` semantics (1-D, 2-D, batched with broadcasting)."""
    return implementation("matmul")(a, b)


def erf(x: np.ndarray) -> np.ndarray:
    """Elementwise error function, same shape and dtype as ``x``."""
    return implementation("erf", x.dtype)(x)


def gelu(x: np.ndarray) -> np.ndarray:
    """Exact GELU ``x * Phi(x)``: one fused pass, or the NumPy form."""
    return implementation("gelu", x.dtype)(x)


def gelu_backward(x: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """``grad * GELU'(x)``, fused or in NumPy."""
    return implementation("gelu_backward", x.dtype)(x, grad)


def softmax_cross_entropy(logits: np.ndarray, targets: np.ndarray):
    """Fused softmax + cross-entropy on ``logits`` (N, C), int ``targets`` (N,).

    Returns ``(loss, dlogits)``: per-row losses (N,) and ``softmax(logits) - onehot`` (N, C).
    """
    op = "softmax_cross_entropy"
    check_float(op, logits, "logits")
    check_integer(op, targets, "targets")
    if logits.ndim != 2 or targets.shape != logits.shape[:1] or logits.shape[1] == 0:
        raise ShapeError(f"{op}: expected logits (N, C) with C >= 1 and targets (N,), got "
                         f"logits {fmt(logits.shape)} and targets {fmt(targets.shape)}")
    if targets.size and (targets.min() < 0 or targets.max() >= logits.shape[1]):
        raise IndexError(f"{op}: targets must lie in [0, {logits.shape[1]}), got values in "
                         f"[{targets.min()}, {targets.max()}]")
    if logits.shape[1] > FUSED_CROSS_ENTROPY_MAX_CLASSES:
        return DISPATCH[op][1](logits, targets)
    return implementation(op, logits.dtype)(logits, targets)


def adam_step(param, grad, exp_avg, exp_avg_sq, *, step, lr, beta1, beta2, eps,
              weight_decay=0.0, decoupled=False, max_exp_avg_sq=None):
    """One Adam/AdamW update, in place on ``param``, ``exp_avg``, ``exp_avg_sq``
    (and ``max_exp_avg_sq`` for AMSGrad). ``step`` counts from 1. Matches torch.optim.
    The Numba kernel needs C-contiguous state; other layouts take the NumPy path."""
    state = [param, exp_avg, exp_avg_sq] + ([] if max_exp_avg_sq is None else [max_exp_avg_sq])
    if any(x.shape != param.shape or x.dtype != param.dtype for x in [grad, *state]):
        raise ShapeError("adam_step: param, grad and state must share shape and dtype, got "
                         + ", ".join(f"{fmt(x.shape)} {x.dtype}" for x in [grad, *state]))
    if param.dtype not in (np.float32, np.float64):
        raise DTypeError(f"adam_step: float32 or float64 arrays required, got {param.dtype}")
    if step < 1:
        raise ValueError(f"adam_step: step counts from 1, got {step}")
    fn = implementation("adam_step")
    if not all(x.flags.c_contiguous for x in state):
        fn = DISPATCH["adam_step"][1]
    fn(param, grad, exp_avg, exp_avg_sq, step=step, lr=lr, beta1=beta1, beta2=beta2, eps=eps,
       weight_decay=weight_decay, decoupled=decoupled, max_exp_avg_sq=max_exp_avg_sq)

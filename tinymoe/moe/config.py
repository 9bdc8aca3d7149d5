"""``MoEConfig``: every option of the ``MoE`` layer in one dataclass, validated in one place.

``nn.MoE(MoEConfig(32, 64, 4, router="switch"))`` and ``nn.MoE(32, 64, 4, router="switch")``
build the same layer; a bad value raises ``ValueError`` (or ``TypeError`` for a wrong type)
naming ``MoE``, the argument and the value, when the config is created.
"""

import math
import numbers
from dataclasses import dataclass

import numpy as np

from tinymoe.moe.dispatch import DISPATCH
from tinymoe.moe.experts import EXPERT_KINDS
from tinymoe.moe.routers import ROUTERS
from tinymoe.nn.activation import ACTIVATIONS
from tinymoe.nn.sizes import check_size

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


@dataclass(frozen=True)
class MoEConfig:
    """Options of ``tinymoe.nn.MoE`` (see its docstring for what each one does).

    d_model, n_experts: ints >= 1 (the router scores d_model features for n_experts).
    d_hidden: int >= 0 (a zero-size hidden layer is allowed, as in ``Linear(0, n)``: each
    expert then outputs its bias, 0 for swiglu). top_k: int in [1, n_experts] (dense
    ignores it, switch always uses 1). router: a name in ``tinymoe.moe.routers.ROUTERS``.
    expert: ``mlp`` | ``swiglu``. capacity_factor: None (dropless) or a finite float > 0.
    n_shared: int >= 0. aux_loss_coef, z_loss_coef: finite floats >= 0 (the z-loss needs a
    softmax router). jitter: in [0, 1). bias_update_rate: finite float >= 0 (DeepSeek's
    gamma). activation: a name in ``tinymoe.nn.activation.ACTIVATIONS``. dispatch: ``fast``
    | ``reference``. dtype: float32 (default) or float64, for the weights and the router.
    """

    d_model: int
    d_hidden: int
    n_experts: int
    top_k: int = 2
    router: str = "topk"
    expert: str = "mlp"
    capacity_factor: float | None = None
    n_shared: int = 0
    aux_loss_coef: float = 0.01
    z_loss_coef: float = 0.0
    jitter: float = 0.0
    bias_update_rate: float = 1e-3
    activation: str = "gelu"
    dispatch: str = "fast"
    dtype: object = None

    def __post_init__(self) -> None:
        for name in ("d_model", "n_experts"):
            check_size("MoE", name, getattr(self, name), low=1)
        check_size("MoE", "d_hidden", self.d_hidden)
        check_size("MoE", "n_shared", self.n_shared)
        _check_choice("router", self.router, ROUTERS)
        _check_choice("expert", self.expert, EXPERT_KINDS)
        _check_choice("dispatch", self.dispatch, DISPATCH)
        _check_choice("activation", self.activation, ACTIVATIONS)
        check_size("MoE", "top_k", self.top_k, low=1)
        if ROUTERS[self.router].uses_top_k and self.top_k > self.n_experts:
            raise ValueError(f"MoE: top_k must lie in [1, n_experts={self.n_experts}], "
                             f"got {self.top_k!r}")
        for name in ("aux_loss_coef", "z_loss_coef", "bias_update_rate"):
            _check_float(name, getattr(self, name), ">= 0", lambda v: v >= 0)
        _check_float("jitter", self.jitter, "in [0, 1)", lambda v: 0 <= v < 1)
        if self.capacity_factor is not None:
            _check_float("capacity_factor", self.capacity_factor, "None or > 0",
                         lambda v: v > 0)
        if self.z_loss_coef and not ROUTERS[self.router].softmax:
            raise ValueError(f"MoE: z_loss_coef={self.z_loss_coef!r} needs a softmax router; "
                             f"{self.router!r} uses sigmoids (set z_loss_coef=0)")
        dtype = np.dtype(np.float32 if self.dtype is None else self.dtype)
        if dtype not in FLOAT_DTYPES:
            raise ValueError(f"MoE: dtype must be float32 or float64, got {dtype}")
        object.__setattr__(self, "dtype", dtype)


def _check_float(name: str, value, rule: str, ok) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"MoE: {name} must be a number {rule}, got {value!r}")
    if not (math.isfinite(value) and ok(value)):
        raise ValueError(f"MoE: {name} must be finite and {rule}, got {value!r}")


def _check_choice(name: str, value, choices) -> None:
    if value not in choices:
        raise ValueError(f"MoE: unknown {name} {value!r}; choose one of {sorted(choices)}")

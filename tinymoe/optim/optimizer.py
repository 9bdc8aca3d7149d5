"""``Optimizer``: parameter groups, per-parameter state, ``zero_grad`` and state dicts.

A subclass sets its hyperparameter defaults, checks them in ``_check_hparams`` and
implements ``step()``, which updates every parameter's ``.data`` array in place from
its ``.grad`` array (parameters whose ``.grad`` is ``None`` are skipped).
"""

import math
from numbers import Real

import numpy as np

from tinymoe.tensor import Tensor


def check_hparam(owner: str, key: str, value, low: float = 0.0, below: float | None = None):
    """Raise naming ``owner`` and ``key`` unless ``value`` is a finite real number with
    ``low <= value`` (and ``value < below`` when given). Returns ``value``."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{owner}: {key} must be a real number, got {type(value).__name__} "
                        f"{value!r}")
    if not math.isfinite(value) or value < low or (below is not None and value >= below):
        bound = f"[{low:g}, {below:g})" if below is not None else f">= {low:g} and finite"
        raise ValueError(f"{owner}: invalid {key} {value!r} (need {bound})")
    return value


class Optimizer:
    """Base class. ``params``: an iterable of Tensors, or of dicts (parameter groups)
    each holding ``"params"`` and any hyperparameters that override ``defaults``."""

    def __init__(self, params, defaults: dict):
        self.defaults = dict(defaults)
        self._check_hparams(self.defaults)
        self.param_groups: list[dict] = []
        self.state: dict = {}  # Tensor -> dict of that parameter's arrays and counters
        name = type(self).__name__
        if isinstance(params, Tensor) or not hasattr(params, "__iter__"):
            raise TypeError(f"{name}: params must be an iterable of Tensors or dicts, "
                            f"got {type(params).__name__}")
        params = list(params)
        if not params:
            raise ValueError(f"{name}: got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        for group in groups:
            self.add_param_group(group)

    def _check_hparams(self, group: dict) -> None:
        """Raise ``ValueError``/``TypeError`` naming the optimiser for an invalid
        hyperparameter (subclasses extend it; each value goes through ``check_hparam``)."""
        check_hparam(type(self).__name__, "learning rate", group["lr"])

    def add_param_group(self, group: dict) -> None:
        """Add a group of parameters with its own hyperparameters (missing ones default)."""
        name = type(self).__name__
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"{name}: a parameter group must be a dict with a 'params' key, "
                            f"got {type(group).__name__}")
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: parameter {i} of group {len(self.param_groups)} "
                                f"is a {type(p).__name__}, not a Tensor")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in params}) < len(params) or seen & {id(p) for p in params}:
            raise ValueError(f"{name}: a parameter appears more than once in the groups")
        unknown = set(group) - set(self.defaults) - {"params", "initial_lr"}
        if unknown:
            raise ValueError(f"{name}: unknown hyperparameter(s) {sorted(unknown)}")
        group = {**self.defaults, **group, "params": params}
        self._check_hparams(group)
        self.param_groups.append(group)

    def _grads(self, group: dict):
        """Yield ``(param, grad)`` for the group's parameters that have a gradient."""
        for p in group["params"]:
            if p.grad is None:
                continue
            if p.grad.shape != p.data.shape:
                raise ValueError(f"{type(self).__name__}.step: gradient of shape "
                                 f"{p.grad.shape} for a parameter of shape {p.data.shape}")
            yield p, p.grad

    def step(self) -> None:
        raise NotImplementedError

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset gradients: to ``None`` (default) or, in place, to zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad.fill(0)

    def state_dict(self) -> dict:
        """A snapshot ``{"state": {index: {...}}, "param_groups": [{..., "params": [index]}]}``
        of numbers and copied arrays; parameters are numbered in group order."""
        index = {}
        groups = []
        for group in self.param_groups:
            ids = list(range(len(index), len(index) + len(group["params"])))
            index.update((id(p), i) for p, i in zip(group["params"], ids))
            groups.append({**group, "params": ids})
        state = {index[id(p)]: {k: np.array(v, copy=True) if isinstance(v, np.ndarray) else v
                                for k, v in s.items()}
                 for p, s in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyperparameters and state saved by ``state_dict`` (arrays are copied).
        Accepts the index keys as ints or strings and sequences as lists, tuples or arrays,
        so a dict that went through a file loads too."""
        name = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            raise ValueError(f"{name}: expected a dict with keys 'state' and 'param_groups'")
        saved_groups = list(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{name}: the state dict has {len(saved_groups)} parameter groups, "
                             f"the optimizer has {len(self.param_groups)}")
        params = []
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"{name}: group {i} has {len(saved['params'])} parameters in "
                                 f"the state dict, {len(group['params'])} in the optimizer")
            params += group["params"]
        state = {}
        for key, saved in state_dict["state"].items():
            i = int(key)
            if not 0 <= i < len(params):
                raise ValueError(f"{name}: state for parameter {i}, but there are only "
                                 f"{len(params)} parameters")
            state[params[i]] = {k: self._load_value(name, i, k, v, params[i])
                                for k, v in saved.items()}
        for group, saved in zip(self.param_groups, saved_groups):
            for k, v in saved.items():
                if k != "params":
                    group[k] = _as_hparam(v)
            self._check_hparams(group)
        self.state = state

    @staticmethod
    def _load_value(name, i, key, value, param):
        if np.ndim(value) == 0:
            return _scalar(value)
        value = np.asarray(value)
        if value.shape != param.data.shape:
            raise ValueError(f"{name}: state '{key}' of parameter {i} has shape {value.shape}, "
                             f"the parameter has shape {param.data.shape}")
        return value.astype(param.data.dtype, copy=True)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines + [")"])


def _scalar(value):
    """A 0-d array or NumPy scalar as a Python number; anything else unchanged."""
    return value.item() if isinstance(value, np.generic | np.ndarray) else value


def _as_hparam(value):
    """A saved hyperparameter as a Python number, bool or tuple of numbers."""
    return _scalar(value) if np.ndim(value) == 0 else tuple(np.asarray(value).tolist())

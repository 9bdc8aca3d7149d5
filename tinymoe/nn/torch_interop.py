"""Carry weights between tinymoe and PyTorch: the state-dict keys and layouts match, so
only the array type differs. ``torch`` is imported lazily, never at ``import tinymoe``."""

from collections import OrderedDict

import numpy as np

from tinymoe.nn.module import IncompatibleKeys, Module


def _to_numpy(value) -> np.ndarray:
    """A NumPy array from an ndarray, a number, or a torch tensor (any device, with or
    without grad; bfloat16 is widened to float32, which NumPy can hold)."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):
        value = value.detach().cpu()
        if str(value.dtype) == "torch.bfloat16":
            value = value.float()
        return value.numpy()
    return np.asarray(value)


def load_torch_state_dict(module: Module, state_dict, strict: bool = True) -> IncompatibleKeys:
    """Load a PyTorch ``state_dict`` (torch tensors or NumPy arrays) into ``module`` in
    place; each parameter keeps its own dtype. Errors as ``Module.load_state_dict``."""
    arrays = OrderedDict((key, _to_numpy(value)) for key, value in state_dict.items())
    return module.load_state_dict(arrays, strict=strict)


def to_torch_state_dict(module: Module) -> OrderedDict:
    """``module.state_dict()`` as torch tensors, ready for ``torch_model.load_state_dict``;
    plain NumPy arrays when torch is not installed."""
    state = module.state_dict()
    try:
        import torch
    except ImportError:
        return state
    return OrderedDict((key, torch.from_numpy(array)) for key, array in state.items())

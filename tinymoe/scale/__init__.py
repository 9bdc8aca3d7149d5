"""``tinymoe.scale``: what a big MoE costs, on paper.

Parameter counts (``count_params``), FLOPs (``flops_per_token``, ``training_flops``),
memory per device (``memory_per_device``), expert-parallel traffic
(``alltoall_bytes_per_token``) and GPU-hours (``gpu_hours``) from a ``ModelConfig``; the
published models in ``MODELS``. ``python -m tinymoe.scale MODEL ...`` prints a table.
"""

from tinymoe.scale.comm import alltoall_bytes_per_token
from tinymoe.scale.config import MODELS, ModelConfig
from tinymoe.scale.flops import (
    Flops,
    flops_per_token,
    gpu_hours,
    matmul_weights_per_token,
    training_flops,
)
from tinymoe.scale.memory import memory_per_device
from tinymoe.scale.params import PARTS, Params, count_params

__all__ = ["MODELS", "PARTS", "Flops", "ModelConfig", "Params", "alltoall_bytes_per_token",
           "count_params", "flops_per_token", "gpu_hours", "matmul_weights_per_token",
           "memory_per_device", "training_flops"]

"""``tinymoe.scale``: what a big MoE costs, on paper.

Parameter counts (``count_params``), FLOPs (``flops_per_token``, ``training_flops``),
memory per device (``memory_per_device``), expert-parallel traffic
(``alltoall_bytes_per_token``) and GPU-hours (``gpu_hours``) from a ``ModelConfig``; the
published models in ``MODELS``. ``python -m tinymoe.scale MODEL ...`` prints a table.
"""

from tinymoe.scale.config import MODELS, ModelConfig
from tinymoe.scale.params import Params, count_params

__all__ = ["MODELS", "ModelConfig", "Params", "count_params"]

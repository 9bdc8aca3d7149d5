"""Complete models built from ``tinymoe.nn``: ``MoEGPT`` (a GPT whose feed-forward layers
are dense MLPs or mixture-of-experts layers) with its ``GPTConfig`` and named configs."""

from tinymoe.models.gpt import CONFIGS, GPTConfig, MoEGPT, get_config
from tinymoe.models.mmoe import MMoE, SharedBottom

__all__ = ["CONFIGS", "GPTConfig", "MMoE", "MoEGPT", "SharedBottom", "get_config"]

"""Mixture-of-experts pieces; the layer is ``tinymoe.nn.MoE`` (``tinymoe.nn.moe``).

- ``config``: ``MoEConfig``, the layer's options validated in one place
- ``routers``: ``Router`` classes in the ``ROUTERS`` registry (dense, topk, noisy_topk,
  switch, expert_choice, deepseek; formula + paper each) and ``update_bias(model)``,
  DeepSeek's explicit bias step after ``optimizer.step()``
- ``losses``: Switch load balancing, Shazeer importance/load CV^2, ST-MoE z-loss
- ``capacity``: expert capacity and deterministic, first-choice-first dropping
- ``dispatch``: the per-expert reference loop and the sorted grouped-GEMM fast path
- ``experts``: ``mlp`` and ``swiglu`` expert banks with (E, ...) weights
- ``stats``: ``MoEStats`` diagnostics; ``viz``: pictures of what a router does
"""

from tinymoe.moe.capacity import expert_capacity, within_capacity
from tinymoe.moe.config import MoEConfig
from tinymoe.moe.dispatch import dispatch_fast, dispatch_reference, sort_by_expert
from tinymoe.moe.experts import GroupedLinear, MLPExperts, SwiGLUExperts, make_experts
from tinymoe.moe.losses import cv_squared, importance_loss, load_loss, switch_loss, z_loss
from tinymoe.moe.routers import ROUTERS, Router, Routing, update_bias
from tinymoe.moe.stats import MoEStats, routing_stats

__all__ = [
    "ROUTERS", "GroupedLinear", "MLPExperts", "MoEConfig", "MoEStats", "Router", "Routing",
    "SwiGLUExperts", "cv_squared", "dispatch_fast", "dispatch_reference", "expert_capacity",
    "importance_loss", "load_loss", "make_experts", "routing_stats", "sort_by_expert",
    "switch_loss", "update_bias", "within_capacity", "z_loss",
]

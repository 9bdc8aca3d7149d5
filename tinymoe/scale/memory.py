"""Bytes of weights, gradients and optimizer state per device under data, expert and
pipeline parallelism (activations and temporary buffers are not counted).

Layout (as in Megatron-LM and DeepSpeed-MoE): ``dp`` data-parallel ranks per pipeline
stage; the routed experts of every MoE layer are split over ``ep`` of them (ep divides dp
and n_routed_experts), so each rank holds n_routed / ep experts per layer and every expert
has dp / ep copies; everything else (embeddings, attention, norms, dense FFNs, routers,
shared experts) is replicated on all dp ranks. ``pp`` pipeline stages split the layers;
here every parameter is divided evenly by pp (real stages hold whole layers and the first
and last also the embeddings, so a stage can be somewhat heavier). Devices = dp x pp.

ZeRO (``zero``) removes the copies: stage 1 shards the optimizer state over the ranks that
hold the same parameters (dp for replicated parameters, dp / ep for experts), stage 2 the
gradients too, stage 3 the weights too.
"""

from tinymoe.scale.config import ModelConfig
from tinymoe.scale.params import count_params


def _check_int(name: str, value, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"memory_per_device: {name} must be an int >= {low}, got {value!r}")


def memory_per_device(cfg: ModelConfig, dp: int, ep: int = 1, param_bytes: float = 2,
                      grad_bytes: float = 2, optim_bytes: float = 12, pp: int = 1,
                      zero: int = 0) -> dict:
    """Memory of one device, in bytes (floats), and its parameter count.

    param_bytes, grad_bytes: bytes per weight and per gradient (2 for bf16/fp16, 4 for fp32,
    1 for fp8). optim_bytes: optimizer state per parameter (12 for mixed-precision Adam:
    an fp32 master copy and the two fp32 moments; 8 for fp32 Adam's moments alone).
    Returns {"params": parameters held, "expert_params": the routed-expert part of them,
    "weights", "gradients", "optimizer", "total": bytes}.
    """
    _check_int("dp", dp, 1)
    _check_int("ep", ep, 1)
    _check_int("pp", pp, 1)
    if zero not in (0, 1, 2, 3):
        raise ValueError(f"memory_per_device: zero must be 0, 1, 2 or 3, got {zero!r}")
    for name, value in (("param_bytes", param_bytes), ("grad_bytes", grad_bytes),
                        ("optim_bytes", optim_bytes)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ValueError(f"memory_per_device: {name} must be a number >= 0, got {value!r}")
    if dp % ep:
        raise ValueError(f"memory_per_device: ep={ep} must divide dp={dp} (the experts are "
                         "split over ep of the data-parallel ranks)")
    if cfg.n_routed_experts % ep:
        raise ValueError(f"memory_per_device: ep={ep} must divide n_routed_experts="
                         f"{cfg.n_routed_experts} of {cfg.name!r}")
    params = count_params(cfg)
    experts = params.by_part["routed_experts"] / (ep * pp)
    replicated = (params.total - params.by_part["routed_experts"]) / pp

    def held(stage: int) -> float:
        """Parameters' worth of a state kept per device, sharded from ZeRO ``stage`` on."""
        if zero >= stage:
            return replicated / dp + experts / (dp // ep)
        return replicated + experts

    out = {"params": replicated + experts, "expert_params": experts,
           "weights": held(3) * param_bytes, "gradients": held(2) * grad_bytes,
           "optimizer": held(1) * optim_bytes}
    out["total"] = out["weights"] + out["gradients"] + out["optimizer"]
    return out

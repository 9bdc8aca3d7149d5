"""All-to-all traffic of an expert-parallel MoE layer.

Each token goes to top_k experts. Under expert parallelism over ``ep`` ranks, the dispatch
all-to-all sends each of the token's top_k copies (d_model values) to the rank owning the
expert, and the combine all-to-all sends the expert's output (d_model values) back. A copy
travels only when that rank is another one. ASSUMPTION: uniform routing, every expert
equally likely and experts spread evenly over the ranks, so a copy leaves its rank with
probability (ep - 1) / ep. Real routers are skewed, and DeepSeek-V3 limits each token to 4
nodes and deduplicates copies bound for the same node, so real traffic differs; this is the
plain, uniform baseline.
"""

from tinymoe.scale.config import ModelConfig


def alltoall_bytes_per_token(cfg: ModelConfig, bytes_per_elem: float = 2, ep: int = 1) -> float:
    """Bytes one token sends through the all-to-alls of ONE MoE layer in the forward pass:
    2 (dispatch + combine) x top_k x d_model x bytes_per_elem x (ep - 1) / ep.

    The backward pass sends as much again (the gradients travel the reverse way); a dense
    model (no routed experts) sends nothing.
    """
    if isinstance(ep, bool) or not isinstance(ep, int) or ep < 1:
        raise ValueError(f"alltoall_bytes_per_token: ep must be an int >= 1, got {ep!r}")
    if isinstance(bytes_per_elem, bool) or not isinstance(bytes_per_elem, (int, float)) \
            or not bytes_per_elem > 0:
        raise ValueError("alltoall_bytes_per_token: bytes_per_elem must be a number > 0, "
                         f"got {bytes_per_elem!r}")
    if cfg.n_routed_experts % ep:
        raise ValueError(f"alltoall_bytes_per_token: ep={ep} must divide n_routed_experts="
                         f"{cfg.n_routed_experts} of {cfg.name!r}")
    off_rank = (ep - 1) / ep
    return 2.0 * cfg.top_k * cfg.d_model * bytes_per_elem * off_rank

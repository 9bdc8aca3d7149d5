"""Forward and training FLOPs of a ``ModelConfig``, and the GPU-hours they take.

One multiply-add = 2 FLOPs. Per token, the forward pass costs

- matmul: 2 x (every weight the token is multiplied by): attention projections, dense FFNs,
  the router, the shared experts, top_k routed experts, and the output projection (vocab x
  d_model, also when tied). Not the input embedding (a lookup) nor norms (elementwise);
- attention: the two products that grow with the context, scores q.k and the weighted sum
  of values: 2 x n_heads x context x (qk head width + v head width) per attention layer.
  MLA is counted in its plain form (keys/values up-projected per head: qk width
  qk_nope + qk_rope, v width v_head_dim), not the weight-absorbed inference form.

Training = forward + backward ~ 3 x forward (the backward pass computes a gradient for the
activations and one for the weights, each as costly as the forward): 6 N D + attention for
N = the per-token matmul weights and D tokens.
"""

from dataclasses import dataclass
from numbers import Real

from tinymoe.scale.config import ModelConfig
from tinymoe.scale.params import attention_params


@dataclass(frozen=True)
class Flops:
    """FLOPs for ONE token (floats). matmul: weight products; attention: score and value
    products; total = matmul + attention."""

    matmul: float
    attention: float
    total: float


def matmul_weights_per_token(cfg: ModelConfig) -> int:
    """Weights one token is multiplied by in a forward pass (N of 2 N FLOPs per token)."""
    d = cfg.d_model
    n_moe = cfg.n_moe_layers
    one_expert = cfg.ffn_matrices * d * cfg.d_expert
    return ((cfg.n_layers + cfg.n_cross_attn_layers) * attention_params(cfg)
            + cfg.n_dense_layers_total * cfg.dense_matrices * d * cfg.d_ff_dense
            + n_moe * (cfg.n_routed_experts * d
                       + (cfg.n_shared_experts + cfg.top_k) * one_expert)
            + cfg.vocab_size * d)


def _head_widths(cfg: ModelConfig) -> tuple[int, int]:
    """(query/key width, value width) of one head."""
    if cfg.attention == "mla":
        return cfg.qk_nope_head_dim + cfg.qk_rope_head_dim, cfg.v_head_dim
    return cfg.head_dim, cfg.head_dim


def _check_positive(op: str, **values) -> None:
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, Real) or not value > 0:
            raise ValueError(f"{op}: {name} must be a number > 0, got {value!r}")


def flops_per_token(cfg: ModelConfig, seq_len: int, causal: bool = True) -> Flops:
    """Forward FLOPs for one token of a sequence of ``seq_len`` tokens.

    causal: a token attends to itself and the tokens before it, (seq_len + 1) / 2 keys on
    average; False: to all seq_len (the convention of PaLM's MFU accounting, which counts
    the masked half too). An encoder-decoder's encoder blocks and cross-attentions are
    never causal; the encoder's length is taken to be seq_len as well.
    """
    if isinstance(seq_len, bool) or not isinstance(seq_len, int) or seq_len < 1:
        raise ValueError(f"flops_per_token: seq_len must be an int >= 1, got {seq_len!r}")
    qk, v = _head_widths(cfg)
    per_key = 2 * cfg.n_heads * (qk + v)  # FLOPs per (query, key) pair in one layer
    full = seq_len
    masked = (seq_len + 1) / 2 if causal else seq_len
    decoder = cfg.n_cross_attn_layers or cfg.n_layers
    encoder = cfg.n_layers - decoder
    attention = per_key * (decoder * masked + (encoder + cfg.n_cross_attn_layers) * full)
    matmul = 2.0 * matmul_weights_per_token(cfg)
    return Flops(matmul=matmul, attention=float(attention), total=matmul + attention)


def training_flops(cfg: ModelConfig, tokens: float, seq_len: int, causal: bool = True) -> float:
    """FLOPs to train on ``tokens`` tokens (forward + backward = 3 x forward), i.e.
    6 N D + 3 x attention, with N = ``matmul_weights_per_token(cfg)`` and D = tokens."""
    if isinstance(tokens, bool) or not isinstance(tokens, Real) or tokens < 0:
        raise ValueError(f"training_flops: tokens must be a number >= 0, got {tokens!r}")
    return 3.0 * flops_per_token(cfg, seq_len, causal).total * tokens


def gpu_hours(flops: float, peak_flops: float, mfu: float) -> float:
    """Hours of one GPU to perform ``flops`` at ``mfu`` (model FLOPs utilisation, the
    fraction of the peak actually achieved, in (0, 1]) of ``peak_flops`` (FLOP/s)."""
    _check_positive("gpu_hours", peak_flops=peak_flops, mfu=mfu)
    if mfu > 1:
        raise ValueError(f"gpu_hours: mfu must be in (0, 1], got {mfu!r}")
    if isinstance(flops, bool) or not isinstance(flops, Real) or flops < 0:
        raise ValueError(f"gpu_hours: flops must be a number >= 0, got {flops!r}")
    return flops / (peak_flops * mfu) / 3600.0

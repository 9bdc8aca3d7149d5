"""Total and active parameter counts of a ``ModelConfig``, part by part.

Per block (d = d_model, H = n_heads):

- attention, "mha"/"gqa": W_q (d, H*head_dim), W_k and W_v (d, n_kv_heads*head_dim) each,
  W_o (H*head_dim, d);
- attention, "mla": queries d -> q_lora_rank -> H*(qk_nope + qk_rope) (or d -> H*(...)
  directly when q_lora_rank = 0); keys/values d -> kv_lora_rank + qk_rope (the latent plus
  ONE decoupled RoPE key shared by all heads), then kv_lora_rank -> H*(qk_nope + v);
  W_o (H*v, d). The two low-rank latents are normalised (q_lora_rank + kv_lora_rank norm
  weights, counted under "norms");
- two norms (three in a block with cross-attention); one final norm per stack;
- dense FFN: dense_matrices * d * d_ff_dense;
- MoE FFN: router d * n_routed (+ n_routed routing biases if router_bias), routed experts
  n_routed * ffn_matrices * d * d_expert, shared experts n_shared * ffn_matrices * d * d_expert.

Embedding vocab * d, plus the same again for the output projection unless tied.
"Active" is what one token touches: everything except the routed experts, of which only
top_k of n_routed count.
"""

from dataclasses import dataclass

from tinymoe.scale.config import ModelConfig

PARTS = ("embedding", "unembedding", "attention", "norms", "dense_ffn", "router",
         "shared_experts", "routed_experts")


@dataclass(frozen=True)
class Params:
    """Parameter counts (numbers of scalars, ints).

    total: every parameter. active: those one token uses in a forward pass (the whole
    embedding table counted, as most model cards do). by_part, active_by_part: the same
    split over ``PARTS`` (each dict sums to its total). active_matmul: ``active`` without
    the input embedding table when it is not tied (reading one row is a lookup, not a
    multiply): the N of "forward FLOPs ~ 2 N per token", and the convention under which
    every shipped model's published active count is matched within 2%.
    """

    total: int
    active: int
    by_part: dict
    active_by_part: dict
    active_matmul: int


def attention_params(cfg: ModelConfig) -> int:
    """Weights of ONE attention (self- or cross-) in one block, norms excluded."""
    d, h = cfg.d_model, cfg.n_heads
    if cfg.attention in ("mha", "gqa"):
        q_and_o = 2 * d * h * cfg.head_dim
        k_and_v = 2 * d * cfg.n_kv_heads * cfg.head_dim
        return q_and_o + k_and_v
    qk_head = cfg.qk_nope_head_dim + cfg.qk_rope_head_dim
    if cfg.q_lora_rank:
        query = d * cfg.q_lora_rank + cfg.q_lora_rank * h * qk_head
    else:
        query = d * h * qk_head
    key_value = (d * (cfg.kv_lora_rank + cfg.qk_rope_head_dim)
                 + cfg.kv_lora_rank * h * (cfg.qk_nope_head_dim + cfg.v_head_dim))
    output = h * cfg.v_head_dim * cfg.d_model
    return query + key_value + output


def norm_params(cfg: ModelConfig) -> int:
    """Norm weights of the whole model: 2 per block, 1 more per cross-attention block, the
    MLA latents' norms, and a final norm per stack (2 for an encoder-decoder)."""
    d = cfg.d_model
    latents = cfg.q_lora_rank + cfg.kv_lora_rank if cfg.attention == "mla" else 0
    stacks = 2 if cfg.n_cross_attn_layers else 1
    blocks = cfg.n_layers * (2 * d + latents)
    cross_attention = cfg.n_cross_attn_layers * (d + latents)  # its own norm and latents
    return blocks + cross_attention + stacks * d


def count_params(cfg: ModelConfig) -> Params:
    """Total and active parameters of ``cfg`` (see the module docstring for every term)."""
    d = cfg.d_model
    n_moe = cfg.n_moe_layers
    one_expert = cfg.ffn_matrices * d * cfg.d_expert
    by_part = {
        "embedding": cfg.vocab_size * d,
        "unembedding": 0 if cfg.tied_embeddings else cfg.vocab_size * d,
        "attention": (cfg.n_layers + cfg.n_cross_attn_layers) * attention_params(cfg),
        "norms": norm_params(cfg),
        "dense_ffn": cfg.n_dense_layers_total * cfg.dense_matrices * d * cfg.d_ff_dense,
        "router": n_moe * cfg.n_routed_experts * (d + int(cfg.router_bias)),
        "shared_experts": n_moe * cfg.n_shared_experts * one_expert,
        "routed_experts": n_moe * cfg.n_routed_experts * one_expert,
    }
    active_by_part = dict(by_part, routed_experts=n_moe * cfg.top_k * one_expert)
    active = sum(active_by_part.values())
    lookup_only = 0 if cfg.tied_embeddings else by_part["embedding"]
    return Params(total=sum(by_part.values()), active=active, by_part=by_part,
                  active_by_part=active_by_part, active_matmul=active - lookup_only)

"""alternative 13.1: a dict of parts per block kind, summed; active replaces the routed part."""


def count_params(cfg):
    d, h = cfg.d_model, cfg.n_heads
    if cfg.attention in ("mha", "gqa"):
        attn = d * cfg.head_dim * h * 2 + d * cfg.head_dim * cfg.n_kv_heads * 2
    else:
        rope, nope, v = cfg.qk_rope_head_dim, cfg.qk_nope_head_dim, cfg.v_head_dim
        q_in = cfg.q_lora_rank or d
        attn = (d * cfg.q_lora_rank if cfg.q_lora_rank else 0) + q_in * h * (nope + rope)
        attn += d * cfg.kv_lora_rank + d * rope + cfg.kv_lora_rank * h * (nope + v) + h * v * d
    one = cfg.ffn_matrices * d * cfg.d_expert
    parts = {
        "tables": cfg.vocab_size * d + (0 if cfg.tied_embeddings else cfg.vocab_size * d),
        "attn": attn * cfg.n_layers + attn * cfg.n_cross_attn_layers,
        "dense": cfg.n_dense_layers_total * cfg.dense_matrices * cfg.d_ff_dense * d,
        "router": cfg.n_moe_layers * cfg.n_routed_experts * d,
        "shared": cfg.n_moe_layers * cfg.n_shared_experts * one,
        "routed": cfg.n_moe_layers * cfg.n_routed_experts * one,
    }
    total = sum(parts.values())
    return total, total - parts["routed"] + cfg.n_moe_layers * cfg.top_k * one

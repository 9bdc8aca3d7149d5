"""mutant 13.1: MLA's key/value down-projection d * kv_lora_rank, without the shared RoPE key."""


def count_params(cfg):
    d, heads = cfg.d_model, cfg.n_heads
    if cfg.attention == "mla":
        qk_head = cfg.qk_nope_head_dim + cfg.qk_rope_head_dim
        query = (d * cfg.q_lora_rank + cfg.q_lora_rank * heads * qk_head if cfg.q_lora_rank
                 else d * heads * qk_head)
        key_value = (d * cfg.kv_lora_rank
                     + cfg.kv_lora_rank * heads * (cfg.qk_nope_head_dim + cfg.v_head_dim))
        attention = query + key_value + heads * cfg.v_head_dim * d
    else:
        attention = 2 * d * cfg.head_dim * (heads + cfg.n_kv_heads)
    expert = cfg.ffn_matrices * d * cfg.d_expert
    always = (cfg.vocab_size * d * (1 if cfg.tied_embeddings else 2)
              + (cfg.n_layers + cfg.n_cross_attn_layers) * attention
              + cfg.n_dense_layers_total * cfg.dense_matrices * d * cfg.d_ff_dense
              + cfg.n_moe_layers * (d * cfg.n_routed_experts + cfg.n_shared_experts * expert))
    total = always + cfg.n_moe_layers * cfg.n_routed_experts * expert
    active = always + cfg.n_moe_layers * cfg.top_k * expert
    return int(total), int(active)

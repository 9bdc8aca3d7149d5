"""alternative 13.2: total minus the inactive experts; 4 * H * head_dim for mha/gqa."""


def flops_per_token(cfg, seq_len):
    total, _ = count_params(cfg)
    inactive = cfg.n_moe_layers * (cfg.n_routed_experts - cfg.top_k) * (
        cfg.ffn_matrices * cfg.d_model * cfg.d_expert)
    weights = total - inactive - (not cfg.tied_embeddings) * cfg.vocab_size * cfg.d_model
    if cfg.attention == "mla":
        per_head = cfg.qk_nope_head_dim + cfg.qk_rope_head_dim + cfg.v_head_dim
        attention = 2 * cfg.n_layers * cfg.n_heads * per_head * seq_len
    else:
        attention = 4 * cfg.n_layers * cfg.n_heads * cfg.head_dim * seq_len
    return 2 * weights, attention

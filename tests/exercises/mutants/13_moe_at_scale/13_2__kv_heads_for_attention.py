"""mutant 13.2: attention products with n_kv_heads heads (GQA's sharing taken as saving work)."""


def flops_per_token(cfg, seq_len):
    _, active = count_params(cfg)
    lookup = 0 if cfg.tied_embeddings else cfg.vocab_size * cfg.d_model
    if cfg.attention == "mla":
        d_qk, d_v = cfg.qk_nope_head_dim + cfg.qk_rope_head_dim, cfg.v_head_dim
    else:
        d_qk = d_v = cfg.head_dim
    heads = cfg.n_kv_heads if cfg.attention == "gqa" else cfg.n_heads
    attention = cfg.n_layers * 2 * heads * (d_qk + d_v) * seq_len
    return 2 * (active - lookup), attention

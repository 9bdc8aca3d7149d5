"""mutant 13.2: attention FLOPs per token grow with seq_len**2 (the whole sequence's cost)."""


def flops_per_token(cfg, seq_len):
    _, active = count_params(cfg)
    lookup = 0 if cfg.tied_embeddings else cfg.vocab_size * cfg.d_model
    if cfg.attention == "mla":
        d_qk, d_v = cfg.qk_nope_head_dim + cfg.qk_rope_head_dim, cfg.v_head_dim
    else:
        d_qk = d_v = cfg.head_dim
    attention = cfg.n_layers * 2 * cfg.n_heads * (d_qk + d_v) * seq_len ** 2
    return 2 * (active - lookup), attention

"""mutant 13.2: the input embedding lookup counted as a matmul (2 * active)."""


def flops_per_token(cfg, seq_len):
    _, active = count_params(cfg)
    lookup = 0
    if cfg.attention == "mla":
        d_qk, d_v = cfg.qk_nope_head_dim + cfg.qk_rope_head_dim, cfg.v_head_dim
    else:
        d_qk = d_v = cfg.head_dim
    attention = cfg.n_layers * 2 * cfg.n_heads * (d_qk + d_v) * seq_len
    return 2 * (active - lookup), attention

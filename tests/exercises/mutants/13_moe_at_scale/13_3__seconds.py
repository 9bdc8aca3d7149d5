"""mutant 13.3: GPU-seconds returned as hours (no / 3600)."""


def training_cost(forward_flops_per_token, n_tokens, peak_flops, mfu):
    if not 0 < mfu <= 1:
        raise ValueError(f"training_cost: mfu must be in (0, 1], got {mfu}")
    train_flops = 3 * forward_flops_per_token * n_tokens
    return train_flops, train_flops / (peak_flops * mfu)

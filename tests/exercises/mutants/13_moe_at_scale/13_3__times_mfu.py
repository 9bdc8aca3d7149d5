"""mutant 13.3: the FLOPs multiplied by the MFU instead of divided by it."""


def training_cost(forward_flops_per_token, n_tokens, peak_flops, mfu):
    if not 0 < mfu <= 1:
        raise ValueError(f"training_cost: mfu must be in (0, 1], got {mfu}")
    train_flops = 3 * forward_flops_per_token * n_tokens
    return train_flops, train_flops * mfu / peak_flops / 3600

"""mutant 13.3: training counted as 2 forwards per token (4ND): a backward as cheap as a forward."""


def training_cost(forward_flops_per_token, n_tokens, peak_flops, mfu):
    if not 0 < mfu <= 1:
        raise ValueError(f"training_cost: mfu must be in (0, 1], got {mfu}")
    train_flops = 2 * forward_flops_per_token * n_tokens
    return train_flops, train_flops / (peak_flops * mfu) / 3600

"""mutant 13.3: no check of mfu: 0 divides by zero, 1.5 gives an impossible speed."""


def training_cost(forward_flops_per_token, n_tokens, peak_flops, mfu):
    train_flops = 3 * forward_flops_per_token * n_tokens
    return train_flops, train_flops / (peak_flops * max(mfu, 1e-12)) / 3600

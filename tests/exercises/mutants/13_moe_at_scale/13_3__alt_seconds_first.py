"""alternative 13.3: per-GPU throughput first, seconds, then hours; assert-free validation."""


def training_cost(forward_flops_per_token, n_tokens, peak_flops, mfu):
    if mfu <= 0 or mfu > 1:
        raise ValueError(f"mfu={mfu} is outside (0, 1]")
    achieved = peak_flops * mfu
    flops = forward_flops_per_token * n_tokens * 3.0
    seconds = flops / achieved
    return flops, seconds / 60 / 60

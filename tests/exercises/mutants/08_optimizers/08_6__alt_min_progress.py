"""alternative 08.6: clamps progress to [0, 1] with min() instead of a separate branch."""

import math


def warmup_cosine_lr(step, warmup_steps, total_steps, lr_max, lr_min=0.0):
    if warmup_steps < 0 or warmup_steps >= total_steps:
        raise ValueError(f"warmup_cosine_lr: bad warmup_steps={warmup_steps}, "
                         f"total_steps={total_steps}")
    if step < warmup_steps:
        return lr_max * step / warmup_steps
    progress = min(1.0, (step - warmup_steps) / (total_steps - warmup_steps))
    return lr_min + (lr_max - lr_min) * (1 + math.cos(math.pi * progress)) / 2

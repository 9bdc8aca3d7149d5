"""mutant 08.6: no clamp after total_steps: the cosine climbs back up."""

import math


def warmup_cosine_lr(step, warmup_steps, total_steps, lr_max, lr_min=0.0):
    if not 0 <= warmup_steps < total_steps:
        raise ValueError("warmup_cosine_lr: need 0 <= warmup_steps < total_steps")
    if step < warmup_steps:
        return float(lr_max * step / warmup_steps)
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    return lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * progress))

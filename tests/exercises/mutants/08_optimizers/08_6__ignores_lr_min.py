"""mutant 08.6: the cosine decays to 0 and then jumps to lr_min after total_steps."""

import math


def warmup_cosine_lr(step, warmup_steps, total_steps, lr_max, lr_min=0.0):
    if not 0 <= warmup_steps < total_steps:
        raise ValueError("warmup_cosine_lr: need 0 <= warmup_steps < total_steps")
    if step < warmup_steps:
        return float(lr_max * step / warmup_steps)
    if step > total_steps:
        return float(lr_min)
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    return 0.5 * lr_max * (1 + math.cos(math.pi * progress))

"""mutant 08.6: cosine progress = step / total_steps, not measured from the end of warm-up."""

import numpy as np


def warmup_cosine_lr(step, warmup_steps, total_steps, lr_max, lr_min=0.0):
    if not 0 <= warmup_steps < total_steps:
        raise ValueError("warmup_cosine_lr: need 0 <= warmup_steps < total_steps")
    if step < warmup_steps:
        return float(lr_max * step / warmup_steps)
    if step > total_steps:
        return float(lr_min)
    progress = step / total_steps
    return float(lr_min + 0.5 * (lr_max - lr_min) * (1 + np.cos(np.pi * progress)))

"""mutant 08.6: warm-up as lr_max * (step + 1) / warmup_steps, so step 0 is not 0."""

import numpy as np


def warmup_cosine_lr(step, warmup_steps, total_steps, lr_max, lr_min=0.0):
    if not 0 <= warmup_steps < total_steps:
        raise ValueError("warmup_cosine_lr: need 0 <= warmup_steps < total_steps")
    if step < warmup_steps:
        return float(lr_max * (step + 1) / warmup_steps)
    if step > total_steps:
        return float(lr_min)
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    return float(lr_min + 0.5 * (lr_max - lr_min) * (1 + np.cos(np.pi * progress)))

"""mutant 08.6: decays linearly from lr_max to lr_min instead of along a cosine."""


def warmup_cosine_lr(step, warmup_steps, total_steps, lr_max, lr_min=0.0):
    if not 0 <= warmup_steps < total_steps:
        raise ValueError("warmup_cosine_lr: need 0 <= warmup_steps < total_steps")
    if step < warmup_steps:
        return float(lr_max * step / warmup_steps)
    if step > total_steps:
        return float(lr_min)
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    return float(lr_max - (lr_max - lr_min) * progress)

"""Cosine learning-rate schedule with linear warm-up

Write `warmup_cosine_lr(step, warmup_steps, total_steps, lr_max, lr_min=0.0)`, the learning
rate at training step `step` (0-based), as a Python float:

    step < warmup_steps:             lr_max * step / warmup_steps          (0 at step 0)
    warmup_steps <= step <= total_steps:
        progress = (step - warmup_steps) / (total_steps - warmup_steps)    # 0 -> 1
        lr_min + (lr_max - lr_min) * (1 + cos(pi * progress)) / 2
    step > total_steps:              lr_min

Raise `ValueError` (with a message giving both values) unless
`0 <= warmup_steps < total_steps`. `warmup_steps = 0` means no warm-up.

Worked example: `warmup_cosine_lr(5, 10, 110, 1.0) = 0.5` (half-way through warm-up),
`(10, 10, 110, 1.0) = 1.0` (the peak), `(60, 10, 110, 1.0) = 0.5` (half-way through the
decay), `(110, 10, 110, 1.0) = 0.0` and `(500, 10, 110, 1.0, 0.1) = 0.1`.

Constraints: Python `math` (or NumPy); no division by zero for `warmup_steps = 0`.
"""

import math

LEVEL = "easy"
TOPICS = ("schedules", "training")
MINUTES = 10
KIND = "implement"


def warmup_cosine_lr(step, warmup_steps, total_steps, lr_max, lr_min=0.0):
    """Learning rate at 0-based `step`: linear warm-up to lr_max, cosine decay to lr_min."""
    # BEGIN SOLUTION
    if not 0 <= warmup_steps < total_steps:
        raise ValueError(f"warmup_cosine_lr: need 0 <= warmup_steps < total_steps, got "
                         f"warmup_steps={warmup_steps}, total_steps={total_steps}")
    if step < warmup_steps:
        return lr_max * step / warmup_steps
    if step > total_steps:
        return float(lr_min)
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    return lr_min + (lr_max - lr_min) * (1.0 + math.cos(math.pi * progress)) / 2.0
    # END SOLUTION

"""mutant 14.6: tinymoe.moe.update_bias(model) is never called (DeepSeek's bias is frozen)."""

import numpy as np

from tinymoe.nn import functional as F


def train_step(model, optimizer, x, y):
    logits = model(x)
    task = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), np.asarray(y).reshape(-1))
    aux = model.aux_loss()
    optimizer.zero_grad()
    (task + aux).backward()
    optimizer.step()
    return task.item(), aux.item()

"""mutant 14.6: returns the total loss (task + aux) as the task loss."""

import numpy as np

from tinymoe.moe import update_bias
from tinymoe.nn import functional as F


def train_step(model, optimizer, x, y):
    logits = model(x)
    task = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), np.asarray(y).reshape(-1))
    aux = model.aux_loss()
    total = task + aux
    optimizer.zero_grad()
    total.backward()
    optimizer.step()
    update_bias(model)
    return total.item(), aux.item()

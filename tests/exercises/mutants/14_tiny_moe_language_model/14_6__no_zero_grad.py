"""mutant 14.6: optimizer.zero_grad() is never called: gradients pile up across steps."""

import numpy as np

from tinymoe.moe import update_bias
from tinymoe.nn import functional as F


def train_step(model, optimizer, x, y):
    logits = model(x)
    task = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), np.asarray(y).reshape(-1))
    aux = model.aux_loss()
    (task + aux).backward()
    optimizer.step()
    update_bias(model)
    return task.item(), aux.item()

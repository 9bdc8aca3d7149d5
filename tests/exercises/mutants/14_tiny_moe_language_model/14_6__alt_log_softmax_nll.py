"""alternative 14.6: log_softmax + nll_loss, model.zero_grad(), the aux loss added first."""

import numpy as np

import tinymoe as tm
from tinymoe.nn import functional as F


def train_step(model, optimizer, x, y):
    model.zero_grad()
    logits = model(x)
    vocab = logits.shape[-1]
    aux = model.aux_loss()
    task = F.nll_loss(F.log_softmax(logits.reshape(-1, vocab), dim=-1), np.asarray(y).ravel())
    (aux + task).backward()
    optimizer.step()
    tm.moe.update_bias(model)
    return float(task.item()), float(aux.item())

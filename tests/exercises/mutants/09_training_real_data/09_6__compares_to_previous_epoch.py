"""mutant 09.6: compares each loss with the PREVIOUS epoch's loss, not with the best so far."""

import numpy as np


def early_stopping_epoch(val_losses, patience, min_delta=0.0):
    prev, best_loss, best_epoch, waited = np.inf, np.inf, 0, 0
    for epoch, loss in enumerate(val_losses):
        if loss < prev - min_delta:
            waited = 0
            if loss < best_loss:
                best_loss, best_epoch = loss, epoch
        else:
            waited += 1
            if waited >= patience:
                return best_epoch, epoch
        prev = loss
    return best_epoch, len(val_losses) - 1

"""mutant 09.6: when it never stops, returns len(val_losses) (one past the last epoch)."""

import numpy as np


def early_stopping_epoch(val_losses, patience, min_delta=0.0):
    best_loss, best_epoch, waited = np.inf, 0, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best_loss - min_delta:
            best_loss, best_epoch, waited = loss, epoch, 0
        else:
            waited += 1
            if waited >= patience:
                return best_epoch, epoch
    return best_epoch, len(val_losses)

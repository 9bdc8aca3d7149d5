"""alternative 09.6: tracks the index of the last improvement and compares distances."""


def early_stopping_epoch(val_losses, patience, min_delta=0.0):
    best, last_improved = None, 0
    for epoch, loss in enumerate(val_losses):
        if best is None or loss < best - min_delta:
            best, last_improved = loss, epoch
        elif epoch - last_improved >= patience:
            return last_improved, epoch
    return last_improved, len(val_losses) - 1

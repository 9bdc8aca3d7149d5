"""mutant 09.2: never calls optimizer.zero_grad(), so gradients pile up across batches."""

from tinymoe.nn import functional as F


def train_one_epoch(model, loader, optimizer, progress=False):
    model.train()
    total, count = 0.0, 0
    for xb, yb in loader:
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()
        total += loss.item() * yb.shape[0]
        count += yb.shape[0]
    return total / count

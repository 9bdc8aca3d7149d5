"""mutant 09.2: accumulates the loss Tensors (keeping every graph alive) and returns a Tensor,
not a float."""

from tinymoe.nn import functional as F


def train_one_epoch(model, loader, optimizer, progress=False):
    model.train()
    total, count = 0.0, 0
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()
        total = total + loss * yb.shape[0]
        count += yb.shape[0]
    return total / count

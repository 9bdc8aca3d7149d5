"""mutant 09.2: never calls model.train(), so a model left in eval mode trains without dropout."""

from tinymoe.nn import functional as F


def train_one_epoch(model, loader, optimizer, progress=False):
    total, count = 0.0, 0
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()
        total += loss.item() * yb.shape[0]
        count += yb.shape[0]
    return total / count

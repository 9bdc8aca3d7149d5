"""mutant 09.3: no tm.no_grad(): every forward pass records a graph nobody will use."""

from tinymoe.nn import functional as F


def evaluate(model, loader):
    was_training = model.training
    model.eval()
    total, correct, count = 0.0, 0, 0
    for xb, yb in loader:
        logits = model(xb)
        total += F.cross_entropy(logits, yb).item() * yb.shape[0]
        correct += int((logits.data.argmax(axis=1) == yb.data).sum())
        count += yb.shape[0]
    model.train(was_training)
    return total / count, correct / count

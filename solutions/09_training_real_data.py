"""Lesson 09: training on real data, the shipped 8x8 digits (`tinymoe.data.load_digits`).

The pieces of an honest training pipeline: preprocessing fitted on the training set only,
one epoch of mini-batch training, evaluation without a graph, a confusion matrix,
per-class precision / recall / F1, and early stopping on the validation loss.

Conventions: a model maps a batch x (B, D) to logits (B, C); a loader (e.g.
`tinymoe.data.DataLoader(TensorDataset(x, y), batch_size=32)`) yields (xb, yb) Tensors with
xb (B, D) float and yb (B,) int64 class indices in 0..C-1. Losses are softmax cross-entropy
(`tinymoe.nn.functional.cross_entropy`, the mean over the batch).
"""

import numpy as np
from tqdm.auto import tqdm

import tinymoe as tm
from tinymoe.nn import functional as F


def standardize_fit_transform(x_train, *others):
    """Standardize features with statistics from the TRAINING set only.

    x_train: (N, D); others: any number of (N_i, D) arrays (validation, test).
    Compute mean and (population) std of every feature (column) of x_train; a feature whose
    std is 0 (a pixel that is always blank) gets std 1, so it maps to 0 instead of NaN.
    Apply (x - mean) / std to x_train AND to every array in others with those same numbers.
    Returns a tuple (x_train_scaled, *others_scaled) of NEW float32 arrays; the inputs are
    not modified.

    Example: standardize_fit_transform(np.array([[0.], [2.]]), np.array([[4.]]))
        -> (array([[-1.], [1.]]), array([[3.]]))   (test uses train's mean 1 and std 1)
    """
    # BEGIN SOLUTION 09.1: fit mean/std per feature on x_train, apply them to every array
    x_train = np.asarray(x_train, dtype=np.float64)
    mean = x_train.mean(axis=0)
    std = x_train.std(axis=0)
    std = np.where(std == 0, 1.0, std)
    return tuple(
        ((np.asarray(x, dtype=np.float64) - mean) / std).astype(np.float32)
        for x in (x_train, *others)
    )
    # END SOLUTION


def train_one_epoch(model, loader, optimizer, progress=False):
    """One pass over `loader`, updating `model` in place; returns the epoch's mean loss (a
    Python float).

    For each batch (xb, yb): clear the old gradients (optimizer.zero_grad()), compute
    logits = model(xb) (B, C) and loss = F.cross_entropy(logits, yb), loss.backward(),
    optimizer.step(). Put the model in training mode first (model.train()).
    Returns the mean loss per SAMPLE: sum over batches of loss * B, divided by the number of
    samples (the last batch may be smaller). progress=True wraps the loader in a tqdm bar.

    Example: a model that already predicts perfectly returns a loss close to 0.
    """
    # BEGIN SOLUTION 09.2: zero_grad, forward, cross-entropy, backward, step; sample-weighted loss
    model.train()
    total, count = 0.0, 0
    for xb, yb in tqdm(loader, disable=not progress, leave=False, desc="train"):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()
        total += loss.item() * yb.shape[0]
        count += yb.shape[0]
    return total / count
    # END SOLUTION


def evaluate(model, loader):
    """Mean loss per sample and accuracy of `model` over `loader`, without training it.

    Switch the model to evaluation mode (model.eval(): dropout off) and record no graph
    (`with tm.no_grad():`); afterwards restore the mode it had (model.train(was_training)).
    Returns (mean cross-entropy per sample, fraction of samples whose argmax logit is yb),
    both floats.

    Example: a model whose logits are all equal over C classes has loss log(C).
    """
    # BEGIN SOLUTION 09.3: eval mode + no_grad; sample-weighted loss and accuracy; restore mode
    was_training = model.training
    model.eval()
    total, correct, count = 0.0, 0, 0
    with tm.no_grad():
        for xb, yb in loader:
            logits = model(xb)
            n = yb.shape[0]
            total += F.cross_entropy(logits, yb).item() * n
            correct += int((logits.data.argmax(axis=1) == yb.data).sum())
            count += n
    model.train(was_training)
    return total / count, correct / count
    # END SOLUTION


def confusion_matrix(y_true, y_pred, num_classes):
    """Counts of (true class, predicted class) pairs.

    y_true, y_pred: (N,) int class indices in 0..num_classes-1 (arrays or lists). Returns an
    int64 array (num_classes, num_classes) whose entry [t, p] counts samples of true class t
    predicted as p: rows are the truth, columns the prediction, the diagonal the correct ones.

    Example: confusion_matrix([0, 1, 1], [0, 0, 1], 2) -> array([[1, 0], [1, 1]])
    """
    # BEGIN SOLUTION 09.4: count each (true, predicted) pair; rows = truth, columns = prediction
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(cm, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return cm
    # END SOLUTION


def precision_recall_f1(cm):
    """Per-class precision, recall and F1 from a confusion matrix cm (C, C) (rows = truth).

    For class c: TP = cm[c, c]; precision = TP / (column c's sum: all predicted c);
    recall = TP / (row c's sum: all truly c); F1 = 2 P R / (P + R) = 2 TP / (2 TP + FP + FN).
    A 0 / 0 (a class never predicted, or never present) counts as 0, without a warning.
    Only ratios matter: cm scaled by any positive number (e.g. normalised to fractions that
    sum to 1) gives the same results. Returns three float64 arrays of shape (C,).

    Example: precision_recall_f1(np.array([[1, 0], [1, 1]]))
        -> (array([0.5, 1. ]), array([1. , 0.5]), array([0.667, 0.667]))
    """
    # BEGIN SOLUTION 09.5: TP on the diagonal, divide by column / row sums, 0/0 -> 0
    cm = np.asarray(cm, dtype=np.float64)
    tp = np.diag(cm)
    predicted, actual = cm.sum(axis=0), cm.sum(axis=1)

    def ratio(num, den):
        return np.divide(num, den, out=np.zeros_like(num), where=den > 0)

    return ratio(tp, predicted), ratio(tp, actual), ratio(2 * tp, predicted + actual)
    # END SOLUTION


def f1_macro(y_true, y_pred, num_classes):
    """Macro-averaged F1: the plain mean of the per-class F1 scores (every class counts the
    same, however rare). Built from exercises 09.4 and 09.5."""
    return float(precision_recall_f1(confusion_matrix(y_true, y_pred, num_classes))[2].mean())


def early_stopping_epoch(val_losses, patience, min_delta=0.0):
    """Replay early stopping on a list of per-epoch validation losses.

    An epoch IMPROVES if its loss is below the best loss so far minus min_delta (the first
    epoch always improves). Training stops at the first epoch that ends `patience`
    consecutive epochs without improvement; if that never happens it runs to the end.
    Returns (best_epoch, stop_epoch), 0-based: the last improving epoch up to the stop (the
    weights to restore), and the epoch after which training stops.

    Example: early_stopping_epoch([3.0, 2.0, 2.5, 2.4, 2.6], patience=2) -> (1, 3)
    """
    # BEGIN SOLUTION 09.6: track the best loss and the epochs waited since; stop at patience
    best_loss, best_epoch, waited = np.inf, 0, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best_loss - min_delta:
            best_loss, best_epoch, waited = loss, epoch, 0
        else:
            waited += 1
            if waited >= patience:
                return best_epoch, epoch
    return best_epoch, len(val_losses) - 1
    # END SOLUTION

# Exercises for lesson 09: replace each `raise NotImplementedError(...)` with your code.
# Generated from solutions/09_training_real_data.py by `tinymoe stubs`; `tinymoe reset NN.M` restores a stub.
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
    raise NotImplementedError(
        "exercise 09.1: fit mean/std per feature on x_train, apply them to every array"
    )


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
    raise NotImplementedError(
        "exercise 09.2: zero_grad, forward, cross-entropy, backward, step; sample-weighted loss"
    )


def evaluate(model, loader):
    """Mean loss per sample and accuracy of `model` over `loader`, without training it.

    Switch the model to evaluation mode (model.eval(): dropout off) and record no graph
    (`with tm.no_grad():`); afterwards restore the mode it had (model.train(was_training)).
    Returns (mean cross-entropy per sample, fraction of samples whose argmax logit is yb),
    both floats.

    Example: a model whose logits are all equal over C classes has loss log(C).
    """
    raise NotImplementedError(
        "exercise 09.3: eval mode + no_grad; sample-weighted loss and accuracy; restore mode"
    )


def confusion_matrix(y_true, y_pred, num_classes):
    """Counts of (true class, predicted class) pairs.

    y_true, y_pred: (N,) int class indices in 0..num_classes-1 (arrays or lists). Returns an
    int64 array (num_classes, num_classes) whose entry [t, p] counts samples of true class t
    predicted as p: rows are the truth, columns the prediction, the diagonal the correct ones.

    Example: confusion_matrix([0, 1, 1], [0, 0, 1], 2) -> array([[1, 0], [1, 1]])
    """
    raise NotImplementedError(
        "exercise 09.4: count each (true, predicted) pair; rows = truth, columns = prediction"
    )


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
    raise NotImplementedError(
        "exercise 09.5: TP on the diagonal, divide by column / row sums, 0/0 -> 0"
    )


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
    raise NotImplementedError(
        "exercise 09.6: track the best loss and the epochs waited since; stop at patience"
    )

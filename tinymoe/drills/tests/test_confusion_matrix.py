"""Hidden tests for the drill confusion_matrix. Oracle: tinymoe.metrics.confusion_matrix
and the matrix's invariants (row sums = class counts, total = n, trace = correct)."""

import numpy as np

from tinymoe import metrics
from tinymoe.grading.feedback import diagnose


def _check(drill, t, p, c):
    got = np.asarray(drill.confusion_matrix(t, p, c))
    want = metrics.confusion_matrix(t, p, num_classes=c)
    assert got.shape == (c, c), f"shape {got.shape}; expected ({c}, {c}) for {c} classes"
    assert np.issubdtype(got.dtype, np.integer), f"dtype {got.dtype}: counts must be integers"
    if not np.array_equal(got, want):
        message = diagnose(got, want, {
            "each (true, predicted) pair is counted at most once (cm[t, p] += 1 with repeated "
            "index pairs adds 1 once per distinct pair)": (want > 0).astype(np.int64),
            "rows and columns swapped: cm[t, p] must count true class t predicted as p": want.T,
        }, generic="counts differ from the true confusion matrix")
        raise AssertionError(message)


def test_random_labels_many_classes(drill):
    rng = np.random.default_rng(1601)
    for _ in range(5):
        c = int(rng.integers(2, 9))
        n = int(rng.integers(50, 400))
        t = rng.integers(0, c, n)
        p = np.where(rng.random(n) < 0.6, t, rng.integers(0, c, n))
        _check(drill, t, p, c)


def test_invariants_and_unused_classes(drill):
    rng = np.random.default_rng(1602)
    c = 6
    t = rng.integers(0, 3, 200)          # classes 3..5 never occur
    p = rng.choice([0, 2, 4], 200)       # classes 1, 3, 5 never predicted
    cm = np.asarray(drill.confusion_matrix(t, p, c))
    assert cm.shape == (c, c), f"shape {cm.shape}; expected ({c}, {c}) (num_classes rows even "\
        "for classes that never occur)"
    assert cm.sum() == len(t), f"the counts sum to {cm.sum()}, not to the {len(t)} samples"
    assert np.array_equal(cm.sum(axis=1), np.bincount(t, minlength=c)), (
        "row sums are not the true class counts: rows must be the true class")
    assert np.trace(cm) == np.sum(t == p), "the diagonal does not count the correct predictions"
    _check(drill, t, p, c)


def test_worked_example_and_one_sample(drill):
    _check(drill, np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 2, 0]), 4)
    _check(drill, np.array([1]), np.array([0]), 2)

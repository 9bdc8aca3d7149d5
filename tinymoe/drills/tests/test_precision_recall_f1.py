"""Hidden tests for the drill precision_recall_f1. Oracle: tinymoe.metrics (scikit-learn's
definitions, zero_division=0) and the worked example of the statement."""

import warnings

import numpy as np

from tinymoe import metrics
from tinymoe.grading.feedback import assert_close, diagnose


def _want(t, p, c):
    labels = np.arange(c)
    return [f(t, p, average=None, labels=labels) for f in
            (metrics.precision, metrics.recall, metrics.f1_score)]


def _check(drill, t, p, c):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with np.errstate(divide="raise", invalid="raise"):
            got = drill.precision_recall_f1(t, p, c)
    prec, rec, f1 = _want(t, p, c)
    for name, g, w, swapped in (("precision", got[0], prec, rec), ("recall", got[1], rec, prec)):
        if not (np.shape(g) == w.shape and np.allclose(g, w, atol=1e-12)):
            raise AssertionError(diagnose(np.asarray(g, float), w, {
                f"{name} looks like the other metric: {name} divides TP by the number of "
                "samples " + ("predicted c" if name == "precision" else "truly c"): swapped,
            }, generic=f"{name} per class is wrong (expected {np.round(w, 4).tolist()})"))
    assert_close(got[2], f1, atol=1e-12,
                 err_msg=f"f1 per class is wrong (expected {np.round(f1, 4).tolist()})")


def test_worked_example(drill):
    t, p = np.array([0, 0, 0, 1, 1, 2]), np.array([0, 0, 1, 1, 1, 1])
    _check(drill, t, p, 3)
    assert_close(drill.macro_f1(t, p, 3), (0.8 + 2 / 3) / 3, rtol=1e-12,
                 err_msg="macro_f1 of the worked example is not (0.8 + 2/3 + 0) / 3")


def test_random_labels(drill):
    rng = np.random.default_rng(1611)
    for _ in range(6):
        c = int(rng.integers(2, 8))
        n = int(rng.integers(20, 300))
        t = rng.integers(0, c, n)
        p = np.where(rng.random(n) < 0.5, t, rng.integers(0, c, n))
        _check(drill, t, p, c)
        assert_close(drill.macro_f1(t, p, c), metrics.f1_score(t, p, average="macro"),
                     rtol=1e-12, err_msg="macro_f1 differs from the mean of the per-class F1")


def test_classes_never_predicted_or_absent(drill):
    # class 1 never predicted, class 3 never occurs but is predicted, class 4 in neither
    rng = np.random.default_rng(1612)
    t = rng.choice([0, 1, 2], 100)
    p = np.where(t == 1, 0, t)
    p[rng.integers(0, 100, 10)] = 3
    _check(drill, t, p, 5)
    want = metrics.f1_score(t, p, average="macro")  # over the labels seen: 0, 1, 2, 3
    got = drill.macro_f1(t, p, 5)
    if not np.isclose(got, want, rtol=1e-12):
        hint = ("macro_f1 averages over all num_classes, including a class in neither "
                "y_true nor y_pred" if np.isclose(got, want * 4 / 5) else
                f"macro_f1 is {got:.6g}, expected {want:.6g}")
        raise AssertionError(hint)

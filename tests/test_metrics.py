"""Metrics against hand-computed cases (and scikit-learn's documented report, verbatim)."""

import warnings

import numpy as np
import pytest

import tinymoe as tm
from tinymoe import metrics as M

# Binary case: TP = 2 (positions 0, 2), FP = 1 (3), FN = 2 (1, 7), TN = 3.
BIN_TRUE = [1, 1, 1, 0, 0, 0, 0, 1]
BIN_PRED = [1, 0, 1, 1, 0, 0, 0, 0]

# Three classes; class 2 occurs 3 times but is never predicted.
#   class 0: predicted at 0,4,5,7 (4), true at 0,1,7 (3), TP 2 -> P 1/2, R 2/3, F1 4/7
#   class 1: predicted at 1,2,3,6 (4), true at 2,3 (2),   TP 2 -> P 1/2, R 1,   F1 2/3
#   class 2: predicted nowhere (0),    true at 4,5,6 (3), TP 0 -> P 0 (zero_division), R 0, F1 0
MC_TRUE = np.array([0, 0, 1, 1, 2, 2, 2, 0])
MC_PRED = np.array([0, 1, 1, 1, 0, 0, 1, 0])


def test_binary_hand_computed():
    assert M.accuracy(BIN_TRUE, BIN_PRED) == pytest.approx(5 / 8)
    assert M.precision(BIN_TRUE, BIN_PRED) == pytest.approx(2 / 3)
    assert M.recall(BIN_TRUE, BIN_PRED) == pytest.approx(1 / 2)
    assert M.f1_score(BIN_TRUE, BIN_PRED) == pytest.approx(4 / 7)
    # pos_label=0: TP 3, FP 2, FN 1
    assert M.precision(BIN_TRUE, BIN_PRED, pos_label=0) == pytest.approx(3 / 5)
    assert M.recall(BIN_TRUE, BIN_PRED, pos_label=0) == pytest.approx(3 / 4)
    np.testing.assert_array_equal(M.confusion_matrix(BIN_TRUE, BIN_PRED), [[3, 1], [2, 2]])


def test_confusion_matrix_rows_true_columns_predicted():
    cm = M.confusion_matrix(MC_TRUE, MC_PRED)
    np.testing.assert_array_equal(cm, [[2, 1, 0], [0, 2, 0], [2, 1, 0]])
    wide = M.confusion_matrix(MC_TRUE, MC_PRED, num_classes=5)
    assert wide.shape == (5, 5) and wide[:3, :3].tolist() == cm.tolist() and wide.sum() == 8
    with pytest.raises(ValueError, match="label 2 out of range for num_classes=2"):
        M.confusion_matrix(MC_TRUE, MC_PRED, num_classes=2)


def test_never_predicted_class_per_class_and_averages_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = M.precision(MC_TRUE, MC_PRED, average=None)
        r = M.recall(MC_TRUE, MC_PRED, average=None)
        f = M.f1_score(MC_TRUE, MC_PRED, average=None)
        np.testing.assert_allclose(p, [1 / 2, 1 / 2, 0])
        np.testing.assert_allclose(r, [2 / 3, 1, 0])
        np.testing.assert_allclose(f, [4 / 7, 2 / 3, 0])
        assert M.precision(MC_TRUE, MC_PRED, average="macro") == pytest.approx(1 / 3)
        assert M.recall(MC_TRUE, MC_PRED, average="macro") == pytest.approx(5 / 9)
        assert M.f1_score(MC_TRUE, MC_PRED, average="macro") == pytest.approx((4 / 7 + 2 / 3) / 3)
        # weighted by support (3, 2, 3)
        assert M.precision(MC_TRUE, MC_PRED, average="weighted") == pytest.approx(2.5 / 8)
        assert M.recall(MC_TRUE, MC_PRED, average="weighted") == pytest.approx(4 / 8)
        assert M.f1_score(MC_TRUE, MC_PRED, average="weighted") == pytest.approx(
            (3 * 4 / 7 + 2 * 2 / 3) / 8
        )
        for fn in (M.precision, M.recall, M.f1_score):  # micro = accuracy for single-label data
            assert fn(MC_TRUE, MC_PRED, average="micro") == pytest.approx(0.5)
    assert M.accuracy(MC_TRUE, MC_PRED) == pytest.approx(0.5)


def test_zero_division_value_is_used_only_where_the_denominator_is_zero():
    p = M.precision(MC_TRUE, MC_PRED, average=None, zero_division=1.0)
    r = M.recall(MC_TRUE, MC_PRED, average=None, zero_division=1.0)
    np.testing.assert_allclose(p, [1 / 2, 1 / 2, 1])  # class 2 never predicted
    np.testing.assert_allclose(r, [2 / 3, 1, 0])  # class 2 does occur: a real 0
    # class 1 is only predicted, never true: its recall has no denominator (class 0: 1 of 2)
    np.testing.assert_allclose(M.recall([0, 0], [0, 1], average=None, zero_division=1.0), [0.5, 1])


def test_accepts_tensors_and_lists():
    t, p = tm.tensor(MC_TRUE), tm.tensor(MC_PRED)
    assert M.accuracy(t, p) == M.accuracy(MC_TRUE.tolist(), MC_PRED.tolist()) == 0.5
    assert isinstance(M.f1_score(t, p, average="macro"), float)


def test_classification_report_matches_scikit_learn_documentation():
    # Verbatim from the classification_report docstring of scikit-learn 1.9.1.
    expected = (
        "              precision    recall  f1-score   support\n"
        "\n"
        "     class 0       0.50      1.00      0.67         1\n"
        "     class 1       0.00      0.00      0.00         1\n"
        "     class 2       1.00      0.67      0.80         3\n"
        "\n"
        "    accuracy                           0.60         5\n"
        "   macro avg       0.50      0.56      0.49         5\n"
        "weighted avg       0.70      0.60      0.61         5\n"
    )
    report = M.classification_report(
        [0, 1, 2, 2, 2], [0, 0, 2, 2, 1], target_names=["class 0", "class 1", "class 2"]
    )
    assert report == expected


def test_classification_report_default_names_and_digits():
    report = M.classification_report(MC_TRUE, MC_PRED, digits=3)
    lines = report.splitlines()
    assert lines[4].split() == ["2", "0.000", "0.000", "0.000", "3"]
    assert lines[6].split() == ["accuracy", "0.500", "8"]
    with pytest.raises(ValueError, match="3 classes"):
        M.classification_report(MC_TRUE, MC_PRED, target_names=["a", "b"])


@pytest.mark.parametrize("fn", [M.accuracy, M.precision, M.confusion_matrix])
def test_mismatched_lengths_name_both(fn):
    with pytest.raises(ValueError, match=r"y_true has 3 labels but y_pred has 2"):
        fn([0, 1, 1], [0, 1])


def test_bad_inputs_have_clear_errors():
    with pytest.raises(ValueError, match=r"1-D class indices, got shape \(2, 3\).*argmax"):
        M.accuracy(np.zeros((2, 3), dtype=np.int64), [0, 1])
    with pytest.raises(TypeError, match="integer class indices, got dtype float64"):
        M.recall([0.0, 1.0], [0, 1])
    with pytest.raises(ValueError, match=r"average='binary' needs labels in \{0, 1\}"):
        M.precision(MC_TRUE, MC_PRED)
    with pytest.raises(ValueError, match="average must be one of"):
        M.f1_score(MC_TRUE, MC_PRED, average="samples")
    with pytest.raises(ValueError, match="empty"):
        M.accuracy([], [])
    with pytest.raises(ValueError, match="negative label -1"):
        M.accuracy([0, -1], [0, 1])

"""Classification metrics with scikit-learn's definitions (NumPy or Tensors in, floats out).

Labels are integer class indices ``0..C-1`` (pass ``logits.argmax(1)``, not the logits).
Per class ``c``: ``precision = TP / (TP + FP)`` (over samples predicted ``c``),
``recall = TP / (TP + FN)`` (over samples truly ``c``), ``F1 = 2 TP / (2 TP + FP + FN)``.

Zero division: when a denominator is 0 (a class never predicted has no precision; a class
absent from ``y_true`` has no recall) the metric is ``zero_division`` (default 0.0), silently.
So a class that is never predicted gets precision 0 and, if it occurs, recall 0 and F1 0.

Averages (over the labels present in ``y_true`` or ``y_pred``, or those passed as ``labels``):
``"binary"`` reports class ``pos_label`` only; ``"macro"`` is the plain mean over classes;
``"weighted"`` weights each class by its support (its count in ``y_true``); ``"micro"`` pools
TP/FP/FN over classes (for single-label data it equals accuracy); ``None`` returns the
per-class array.
"""

import numpy as np

from tinymoe.data._common import as_numpy

_AVERAGES = ("binary", "macro", "micro", "weighted", None)


def _labels_pair(op: str, y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    """Validate two 1-D integer label arrays of equal, non-zero length."""
    t, p = as_numpy(y_true), as_numpy(y_pred)
    for name, a in (("y_true", t), ("y_pred", p)):
        if a.ndim != 1:
            raise ValueError(
                f"{op}: {name} must be 1-D class indices, got shape {a.shape} "
                f"(for scores use scores.argmax(1))"
            )
    if len(t) != len(p):
        raise ValueError(f"{op}: y_true has {len(t)} labels but y_pred has {len(p)}")
    if len(t) == 0:
        raise ValueError(f"{op}: empty inputs")
    for name, a in (("y_true", t), ("y_pred", p)):
        if not (np.issubdtype(a.dtype, np.integer) or a.dtype == bool):
            raise TypeError(f"{op}: {name} must hold integer class indices, got dtype {a.dtype}")
        if a.min() < 0:
            raise ValueError(f"{op}: {name} has negative label {a.min()}")
    return t.astype(np.int64), p.astype(np.int64)


def accuracy(y_true, y_pred) -> float:
    """Fraction of positions where ``y_pred == y_true``."""
    t, p = _labels_pair("accuracy", y_true, y_pred)
    return float(np.mean(t == p))


def confusion_matrix(y_true, y_pred, num_classes: int | None = None) -> np.ndarray:
    """``(C, C)`` int64 counts: row = true class, column = predicted class.
    ``C`` defaults to ``max(label) + 1``."""
    t, p = _labels_pair("confusion_matrix", y_true, y_pred)
    top = int(max(t.max(), p.max())) + 1
    c = top if num_classes is None else num_classes
    if c < top:
        raise ValueError(
            f"confusion_matrix: label {top - 1} out of range for num_classes={num_classes}"
        )
    return np.bincount(t * c + p, minlength=c * c).reshape(c, c)


def _per_class_counts(op: str, y_true, y_pred, labels):
    """(labels, TP, predicted count, true count) per label."""
    t, p = _labels_pair(op, y_true, y_pred)
    labels = np.union1d(t, p) if labels is None else np.asarray(labels, dtype=np.int64)
    cm = confusion_matrix(t, p, num_classes=int(max(t.max(), p.max(), labels.max())) + 1)
    return labels, np.diag(cm)[labels], cm.sum(axis=0)[labels], cm.sum(axis=1)[labels]


def _divide(num: np.ndarray, den: np.ndarray, zero_division: float) -> np.ndarray:
    out = np.full(num.shape, float(zero_division))
    np.divide(num, den, out=out, where=den != 0)
    return out


def _score(op: str, y_true, y_pred, average, pos_label, zero_division, labels, kind: str):
    if average not in _AVERAGES:
        raise ValueError(f"{op}: average must be one of {_AVERAGES}, got {average!r}")
    labels, tp, n_pred, n_true = _per_class_counts(op, y_true, y_pred, labels)
    if average == "binary":
        present = set(labels.tolist())
        if not present <= {0, 1}:
            raise ValueError(
                f"{op}: average='binary' needs labels in {{0, 1}}, found "
                f"{sorted(present)}; use average='macro', 'micro' or 'weighted'"
            )
        keep = labels == pos_label
        labels, tp, n_pred, n_true = labels[keep], tp[keep], n_pred[keep], n_true[keep]
        if not labels.size:  # pos_label never occurs: TP = FP = FN = 0
            tp = n_pred = n_true = np.zeros(1)
    if average == "micro":
        tp, n_pred, n_true = (
            tp.sum(keepdims=True),
            n_pred.sum(keepdims=True),
            n_true.sum(keepdims=True),
        )
    den = {"precision": n_pred, "recall": n_true, "f1": n_pred + n_true}[kind]
    scores = _divide(tp * (2 if kind == "f1" else 1), den, zero_division)
    if average is None:
        return scores
    if average == "weighted":
        return float(np.average(scores, weights=n_true)) if n_true.sum() else float(zero_division)
    return float(scores.mean())


def precision(
    y_true, y_pred, average="binary", pos_label: int = 1, zero_division: float = 0.0, labels=None
):
    """Precision ``TP / (TP + FP)``; see the module docstring for ``average``/zero division."""
    return _score(
        "precision", y_true, y_pred, average, pos_label, zero_division, labels, "precision"
    )


def recall(
    y_true, y_pred, average="binary", pos_label: int = 1, zero_division: float = 0.0, labels=None
):
    """Recall ``TP / (TP + FN)``; see the module docstring for ``average``/zero division."""
    return _score("recall", y_true, y_pred, average, pos_label, zero_division, labels, "recall")


def f1_score(
    y_true, y_pred, average="binary", pos_label: int = 1, zero_division: float = 0.0, labels=None
):
    """F1 ``2 TP / (2 TP + FP + FN)`` (harmonic mean of precision and recall)."""
    return _score("f1_score", y_true, y_pred, average, pos_label, zero_division, labels, "f1")


def classification_report(
    y_true, y_pred, target_names=None, digits: int = 2, zero_division: float = 0.0
) -> str:
    """A text table like scikit-learn's: precision, recall, F1 and support per class, then
    accuracy, macro and weighted averages."""
    labels, _, _, support = _per_class_counts("classification_report", y_true, y_pred, None)
    names = [str(c) for c in labels] if target_names is None else list(target_names)
    if len(names) != len(labels):
        raise ValueError(
            f"classification_report: {len(labels)} classes {labels.tolist()} but "
            f"{len(names)} target_names"
        )
    columns = [
        f(y_true, y_pred, average=None, zero_division=zero_division)
        for f in (precision, recall, f1_score)
    ]
    width = max(len("weighted avg"), digits, *(len(n) for n in names))
    total = int(support.sum())

    def row(name, p, r, f, support):
        return (
            f"{name:>{width}} "
            + "".join(f" {v:>9.{digits}f}" for v in (p, r, f))
            + (f" {support:>9}")
        )

    averages = [
        row(
            f"{avg} avg",
            *(
                f(y_true, y_pred, average=avg, zero_division=zero_division)
                for f in (precision, recall, f1_score)
            ),
            total,
        )
        for avg in ("macro", "weighted")
    ]
    lines = [
        " " * width
        + " "
        + "".join(f" {h:>9}" for h in ("precision", "recall", "f1-score", "support")),
        "",
        *(row(n, p, r, f, sup) for n, p, r, f, sup in zip(names, *columns, support)),
        "",
        f"{'accuracy':>{width}} {' ' * 20} {accuracy(y_true, y_pred):>9.{digits}f} {total:>9}",
        *averages,
    ]
    return "\n".join(lines) + "\n"

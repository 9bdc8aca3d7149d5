"""Graded tests for lesson 09: preprocessing, the training loop, evaluation, metrics and
early stopping. References: plain-NumPy softmax regression (its SGD steps written out by
hand), the engine's metrics and its EarlyStopping callback, computed at test time."""

import numpy as np
import pytest

import tinymoe as tm
from tinymoe import metrics
from tinymoe.data import DataLoader, TensorDataset
from tinymoe.train import EarlyStopping, History

N, D, C, BATCH = 30, 5, 4, 7  # 30 = 4 batches of 7 + a last batch of 2


@pytest.fixture
def m(load_exercise):
    return load_exercise("09_training_real_data")


def _problem(rng):
    x = rng.standard_normal((N, D))
    y = rng.integers(0, C, N)
    loader = DataLoader(TensorDataset(x, y), batch_size=BATCH, shuffle=False)
    return x, y, loader


def _softmax_ce(x, y, W, b):
    """Mean cross-entropy of softmax(x W^T + b) and its probabilities, in NumPy."""
    z = x @ W.T + b
    z = z - z.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    return -np.log(p[np.arange(len(y)), y]).mean(), p


@pytest.mark.exercise("09.1")
@pytest.mark.points(2)
def test_standardize_uses_train_statistics_only(m, rng):
    x_train = rng.normal(3.0, 2.0, (40, 6))
    x_train[:, 2] = 5.0  # a constant feature, like a pixel that is always blank
    x_test = rng.normal(6.0, 4.0, (15, 6))  # shifted: its own statistics differ
    train_before, test_before = x_train.copy(), x_test.copy()
    out = m.standardize_fit_transform(x_train, x_test)
    assert np.array_equal(x_train, train_before) and np.array_equal(x_test, test_before), (
        "standardize_fit_transform changed the arrays passed in (x -= mean in place?): "
        "compute (x - mean) / std into new arrays"
    )
    assert isinstance(out, tuple) and len(out) == 2, (
        "return a tuple (x_train_scaled, x_test_scaled) when one other array is passed"
    )
    train_s, test_s = out
    assert np.all(np.isfinite(train_s)), (
        "NaN or inf in the output: a constant feature has std 0; use std 1 for it"
    )
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    std[2] = 1.0
    if np.allclose(test_s.mean(axis=0)[[0, 1, 3]], 0, atol=1e-6):
        pytest.fail(
            "x_test_scaled has mean 0: you fitted the statistics on the test set again. "
            "Fit mean and std on x_train only and reuse them for every other array"
        )
    both = np.concatenate([x_train, x_test])
    leaked = (x_test - both.mean(axis=0)) / np.where(both.std(axis=0) == 0, 1, both.std(axis=0))
    if np.allclose(test_s, leaked, atol=1e-5):
        pytest.fail(
            "you computed mean and std on train and test together: the test data leaked into "
            "preprocessing (the mistake of seed 001, docs/sources.md#seed-001). "
            "Use x_train's statistics only"
        )
    cols = [0, 1, 3, 4, 5]  # the non-constant features
    sample = (x_train - mean)[:, cols] / x_train.std(axis=0, ddof=1)[cols]
    if np.allclose(train_s[:, cols], sample, rtol=1e-5, atol=1e-5):
        pytest.fail("you divided by the sample std (ddof=1): use the population std, "
                    "x_train.std(axis=0)")
    if np.allclose(train_s, (x_train - x_train.mean()) / x_train.std(), rtol=1e-5, atol=1e-5):
        pytest.fail("one mean and std for the whole array: standardize each feature (column) "
                    "with its own statistics, mean(axis=0) and std(axis=0)")
    np.testing.assert_allclose(
        train_s, (x_train - mean) / std, rtol=1e-5, atol=1e-5,
        err_msg="x_train_scaled must be (x_train - mean) / std with per-feature (axis=0) stats",
    )
    np.testing.assert_allclose(
        test_s, (x_test - mean) / std, rtol=1e-5, atol=1e-5,
        err_msg="x_test_scaled must use x_train's mean and std",
    )
    assert train_s.dtype == np.float32 and test_s.dtype == np.float32, (
        f"return float32 arrays; got {train_s.dtype} and {test_s.dtype}"
    )
    (alone,) = m.standardize_fit_transform(x_train)
    np.testing.assert_allclose(alone, train_s, err_msg="with no other arrays return (train,)")


@pytest.mark.exercise("09.2")
@pytest.mark.points(3)
def test_train_one_epoch_is_minibatch_sgd(m, rng):
    x, y, loader = _problem(rng)
    tm.manual_seed(0)
    model = tm.nn.Linear(D, C, dtype=tm.float64)
    W, b = model.weight.data.copy(), model.bias.data.copy()
    opt = tm.optim.SGD(model.parameters(), lr=0.5)
    model.eval()  # left in eval mode by an earlier evaluation: training must switch it back
    got_loss = m.train_one_epoch(model, loader, opt)
    assert model.training, (
        "after train_one_epoch the model is still in eval mode: call model.train() first "
        "(dropout and other train-time behaviour must be on while training)"
    )
    assert isinstance(got_loss, float), (
        f"train_one_epoch returned {type(got_loss).__name__}; return a Python float "
        "(use loss.item(), which also lets each batch's graph go)"
    )
    lr, losses, sizes = 0.5, [], []
    for start in range(0, N, BATCH):  # the same epoch, by hand: dL/dz = (p - onehot) / B
        xb, yb = x[start : start + BATCH], y[start : start + BATCH]
        loss, p = _softmax_ce(xb, yb, W, b)
        p[np.arange(len(yb)), yb] -= 1.0
        g = p / len(yb)
        W, b = W - lr * g.T @ xb, b - lr * g.sum(axis=0)
        losses.append(loss)
        sizes.append(len(yb))
    np.testing.assert_allclose(
        model.weight.data, W, rtol=1e-9, atol=1e-12,
        err_msg="after one epoch the weights differ from mini-batch SGD on the cross-entropy: "
        "call optimizer.zero_grad() before each backward (gradients accumulate), then "
        "loss.backward() and optimizer.step() once per batch",
    )
    np.testing.assert_allclose(model.bias.data, b, rtol=1e-9, atol=1e-12)
    weighted = np.average(losses, weights=sizes)
    if np.isclose(got_loss, losses[-1]) and not np.isclose(weighted, losses[-1]):
        pytest.fail("you returned the last batch's loss: return the mean over the whole epoch")
    if not np.isclose(weighted, np.mean(losses)) and np.isclose(got_loss, np.mean(losses)):
        pytest.fail(
            "you averaged the batch losses, but the last batch has only 2 samples: weight "
            "each batch's loss by its size and divide by the number of samples"
        )
    assert got_loss == pytest.approx(weighted, rel=1e-9), (
        f"returned loss {got_loss}; expected the per-sample mean of the losses computed during "
        f"the epoch (before each step), {weighted}"
    )


class _DropoutModel(tm.nn.Module):
    """A Linear layer followed by heavy dropout: identity only in eval mode."""

    def __init__(self):
        super().__init__()
        self.linear = tm.nn.Linear(D, C, dtype=tm.float64)
        self.drop = tm.nn.Dropout(0.9)
        self.grad_modes = []  # whether autograd recorded a graph, at each forward call

    def forward(self, x):
        self.grad_modes.append(tm.is_grad_enabled())
        return self.drop(self.linear(x))


@pytest.mark.exercise("09.3")
@pytest.mark.points(2)
def test_evaluate_in_eval_mode_without_training(m, rng):
    x, y, loader = _problem(rng)
    tm.manual_seed(1)
    model = _DropoutModel()
    W, b = model.linear.weight.data.copy(), model.linear.bias.data.copy()
    model.train()
    loss, acc = m.evaluate(model, loader)
    expected_loss, p = _softmax_ce(x, y, W, b)
    assert model.grad_modes, "evaluate never called the model"
    assert not any(model.grad_modes), (
        "evaluate ran the model with autograd recording a graph: wrap the loop in "
        "`with tm.no_grad():` (evaluation needs no gradients, and the graph costs memory)"
    )
    assert isinstance(loss, float) and isinstance(acc, float), (
        f"evaluate returned ({type(loss).__name__}, {type(acc).__name__}); return two Python "
        "floats (loss.item(), correct / count)"
    )
    assert model.training, (
        "the model was in training mode before evaluate and must be again afterwards: "
        "restore it with model.train(was_training)"
    )
    np.testing.assert_array_equal(model.linear.weight.data, W, err_msg="evaluate changed weights")
    assert model.linear.weight.grad is None, (
        "evaluate produced gradients: it must not call backward (use tm.no_grad())"
    )
    batch_mean = np.mean([_softmax_ce(x[i : i + BATCH], y[i : i + BATCH], W, b)[0]
                          for i in range(0, N, BATCH)])
    if loss == pytest.approx(batch_mean, rel=1e-9):
        pytest.fail("you averaged the batch losses, but the last batch has only 2 samples: "
                    "weight each batch's mean loss by its size and divide by the sample count")
    assert loss == pytest.approx(expected_loss, rel=1e-9), (
        f"loss {loss} != {expected_loss}: call model.eval() first (dropout must be off), and "
        "weight each batch's mean loss by its size (the last batch has 2 samples)"
    )
    if acc == pytest.approx(np.sum(p.argmax(axis=1) == y)) and acc > 1:
        pytest.fail(f"accuracy {acc} is the number of correct predictions: divide by the "
                    "number of samples")
    assert acc == pytest.approx(np.mean(p.argmax(axis=1) == y)), (
        "accuracy is the fraction of samples whose largest logit is at the true class"
    )
    model.eval()
    m.evaluate(model, loader)
    assert not model.training, "a model in eval mode must stay in eval mode after evaluate"


@pytest.mark.exercise("09.4")
@pytest.mark.points(1)
def test_confusion_matrix(m, rng):
    y_true = rng.integers(0, 5, 200)
    y_pred = np.where(rng.random(200) < 0.7, y_true, rng.integers(0, 5, 200))
    y_pred[y_true == 3] = 1  # class 3 always mistaken for 1: an asymmetric matrix
    cm = m.confusion_matrix(y_true, y_pred, 6)  # class 5 never occurs
    expected = metrics.confusion_matrix(y_true, y_pred, num_classes=6)
    assert np.shape(cm) == (6, 6), f"shape {np.shape(cm)}; expected (num_classes, num_classes)"
    if np.array_equal(cm, expected.T):
        pytest.fail("your matrix is transposed: rows are the TRUE class, columns the prediction")
    if np.all(cm <= 1) and np.all((cm > 0) == (expected > 0)):
        pytest.fail("every (true, predicted) pair was counted at most once: cm[t, p] += 1 with "
                    "index arrays drops repeated pairs; use np.add.at(cm, (t, p), 1) or a loop")
    np.testing.assert_array_equal(cm, expected, err_msg="cm[t, p] counts true t predicted as p")
    assert cm.sum() == 200, "every sample is counted exactly once"
    assert np.issubdtype(np.asarray(cm).dtype, np.integer), (
        f"the matrix has dtype {np.asarray(cm).dtype}; counts are integers: "
        "np.zeros((C, C), dtype=np.int64)"
    )
    small = m.confusion_matrix([0, 1, 1], [0, 0, 1], 2)  # the docstring's example, as lists
    np.testing.assert_array_equal(
        small, [[1, 0], [1, 1]],
        err_msg="confusion_matrix([0, 1, 1], [0, 0, 1], 2) must be [[1, 0], [1, 1]]: accept "
        "Python lists (np.asarray them first)",
    )


@pytest.mark.exercise("09.5")
@pytest.mark.points(2)
def test_precision_recall_f1(m, rng):
    y_true = rng.integers(0, 6, 300)
    y_pred = np.where(rng.random(300) < 0.6, y_true, rng.integers(0, 5, 300))
    y_pred[y_pred == 5] = 0  # class 5 is present but never predicted
    y_true[y_true == 4] = 0  # class 4 is predicted but absent from the truth
    cm = metrics.confusion_matrix(y_true, y_pred, num_classes=7)  # class 6: neither
    with np.errstate(all="raise"):
        try:
            p, r, f = m.precision_recall_f1(cm)
        except FloatingPointError as err:
            pytest.fail(f"0 / 0 for a class never predicted or never present ({err}): "
                        "return 0 for it, e.g. np.divide(..., where=den > 0)")
    for name, got in (("precision", p), ("recall", r), ("F1", f)):
        assert np.shape(got) == (7,), f"{name} has shape {np.shape(got)}; expected (C,) = (7,)"
    labels = np.arange(7)
    want = {name: fn(y_true, y_pred, average=None, labels=labels)
            for name, fn in (("precision", metrics.precision), ("recall", metrics.recall),
                             ("F1", metrics.f1_score))}
    if np.allclose(p, want["recall"]) and np.allclose(r, want["precision"]):
        pytest.fail("precision and recall are swapped: precision divides by the COLUMN sum "
                    "(all predicted c), recall by the ROW sum (all truly c)")
    if any(np.isclose(np.asarray(v)[c], 1.0) for v, c in ((p, 5), (r, 4), (f, 6))):
        pytest.fail("a class never predicted (or never present) scored 1: the docstring says "
                    "a 0 / 0 counts as 0")
    for name, got in (("precision", p), ("recall", r), ("F1", f)):
        if name == "F1" and np.allclose(got, (p + r) / 2):
            pytest.fail("F1 is the HARMONIC mean 2 P R / (P + R) = 2 TP / (2 TP + FP + FN), "
                        "not (P + R) / 2")
        if not np.allclose(got, want[name], rtol=0, atol=1e-12) and np.allclose(
                got, want[name], rtol=1e-6, atol=0):
            pytest.fail(f"{name} is close to its definition but not exact: an epsilon added "
                        "to a denominator biases every ratio; divide only where the "
                        "denominator is > 0 (np.divide(..., where=den > 0))")
        np.testing.assert_allclose(got, want[name], atol=1e-12,
                                   err_msg=f"per-class {name} differs from its definition")
    for scale in (1e-4, 1e4):  # a normalised matrix (fractions) or huge counts: same ratios
        scaled = m.precision_recall_f1(cm * scale)
        for name, got, ref in zip(("precision", "recall", "F1"), scaled, (p, r, f)):
            np.testing.assert_allclose(
                got, ref, rtol=1e-9, atol=1e-12,
                err_msg=f"{name} changed when the confusion matrix was scaled by {scale}: "
                "precision, recall and F1 are ratios of counts, so they must not change (an "
                "epsilon added to a denominator breaks this; use np.divide(..., where=den > 0))",
            )


@pytest.mark.exercise("09.6")
@pytest.mark.points(2)
def test_early_stopping_epoch_matches_the_callback(m, rng):
    cases = [([3.0, 2.0, 2.5, 2.4, 2.6], 2, 0.0), ([5.0, 4.0, 3.0, 2.0], 1, 0.0),
             ([1.0, 0.99, 0.98, 0.97, 2.0], 2, 0.05), ([2.0, 2.0, 2.0], 1, 0.0)]
    for _ in range(20):
        curve = 1 / (1 + np.arange(15)) + 0.004 * np.arange(15) + 0.02 * rng.random(15)
        cases.append((curve.tolist(), int(rng.integers(1, 5)), float(rng.choice([0.0, 0.01]))))
    for losses, patience, min_delta in cases:
        got = m.early_stopping_epoch(losses, patience, min_delta)
        callback = EarlyStopping(patience=patience, min_delta=min_delta, restore_best=False)
        history = History()
        stop = len(losses) - 1
        for epoch, value in enumerate(losses):
            history.val_loss.append(value)
            if callback.on_epoch_end(epoch, history, None):
                stop = epoch
                break
        assert tuple(got) == (callback.best_epoch, stop), (
            f"val losses {np.round(losses, 3).tolist()}, patience={patience}, "
            f"min_delta={min_delta}: got (best, stop) = {tuple(got)}, expected "
            f"{(callback.best_epoch, stop)}. An epoch improves only if its loss < best - "
            "min_delta; stop once `patience` epochs in a row did not improve"
        )

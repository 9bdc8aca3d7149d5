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
    out = m.standardize_fit_transform(x_train, x_test)
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
            "preprocessing (seed 001's mistake). Use x_train's statistics only"
        )
    np.testing.assert_allclose(
        train_s, (x_train - mean) / std, rtol=1e-5, atol=1e-5,
        err_msg="x_train_scaled must be (x_train - mean) / std with per-feature (axis=0) stats",
    )
    np.testing.assert_allclose(
        test_s, (x_test - mean) / std, rtol=1e-5, atol=1e-5,
        err_msg="x_test_scaled must use x_train's mean and std",
    )
    assert train_s.dtype == np.float32 and test_s.dtype == np.float32, "return float32 arrays"
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
    got_loss = m.train_one_epoch(model, loader, opt)
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

    def forward(self, x):
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
    assert model.training, (
        "the model was in training mode before evaluate and must be again afterwards: "
        "restore it with model.train(was_training)"
    )
    np.testing.assert_array_equal(model.linear.weight.data, W, err_msg="evaluate changed weights")
    assert model.linear.weight.grad is None, (
        "evaluate produced gradients: it must not call backward (use tm.no_grad())"
    )
    assert loss == pytest.approx(expected_loss, rel=1e-9), (
        f"loss {loss} != {expected_loss}: call model.eval() first (dropout must be off), and "
        "weight each batch's mean loss by its size (the last batch has 2 samples)"
    )
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
    np.testing.assert_array_equal(cm, expected, err_msg="cm[t, p] counts true t predicted as p")
    assert cm.sum() == 200, "every sample is counted exactly once"


@pytest.mark.exercise("09.5")
@pytest.mark.points(2)
def test_precision_recall_f1(m, rng):
    y_true = rng.integers(0, 6, 300)
    y_pred = np.where(rng.random(300) < 0.6, y_true, rng.integers(0, 5, 300))  # 5 never predicted
    y_true[y_true == 4] = 0  # class 4 absent from the truth
    cm = metrics.confusion_matrix(y_true, y_pred, num_classes=6)
    with np.errstate(all="raise"):
        try:
            p, r, f = m.precision_recall_f1(cm)
        except FloatingPointError as err:
            pytest.fail(f"0 / 0 for a class never predicted or never present ({err}): "
                        "return 0 for it, e.g. np.divide(..., where=den > 0)")
    labels = np.arange(6)
    want = {name: fn(y_true, y_pred, average=None, labels=labels)
            for name, fn in (("precision", metrics.precision), ("recall", metrics.recall),
                             ("F1", metrics.f1_score))}
    if np.allclose(p, want["recall"]) and np.allclose(r, want["precision"]):
        pytest.fail("precision and recall are swapped: precision divides by the COLUMN sum "
                    "(all predicted c), recall by the ROW sum (all truly c)")
    for name, got in (("precision", p), ("recall", r), ("F1", f)):
        assert np.shape(got) == (6,), f"{name} has shape {np.shape(got)}; expected (C,) = (6,)"
        np.testing.assert_allclose(got, want[name], atol=1e-12,
                                   err_msg=f"per-class {name} differs from its definition")


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

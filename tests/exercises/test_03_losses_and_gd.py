"""Graded tests for lesson 03: MSE, BCE, softmax cross-entropy, mini-batch gradient descent."""

import numpy as np
import pytest


@pytest.fixture
def m(load_exercise):
    return load_exercise("03_losses_and_gd")


def _torch_loss_and_grad(torch, loss_fn, pred, *args):
    t = torch.tensor(pred, requires_grad=True)
    loss = loss_fn(t, *args)
    loss.backward()
    return loss.item(), t.grad.numpy()


def _check_loss(name, got, expected):
    loss, grad = got
    assert np.ndim(loss) == 0, f"{name} must return a scalar loss first, got shape {np.shape(loss)}"
    assert np.shape(grad) == expected[1].shape, (
        f"{name}'s gradient has shape {np.shape(grad)}; expected {expected[1].shape}, "
        "the shape of the predictions"
    )
    np.testing.assert_allclose(loss, expected[0], rtol=1e-10, err_msg=f"{name}: wrong loss value")
    ratio = np.sum(grad * expected[1]) / np.sum(expected[1] ** 2)
    if np.isclose(ratio, grad.shape[0]) and grad.shape[0] > 1:
        pytest.fail(f"{name}'s gradient is N times too large: divide by N (the loss is a mean)")
    np.testing.assert_allclose(
        grad, expected[1], rtol=1e-8, atol=1e-12, err_msg=f"{name}: wrong gradient"
    )


@pytest.mark.exercise("03.1")
@pytest.mark.points(1)
def test_mse_matches_torch(m, rng, torch):
    pred, target = rng.standard_normal((6, 2)), rng.standard_normal((6, 2))
    got = m.mse(pred, target)
    expected = _torch_loss_and_grad(
        torch, torch.nn.functional.mse_loss, pred, torch.from_numpy(target)
    )
    _check_loss("mse", got, expected)


@pytest.mark.exercise("03.2")
@pytest.mark.points(1)
def test_bce_with_logits_matches_torch(m, rng, torch):
    z, y = 3 * rng.standard_normal(12), rng.uniform(size=12)
    got = m.bce_with_logits(z, y)
    expected = _torch_loss_and_grad(
        torch, torch.nn.functional.binary_cross_entropy_with_logits, z, torch.from_numpy(y)
    )
    _check_loss("bce_with_logits", got, expected)


@pytest.mark.exercise("03.2")
@pytest.mark.points(1)
def test_bce_with_logits_is_stable(m):
    z, y = np.array([1e4, -1e4, 1e4, -1e4]), np.array([0.0, 1.0, 1.0, 0.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        try:
            loss, dz = m.bce_with_logits(z, y)
        except FloatingPointError as err:
            pytest.fail(
                f"bce_with_logits overflows or takes log(0) at |z| = 1e4 ({err}): "
                "use max(z, 0) - z y + log1p(exp(-|z|))"
            )
    # two confident mistakes cost 1e4 each, two confident hits cost ~0: mean = 5000
    assert np.isclose(loss, 5000.0), f"loss at z = +-1e4 should be 5000, got {loss}"
    np.testing.assert_allclose(
        dz, [0.25, -0.25, 0.0, 0.0], atol=1e-15, err_msg="dz = (sigmoid(z) - y) / N"
    )


@pytest.mark.exercise("03.3")
@pytest.mark.points(1)
def test_softmax_matches_torch(m, rng, torch):
    z = 3 * rng.standard_normal((2, 5, 7))
    p = m.softmax(z)
    np.testing.assert_allclose(
        p.sum(axis=-1),
        1.0,
        rtol=1e-12,
        err_msg="each row must sum to 1: normalise along the LAST axis",
    )
    np.testing.assert_allclose(
        p, torch.softmax(torch.from_numpy(z), dim=-1).numpy(), rtol=1e-10, atol=1e-15
    )


@pytest.mark.exercise("03.3")
@pytest.mark.points(1)
def test_softmax_is_shift_invariant_and_stable(m, rng):
    z = rng.standard_normal((4, 6))
    with np.errstate(over="raise", invalid="raise"):
        try:
            shifted = m.softmax(z + 1e4)
        except FloatingPointError as err:
            pytest.fail(f"softmax overflows at 1e4 ({err}): did you subtract the row max?")
    np.testing.assert_allclose(
        shifted,
        m.softmax(z),
        rtol=1e-9,
        err_msg="your softmax is not shift-invariant: did you subtract the row max?",
    )


@pytest.mark.exercise("03.4")
@pytest.mark.points(2)
def test_cross_entropy_matches_torch(m, rng, torch):
    logits, labels = 2 * rng.standard_normal((9, 5)), rng.integers(0, 5, size=9)
    got = m.cross_entropy(logits, labels)
    expected = _torch_loss_and_grad(
        torch, torch.nn.functional.cross_entropy, logits, torch.from_numpy(labels)
    )
    _check_loss("cross_entropy", got, expected)
    np.testing.assert_allclose(
        got[1].sum(axis=1),
        0.0,
        atol=1e-12,
        err_msg="each gradient row (p - onehot)/N must sum to 0",
    )


@pytest.mark.exercise("03.4")
@pytest.mark.points(1)
def test_cross_entropy_extremes(m, rng):
    labels = rng.integers(0, 4, size=6)
    loss, _ = m.cross_entropy(np.zeros((6, 4)), labels)
    assert np.isclose(loss, np.log(4)), f"uniform logits must give log(C) = log 4, got {loss}"
    logits = np.zeros((2, 3))
    logits[0, 1] = logits[1, 2] = 1e4
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        try:
            loss, grad = m.cross_entropy(logits, np.array([0, 2]))
        except FloatingPointError as err:
            pytest.fail(
                f"cross_entropy overflows or takes log(0) at logits 1e4 ({err}): "
                "use log-softmax = (z - max) - log(sum(exp(z - max)))"
            )
    assert np.isclose(loss, 5000.0), (
        f"a confident mistake by 1e4 costs 1e4, a confident hit 0: mean 5000; got {loss}"
    )
    np.testing.assert_allclose(grad, [[-0.5, 0.5, 0.0], [0.0, 0.0, 0.0]], atol=1e-15)


@pytest.mark.exercise("03.5")
@pytest.mark.points(1)
def test_minibatch_indices_partition(m):
    batches = m.minibatch_indices(103, 10, np.random.default_rng(0))
    sizes = [len(b) for b in batches]
    assert sizes == [10] * 10 + [3], f"batch sizes {sizes}; want ten of 10 and a last one of 3"
    everything = np.concatenate(batches)
    np.testing.assert_array_equal(
        np.sort(everything),
        np.arange(103),
        err_msg="every index must appear exactly once per epoch",
    )
    assert not np.array_equal(everything, np.arange(103)), "indices must be shuffled"
    again = m.minibatch_indices(103, 10, np.random.default_rng(1))
    assert not np.array_equal(np.concatenate(again), everything), "use the rng you are given"


def _linreg(w, X, y):
    r = X @ w - y
    return float(np.mean(r**2)), 2 * X.T @ r / len(y)


def _data(rng, n=64):
    X = rng.standard_normal((n, 3))
    return X, X @ np.array([1.5, -2.0, 0.5]) + 0.01 * rng.standard_normal(n)


@pytest.mark.exercise("03.6")
@pytest.mark.points(1)
def test_full_batch_epoch_is_one_step(m, rng):
    X, y = _data(rng)
    w0 = rng.standard_normal(3)
    keep = w0.copy()
    w, history = m.gradient_descent(_linreg, w0, X, y, 0.1, 1, len(X), rng)
    np.testing.assert_array_equal(w0, keep, err_msg="do not modify the caller's w in place")
    np.testing.assert_allclose(
        w,
        w0 - 0.1 * _linreg(w0, X, y)[1],
        rtol=1e-12,
        err_msg="one full-batch epoch is one step w - lr * dw",
    )
    assert len(history) == 2, f"history has {len(history)} entries; want epochs + 1 = 2"
    np.testing.assert_allclose(
        history,
        [_linreg(w0, X, y)[0], _linreg(w, X, y)[0]],
        err_msg="history = full-data loss before and after each epoch",
    )


@pytest.mark.exercise("03.6")
@pytest.mark.points(1)
def test_minibatch_gd_converges(m, rng):
    X, y = _data(rng)
    steps = []

    def counting(w, Xb, yb):
        steps.append(len(yb))
        return _linreg(w, Xb, yb)

    w, history = m.gradient_descent(counting, np.zeros(3), X, y, 0.05, 30, 10, rng)
    batch_sizes = [s for s in steps if s != len(X)]
    assert len(batch_sizes) == 30 * 7, (
        f"{len(batch_sizes)} mini-batch steps; want 7 per epoch (64 examples, batches of 10)"
    )
    best = np.linalg.lstsq(X, y, rcond=None)[0]
    np.testing.assert_allclose(w, best, atol=0.02, err_msg="did not converge to least squares")
    assert len(history) == 31 and history[-1] < 1e-2 * history[0], "loss should drop 100-fold"

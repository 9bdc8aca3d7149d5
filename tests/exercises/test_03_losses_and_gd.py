"""Graded tests for lesson 03: MSE, BCE, softmax cross-entropy, mini-batch gradient descent.

Oracles: the tinymoe engine's losses and autograd (checked against PyTorch in the engine's
own tests), closed forms and invariants. Every random draw is seeded inside the test.
"""

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.nn import functional as F


@pytest.fixture
def m(load_exercise):
    return load_exercise("03_losses_and_gd")


def _minibatch_indices(n, batch_size, rng):
    order = rng.permutation(n)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


@pytest.fixture
def m_alone(m, monkeypatch):
    """The lesson module with a correct minibatch_indices (exercise 03.5), so that
    gradient_descent (03.6) is graded apart from it."""
    monkeypatch.setattr(m, "minibatch_indices", _minibatch_indices)
    return m


def _engine_loss_and_grad(loss_fn, pred, *args):
    """loss_fn(pred, *args) in the tinymoe engine: (loss, d loss / d pred)."""
    t = tm.tensor(pred, requires_grad=True, dtype=tm.float64)
    loss = loss_fn(t, *args)
    loss.backward()
    return loss.item(), t.grad


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
def test_mse_matches_engine(m):
    rng = np.random.default_rng(301)
    pred, target = rng.standard_normal((6, 2)), rng.standard_normal((6, 2))
    got = m.mse(pred, target)
    expected = _engine_loss_and_grad(F.mse_loss, pred, target)
    if np.ndim(got[0]) == 0 and np.isclose(got[0], expected[0] * pred.size):
        pytest.fail("mse returned the SUM of squared errors: the loss is their mean")
    if np.shape(got[1]) == pred.shape and np.allclose(got[1], -expected[1]):
        pytest.fail("mse's gradient has the wrong sign: d/dpred (pred - target)^2 = "
                    "2 (pred - target)")
    if np.shape(got[1]) == pred.shape and np.allclose(got[1], expected[1] / 2):
        pytest.fail("mse's gradient is half the right one: d/dpred (pred - target)^2 has a 2")
    _check_loss("mse", got, expected)


@pytest.mark.exercise("03.2")
@pytest.mark.points(1)
def test_bce_with_logits_matches_engine(m):
    rng = np.random.default_rng(302)
    z, y = 3 * rng.standard_normal(12), rng.uniform(size=12)  # soft targets in [0, 1]
    got = m.bce_with_logits(z, y)
    expected = _engine_loss_and_grad(F.binary_cross_entropy_with_logits, z, y)
    hard = _engine_loss_and_grad(F.binary_cross_entropy_with_logits, z, (y > 0.5) * 1.0)
    if np.ndim(got[0]) == 0 and np.isclose(got[0], hard[0]) and not np.isclose(got[0], expected[0]):
        pytest.fail("your loss treats y as 0 or 1: targets may be any number in [0, 1]; use "
                    "max(z, 0) - z y + log1p(exp(-|z|)), which weighs both terms by y")
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
def test_softmax_matches_engine(m):
    rng = np.random.default_rng(303)
    z = 3 * rng.standard_normal((2, 5, 7))
    before = z.copy()
    p = m.softmax(z)
    np.testing.assert_array_equal(
        z, before, err_msg="softmax changed its input z in place (z -= max?): return a new array"
    )
    assert np.shape(p) == z.shape, f"softmax returned shape {np.shape(p)}; expected {z.shape}"
    np.testing.assert_allclose(
        p.sum(axis=-1),
        1.0,
        rtol=1e-12,
        err_msg="each row must sum to 1: normalise along the LAST axis",
    )
    expected = F.softmax(tm.tensor(z, dtype=tm.float64), dim=-1).data
    np.testing.assert_allclose(p, expected, rtol=1e-10, atol=1e-15,
                               err_msg="softmax along the last axis: exp(z - max) / sum")


@pytest.mark.exercise("03.3")
@pytest.mark.points(1)
def test_softmax_is_shift_invariant_and_stable(m):
    rng = np.random.default_rng(304)
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
    # rows on very different scales: each row's max must be subtracted, not the array's
    scales = z + np.array([[0.0], [-2000.0], [50.0], [3000.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        try:
            got = m.softmax(scales)
        except FloatingPointError as err:
            pytest.fail(
                f"softmax failed ({err}) on rows whose values differ by thousands: subtract "
                "each ROW's max (z.max(axis=-1, keepdims=True)), not the whole array's"
            )
    np.testing.assert_allclose(
        got, m.softmax(z), rtol=1e-9,
        err_msg="rows shifted by -2000 .. 3000 must give the same probabilities: subtract "
        "each ROW's max (axis=-1, keepdims=True), not the max of the whole array",
    )


@pytest.mark.exercise("03.4")
@pytest.mark.points(2)
def test_cross_entropy_matches_engine(m):
    rng = np.random.default_rng(305)
    logits, labels = 2 * rng.standard_normal((9, 5)), rng.integers(0, 5, size=9)
    got = m.cross_entropy(logits, labels)
    expected = _engine_loss_and_grad(F.cross_entropy, logits, labels)
    _check_loss("cross_entropy", got, expected)
    np.testing.assert_allclose(
        got[1].sum(axis=1),
        0.0,
        atol=1e-12,
        err_msg="each gradient row (p - onehot)/N must sum to 0",
    )


@pytest.mark.exercise("03.4")
@pytest.mark.points(1)
def test_cross_entropy_extremes(m):
    rng = np.random.default_rng(306)
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
    np.testing.assert_allclose(grad, [[-0.5, 0.5, 0.0], [0.0, 0.0, 0.0]], atol=1e-15,
                               err_msg="dlogits = (softmax(logits) - one_hot(labels)) / N")


@pytest.mark.exercise("03.4")
@pytest.mark.points(1)
def test_cross_entropy_class_absent_from_batch(m):
    rng = np.random.default_rng(307)
    logits = rng.standard_normal((6, 5))
    labels = np.array([0, 2, 1, 2, 0, 1])  # classes 3 and 4 never occur in this batch
    try:
        got = m.cross_entropy(logits, labels)
    except (ValueError, IndexError) as err:
        pytest.fail(
            f"cross_entropy failed on a batch where classes 3 and 4 do not occur ({err}): the "
            "number of classes is logits.shape[1], not labels.max() + 1"
        )
    assert np.shape(got[1]) == (6, 5), (
        f"the gradient has shape {np.shape(got[1])}; expected (N, C) = (6, 5): the number of "
        "classes is logits.shape[1], not labels.max() + 1 (a class may be absent from a batch)"
    )
    _check_loss("cross_entropy", got, _engine_loss_and_grad(F.cross_entropy, logits, labels))


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
    same = m.minibatch_indices(103, 10, np.random.default_rng(0))
    assert np.array_equal(np.concatenate(same), everything), (
        "two calls with generators seeded alike gave different batches: shuffle with the rng "
        "you are given (rng.permutation), not np.random's global state"
    )
    other = m.minibatch_indices(103, 10, np.random.default_rng(1))
    assert not np.array_equal(np.concatenate(other), everything), (
        "generators with different seeds gave the same batches: shuffle with the rng you are given"
    )


def _linreg(w, X, y):
    r = X @ w - y
    return float(np.mean(r**2)), 2 * X.T @ r / len(y)


def _data(rng, n=64):
    X = rng.standard_normal((n, 3))
    return X, X @ np.array([1.5, -2.0, 0.5]) + 0.01 * rng.standard_normal(n)


@pytest.mark.exercise("03.6")
@pytest.mark.points(1)
def test_full_batch_epoch_is_one_step(m_alone):
    m = m_alone
    rng = np.random.default_rng(308)
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
def test_minibatch_gd_converges(m_alone):
    m = m_alone
    rng = np.random.default_rng(309)
    X, y = _data(rng)
    steps = []

    def counting(w, Xb, yb):
        steps.append(len(yb))
        return _linreg(w, Xb, yb)

    w, history = m.gradient_descent(counting, np.zeros(3), X, y, 0.05, 30, 10, rng)
    batch_sizes = [s for s in steps if s != len(X)]
    assert len(batch_sizes) == 30 * 7, (
        f"{len(batch_sizes)} mini-batch steps; want 7 per epoch (64 examples, batches of 10, "
        "the last one of 4)"
    )
    best = np.linalg.lstsq(X, y, rcond=None)[0]
    np.testing.assert_allclose(w, best, atol=0.02, err_msg="did not converge to least squares")
    assert len(history) == 31, f"history has {len(history)} entries; want epochs + 1 = 31"
    assert history[-1] == pytest.approx(_linreg(w, X, y)[0], rel=1e-9), (
        "history[-1] must be the loss on the FULL data set at the final w, not a batch's loss"
    )
    assert history[-1] < 1e-2 * history[0], "loss should drop 100-fold"


def _batches_seen(m, seed, epochs=3):
    """The batches (as sets of example ids) gradient_descent steps on, per call."""
    X = np.arange(20.0).reshape(20, 1)  # example i holds the number i
    y = np.zeros(20)
    seen = []

    def recording(w, Xb, yb):
        if len(yb) != len(X):
            seen.append(frozenset(Xb[:, 0].astype(int).tolist()))
        return _linreg(w, Xb, yb)

    m.gradient_descent(recording, np.zeros(1), X, y, 0.01, epochs, 5, np.random.default_rng(seed))
    return seen


@pytest.mark.exercise("03.6")
@pytest.mark.points(1)
def test_batches_reshuffled_each_epoch_with_given_rng(m_alone):
    m = m_alone
    first = _batches_seen(m, seed=7)
    assert len(first) == 12, f"{len(first)} mini-batch steps; want 4 per epoch for 3 epochs"
    epochs = [set(first[i : i + 4]) for i in (0, 4, 8)]
    assert epochs[0] != epochs[1] or epochs[1] != epochs[2], (
        "every epoch stepped on the same batches: draw a new shuffle each epoch "
        "(call minibatch_indices inside the epoch loop)"
    )
    assert _batches_seen(m, seed=7) == first, (
        "two runs with generators seeded alike stepped on different batches: shuffle with the "
        "rng passed in, not np.random's global state"
    )
    assert _batches_seen(m, seed=8) != first, (
        "runs with differently seeded generators stepped on the same batches: use the rng "
        "passed in, not a generator of your own"
    )

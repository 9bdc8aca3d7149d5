"""Hidden tests for the drill seed001_preprocessing_leak. Oracles: the min-max formula
with training statistics written here, the [0, 1] span of every training feature, and
the invariance of the training output to the test rows."""

import numpy as np

from tinymoe.grading.feedback import assert_close


def _data(seed, n_train=40, n_test=15, d=4):
    rng = np.random.default_rng(seed)
    scales, offsets = rng.uniform(0.1, 50, d), rng.uniform(-30, 30, d)
    return (rng.standard_normal((n_train, d)) * scales + offsets,
            rng.standard_normal((n_test, d)) * scales + offsets)


def test_training_features_span_zero_to_one(drill):
    X_train, X_test = _data(1721)
    keep = X_train.copy(), X_test.copy()
    got_train, _ = drill.preprocess(X_train, X_test)
    got_train = np.asarray(got_train)
    assert np.array_equal(X_train, keep[0]) and np.array_equal(X_test, keep[1]), (
        "preprocess modified its inputs")
    assert got_train.shape == X_train.shape, f"shape {got_train.shape}; expected {X_train.shape}"
    for j in range(X_train.shape[1]):
        lo, hi = got_train[:, j].min(), got_train[:, j].max()
        assert np.isclose(lo, 0, atol=1e-12) and np.isclose(hi, 1, atol=1e-12), (
            f"scaled training feature {j} spans [{lo:.3g}, {hi:.3g}], not [0, 1] (its raw "
            f"values span [{X_train[:, j].min():.3g}, {X_train[:, j].max():.3g}])")


def test_test_rows_do_not_shape_the_preprocessing(drill):
    X_train, X_test = _data(1722)
    a_train, a_test = (np.asarray(v) for v in drill.preprocess(X_train, X_test))
    b_train, _ = (np.asarray(v) for v in drill.preprocess(X_train, 1000 * X_test))
    assert np.array_equal(a_train, b_train), (
        "changing only X_test changed the scaled training data: information from the test "
        "set leaks into the preprocessing")
    lo, hi = X_train.min(axis=0), X_train.max(axis=0)
    assert_close(a_test, (X_test - lo) / (hi - lo), rtol=1e-10, atol=1e-12,
                 err_msg="the test rows are not scaled with the training rows' statistics")
    assert_close(np.asarray(drill.preprocess([[1, -2], [3, 2]], [[5, 0]])[1]), [[2, 0.5]],
                 rtol=1e-12, err_msg="worked example: the test row should become [2, 0.5]")


def test_constant_feature(drill):
    X_train, X_test = _data(1723, d=3)
    X_train[:, 1] = 7.0
    with np.errstate(divide="raise", invalid="raise"):
        got_train, got_test = (np.asarray(v) for v in drill.preprocess(X_train, X_test))
    assert np.all(np.isfinite(got_train)) and np.all(np.isfinite(got_test)), (
        "nan or inf with a feature that is constant on the training rows")
    assert np.all(got_train[:, 1] == 0), "a constant training feature should become 0"
    assert_close(got_test[:, 1], X_test[:, 1] - 7.0, rtol=1e-12,
                 err_msg="a constant feature is shifted by its value and divided by 1")

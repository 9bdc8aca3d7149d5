"""Hidden tests for the drill knn. Oracle: a plain loop over the test points written
here (sorted distances, Counter-free vote), the statement's example, and k >= n."""

import numpy as np


def _one(X_train, y_train, x, k):
    d2 = [float(np.sum((row - x) ** 2)) for row in X_train]
    order = sorted(range(len(X_train)), key=lambda i: (d2[i], i))[:k]
    votes = {}
    for i in order:
        votes[int(y_train[i])] = votes.get(int(y_train[i]), 0) + 1
    best = max(votes.values())
    return min(c for c, v in votes.items() if v == best)


def _check(drill, X_train, y_train, X_test, k, context):
    got = np.asarray(drill.knn_predict(X_train, y_train, X_test, k))
    want = np.array([_one(X_train, y_train, x, k) for x in X_test])
    assert got.shape == want.shape, f"{context}: shape {got.shape}, expected {want.shape}"
    wrong = np.flatnonzero(got != want)
    if wrong.size:
        i = int(wrong[0])
        raise AssertionError(
            f"{context}: {wrong.size}/{len(want)} test points mislabelled, e.g. test point {i} "
            f"predicted {got[i]} instead of {want[i]} (k={k}: are the k SMALLEST distances "
            "used, over the right axis, with the vote's ties going to the smaller class?)")


def test_random_data_against_a_loop(drill):
    rng = np.random.default_rng(1631)
    for _ in range(5):
        n, m, d = (int(v) for v in rng.integers(5, 40, 3))
        c, k = int(rng.integers(2, 5)), int(rng.integers(1, 8))
        X_train, X_test = rng.standard_normal((n, d)), rng.standard_normal((m, d))
        _check(drill, X_train, rng.integers(0, c, n), X_test, k, f"n={n}, m={m}, d={d}")


def test_ties_example_and_k_equal_one(drill):
    X_train = np.array([[0.0], [1.0], [2.0], [10.0]])
    y_train = np.array([0, 0, 1, 1])
    X_test = np.array([[0.9], [9.0], [1.5]])
    _check(drill, X_train, y_train, X_test, 3, "worked example, k=3")
    _check(drill, X_train, y_train, X_test, 2, "worked example, k=2 (a 1-1 vote)")
    # integer grid: many exactly equal distances
    rng = np.random.default_rng(1632)
    grid_train = rng.integers(0, 3, (30, 2)).astype(float)
    grid_test = rng.integers(0, 3, (20, 2)).astype(float)
    _check(drill, grid_train, rng.integers(0, 3, 30), grid_test, 4, "grid with distance ties")
    # k = 1 on the training points themselves gives back their labels
    X = rng.standard_normal((25, 3))
    y = rng.integers(0, 4, 25)
    got = np.asarray(drill.knn_predict(X, y, X, 1))
    assert np.array_equal(got, y), "k=1 on the training points must return their own labels"


def test_k_larger_than_n(drill):
    rng = np.random.default_rng(1633)
    X_train, y_train = rng.standard_normal((7, 2)), np.array([2, 2, 2, 0, 0, 1, 1])
    X_test = rng.standard_normal((5, 2))
    got = np.asarray(drill.knn_predict(X_train, y_train, X_test, 50))
    assert np.array_equal(got, np.full(5, 2)), (
        f"k=50 > n=7 must vote with all 7 training points (class 2 has 3 votes); got {got}")

"""Hidden tests for the drill kmeans. Oracles: invariants of Lloyd's algorithm (the
objective never increases; at the end every centre is the mean of its points and every
point is assigned to its nearest centre) and well-separated blobs."""

import numpy as np

from tinymoe.grading.feedback import assert_close


def _objective(X, c, labels):
    return float(((X - c[labels]) ** 2).sum())


def _blobs(rng, k, d, per):
    centres = 20 * rng.standard_normal((k, d))
    X = np.concatenate([c + rng.standard_normal((per, d)) for c in centres])
    return X, np.repeat(np.arange(k), per)


def test_objective_never_increases_and_fixed_point(drill):
    rng = np.random.default_rng(1621)
    for _ in range(4):
        n, d, k = int(rng.integers(30, 120)), int(rng.integers(1, 5)), int(rng.integers(2, 7))
        X = rng.standard_normal((n, d))
        init = X[rng.choice(n, k, replace=False)].copy()
        keep = init.copy()
        c, labels, inertia = drill.kmeans(X, init, n_iter=200)
        c, labels = np.asarray(c), np.asarray(labels)
        assert np.array_equal(init, keep), "the starting centroids were modified in place"
        assert c.shape == (k, d) and labels.shape == (n,), (
            f"returned shapes {c.shape}, {labels.shape}; expected ({k}, {d}), ({n},)")
        steps = np.asarray(inertia, dtype=float)
        assert len(steps) >= 1, "inertia is empty: record the objective after each update"
        rises = np.diff(steps) > 1e-9 * max(1.0, steps.max())
        assert not rises.any(), (
            f"the objective increased at step {int(np.argmax(rises)) + 1} "
            f"({steps[np.argmax(rises)]:.6g} -> {steps[np.argmax(rises) + 1]:.6g}): each step "
            "must assign to the NEAREST centre and move centres to the MEAN of their points")
        d2 = ((X[:, None] - c[None]) ** 2).sum(axis=2)
        assert np.array_equal(labels, d2.argmin(axis=1)), (
            "some returned labels are not the nearest returned centre (labels from before the "
            "last update, or distances computed on the wrong axis?)")
        for j in range(k):
            if np.any(labels == j):
                assert_close(c[j], X[labels == j].mean(axis=0), rtol=1e-9, atol=1e-12,
                             err_msg=f"centre {j} is not the mean of its points at convergence")
        assert_close(steps[-1], _objective(X, c, labels), rtol=1e-9,
                     err_msg="inertia[-1] is not the objective of the returned centres/labels")


def test_recovers_separated_blobs(drill):
    rng = np.random.default_rng(1622)
    X, truth = _blobs(rng, k=3, d=2, per=40)
    init = X[[0, 40, 80]] + 0.5          # one start in each blob
    c, labels, _ = drill.kmeans(X, init, n_iter=50)
    assert np.array_equal(np.asarray(labels), truth), (
        "three far-apart blobs, one start in each, are not recovered exactly")
    assert_close(c, np.stack([X[truth == j].mean(0) for j in range(3)]), rtol=1e-9,
                 err_msg="the final centres are not the blob means")


def _strict(drill, X, init):
    """kmeans with 0/0 turned into a named failure."""
    with np.errstate(invalid="raise", divide="raise"):
        try:
            return drill.kmeans(X, init, n_iter=10)
        except FloatingPointError as err:
            raise AssertionError(f"0/0 with a centre that gets no points ({err}): the mean of "
                                 "an empty cluster is undefined, keep that centre") from None


def test_empty_cluster_and_k_larger_than_distinct_points(drill):
    X = np.array([[0.0, 0.0], [0.0, 1.0], [10.0, 0.0], [10.0, 1.0]])
    far = np.array([[0.0, 0.0], [1.0, 0.0], [500.0, 500.0]])  # the third never gets a point
    c, labels, inertia = _strict(drill, X, far)
    c = np.asarray(c)
    assert np.all(np.isfinite(c)), "a centre with no points became nan (mean of an empty set)"
    assert_close(c[2], [500.0, 500.0], err_msg="a centre with no points must stay where it was")
    assert_close(c[:2], [[0, 0.5], [10, 0.5]], rtol=1e-12, err_msg="worked example: wrong centres")
    assert np.array_equal(np.asarray(labels), [0, 0, 1, 1]), "worked example: wrong labels"
    assert_close(inertia[-1], 1.0, rtol=1e-12, err_msg="worked example: final inertia is not 1.0")
    # k = 6 > 4 points, duplicate starts: ties go to the lower index, nothing is nan
    dup = np.repeat(X[:2], 3, axis=0)
    c, labels, _ = _strict(drill, X, dup)
    assert np.all(np.isfinite(np.asarray(c))), "k > number of points gave nan centres"
    assert np.asarray(labels).max() < 6, "labels out of range"

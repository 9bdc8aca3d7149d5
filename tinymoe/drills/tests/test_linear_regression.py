"""Hidden tests for the drill linear_regression. Oracles: np.linalg.lstsq (the closed
form at l2 = 0), the optimality condition X.T (Xw - y) / n + l2 w = 0 for ridge, and
gradient descent's monotone descent towards the closed form."""

import numpy as np

from tinymoe.grading.feedback import assert_close


def test_closed_form_matches_lstsq_and_ridge_condition(drill):
    rng = np.random.default_rng(1651)
    for _ in range(4):
        n, d = int(rng.integers(10, 40)), int(rng.integers(1, 8))
        X, y = rng.standard_normal((n, d)), rng.standard_normal(n)
        assert_close(drill.closed_form(X, y), np.linalg.lstsq(X, y, rcond=None)[0],
                     rtol=1e-8, atol=1e-10, err_msg=f"l2=0, X {X.shape}: not the least-squares "
                     "solution")
        l2 = float(rng.uniform(0.01, 2))
        w = np.asarray(drill.closed_form(X, y, l2))
        grad = X.T @ (X @ w - y) / n + l2 * w
        assert np.abs(grad).max() < 1e-9, (
            f"l2={l2:.3g}: the gradient at your w is {np.abs(grad).max():.3g}, not 0: solve "
            "(X.T X / n + l2 I) w = X.T y / n (mind the 1/n on both sides)")


def test_singular_design_and_wide_matrix(drill):
    rng = np.random.default_rng(1652)
    base = rng.standard_normal((12, 3))
    X = np.concatenate([base, base[:, :1]], axis=1)   # duplicated column: X.T X singular
    y = rng.standard_normal(12)
    w = np.asarray(drill.closed_form(X, y))
    assert np.all(np.isfinite(w)), "duplicated column: the solution is not finite"
    assert_close(w, np.linalg.lstsq(X, y, rcond=None)[0], rtol=1e-8, atol=1e-10,
                 err_msg="duplicated column (X.T X singular): not the minimum-norm solution")
    wide = rng.standard_normal((4, 9))                # n < d, ridge makes it well posed
    yw = rng.standard_normal(4)
    w = np.asarray(drill.closed_form(wide, yw, 0.5))
    assert np.abs(wide.T @ (wide @ w - yw) / 4 + 0.5 * w).max() < 1e-9, (
        "n < d with l2 = 0.5: the ridge optimality condition does not hold")
    assert_close(drill.closed_form(np.array([[1.0, 0], [0, 2], [1, 1]]), np.array([1.0, 2, 2])),
                 [1.0, 1.0], rtol=1e-10, err_msg="worked example: the exact fit is w = [1, 1]")


def test_gradient_descent_descends_to_the_closed_form(drill):
    rng = np.random.default_rng(1653)
    for l2 in (0.0, 0.2):
        n, d = int(rng.integers(30, 60)), int(rng.integers(2, 6))
        X = rng.standard_normal((n, d)) * rng.uniform(0.5, 3, d)   # unequal column scales
        y = rng.standard_normal(n)
        w, losses = drill.gradient_descent(X, y, l2=l2, n_steps=4000)
        losses = np.asarray(losses, dtype=float)
        assert len(losses) == 4000, f"{len(losses)} losses for 4000 steps"
        assert_close(losses[0], y @ y / (2 * n), rtol=1e-12,
                     err_msg="the first loss is not ||y||^2 / (2n): start from w = 0, and the "
                     "loss is the squared error over 2n")
        assert np.all(np.diff(losses) <= 1e-12), (
            f"l2={l2}: the loss went up: lr must be 1 / (largest eigenvalue of X.T X / n + l2)")
        assert_close(w, np.linalg.solve(X.T @ X / n + l2 * np.eye(d), X.T @ y / n),
                     rtol=1e-6, atol=1e-8,
                     err_msg=f"l2={l2}: gradient descent did not reach the closed form")

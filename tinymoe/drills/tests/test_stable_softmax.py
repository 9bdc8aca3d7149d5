"""Hidden tests for the drill stable_softmax. Oracle: the tinymoe engine's softmax and
log_softmax, and invariants (rows sum to 1, shift invariance)."""

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.grading.feedback import assert_close
from tinymoe.nn import functional as F


def _engine(fn, z, axis):
    return fn(tm.tensor(z, dtype=tm.float64), dim=axis).data


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_matches_engine_on_any_axis(drill, axis):
    rng = np.random.default_rng(1001 + axis)
    z = 3 * rng.standard_normal(tuple(rng.integers(2, 6, size=3)))
    before = z.copy()
    p, lp = drill.softmax(z, axis=axis), drill.log_softmax(z, axis=axis)
    np.testing.assert_array_equal(z, before, err_msg="z was modified in place (z -= max?): "
                                  "work on a new array")
    assert np.shape(p) == z.shape, f"softmax returned shape {np.shape(p)}; expected {z.shape}"
    assert_close(np.sum(p, axis=axis), 1.0, rtol=1e-12,
                 err_msg=f"softmax slices along axis={axis} do not sum to 1: normalise over "
                         "`axis` with keepdims=True")
    assert_close(p, _engine(F.softmax, z, axis), rtol=1e-10, atol=1e-15,
                 err_msg=f"softmax along axis={axis} differs from exp(z) / sum(exp(z))")
    assert_close(lp, _engine(F.log_softmax, z, axis), rtol=1e-10, atol=1e-12,
                 err_msg=f"log_softmax along axis={axis} differs from z - logsumexp(z)")


def test_huge_logits_neither_overflow_nor_underflow(drill):
    rng = np.random.default_rng(1002)
    z = rng.standard_normal((4, 6))
    z[0] += 1e4      # whole row shifted up: exp overflows without the max shift
    z[1, 2] = 1e4    # one dominant entry: softmax ~ one-hot
    z[2, 3] = -1e4   # one hopeless entry: log_softmax must be ~ -1e4, not -inf
    with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
        try:
            p, lp = drill.softmax(z), drill.log_softmax(z)
        except FloatingPointError as err:
            pytest.fail(f"overflow or log(0) at logits of +-1e4 ({err}): subtract each row's "
                        "max before exp, and compute log_softmax as shifted - log(sum(exp))")
    assert np.all(np.isfinite(p)) and np.all(np.isfinite(lp)), (
        "nan or inf at logits of +-1e4: subtract each row's max before exp; never take "
        "log(softmax) (it underflows to log(0) = -inf)")
    assert_close(p, _engine(F.softmax, z, -1), rtol=1e-10, atol=1e-300,
                 err_msg="softmax at logits of +-1e4 is wrong")
    assert_close(lp, _engine(F.log_softmax, z, -1), rtol=1e-10, atol=1e-9,
                 err_msg="log_softmax at logits of +-1e4 is wrong (log(softmax) gives -inf)")


def test_rows_shift_separately(drill):
    # rows thousands apart: a single global max would underflow the low row to 0 / 0
    z = np.array([[2000.0, 2001.0], [0.0, 1.0], [-3000.0, -2999.0]])
    with np.errstate(all="ignore"):
        p = drill.softmax(z)
    said = ("rows far apart give different results: subtract each ROW's max (keepdims=True), "
            "not the max of the whole array")
    assert np.all(np.isfinite(p)), f"{said} (nan or inf in the rows far below the top one)"
    want = np.exp([0.0, 1.0]) / np.exp([0.0, 1.0]).sum()
    assert_close(p, np.broadcast_to(want, z.shape), rtol=1e-12,
                 err_msg=said)

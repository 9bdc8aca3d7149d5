"""Hidden tests for the drill clip_grad_norm. Oracles: tinymoe.optim.clip_grad_norm_ (which,
like PyTorch, divides by total + 1e-6: compared at rtol 1e-5) and invariants (global norm
after clipping, direction kept, untouched below the threshold)."""

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.grading.feedback import assert_close


def _grads(seed):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(tuple(rng.integers(1, 5, size=int(rng.integers(1, 4)))))
            for _ in range(int(rng.integers(3, 6)))]


def _global_norm(arrays):
    return float(np.sqrt(sum(np.sum(a * a) for a in arrays)))


def test_matches_engine_and_clips_globally(drill):
    grads = _grads(2001)
    grads[0] *= 10.0  # one large array: a per-array clip would treat the others differently
    copies = [g.copy() for g in grads]
    total = _global_norm(grads)
    max_norm = total / 4
    clipped, got_total = drill.clip_grad_norm(grads, max_norm)
    for g, kept in zip(grads, copies):
        np.testing.assert_array_equal(g, kept, err_msg="clip_grad_norm modified an input array "
                                      "in place: return new arrays")
    assert np.ndim(got_total) == 0, "the second value must be the total norm, one number"
    assert_close(got_total, total, rtol=1e-12,
                 err_msg="the returned norm must be the global L2 norm BEFORE clipping")
    assert len(clipped) == len(grads), f"{len(clipped)} arrays returned for {len(grads)}"
    per_array = [g * min(1.0, max_norm / np.linalg.norm(g)) for g in grads]
    if all(np.allclose(c, p) for c, p in zip(clipped, per_array)):
        pytest.fail("each array is clipped by its own norm: use ONE factor max_norm / total "
                    "from the global norm of all arrays")
    ts = [tm.tensor(np.zeros_like(g), requires_grad=True, dtype=tm.float64) for g in grads]
    for t, g in zip(ts, grads):
        t.grad = g.copy()
    tm.optim.clip_grad_norm_(ts, max_norm)
    for k, (c, t) in enumerate(zip(clipped, ts)):
        assert_close(c, t.grad, rtol=1e-5, err_msg=f"clipped array {k} is wrong: scale every "
                     "array by max_norm / total")
    assert_close(_global_norm(clipped), max_norm, rtol=1e-6,
                 err_msg="after clipping the global norm must equal max_norm")


def test_below_the_threshold_nothing_changes(drill):
    grads = _grads(2002)
    clipped, total = drill.clip_grad_norm(grads, _global_norm(grads) * 1.5)
    for k, (c, g) in enumerate(zip(clipped, grads)):
        assert_close(c, g, rtol=1e-15, err_msg=f"array {k} changed although the global norm "
                     "is below max_norm (never scale gradients UP)")


def test_zero_gradients(drill):
    grads = [np.zeros(3), np.zeros((2, 2))]
    with np.errstate(divide="raise", invalid="raise"):
        try:
            clipped, total = drill.clip_grad_norm(grads, 1.0)
        except FloatingPointError as err:
            pytest.fail(f"all-zero gradients give 0/0 ({err}): scale only when total > max_norm")
    assert total == 0.0, f"the norm of zero gradients is 0, got {total}"
    for c in clipped:
        assert_close(c, 0.0, atol=0.0, err_msg="zero gradients must stay zero (not nan)")

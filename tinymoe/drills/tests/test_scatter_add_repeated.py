"""Hidden tests for the drill scatter_add_repeated. Oracles: the tinymoe engine's
index_add (a scatter-add along dim 0), the adjoint identity <dispatch(x), R> =
<x, dispatch_backward(R)>, and the statement's worked example."""

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.grading.feedback import assert_close, diagnose


def _scatter(rows, ids, n):
    zeros = tm.zeros((n, rows.shape[1]), dtype=tm.float64)
    return tm.index_add(zeros, 0, ids, tm.tensor(rows, dtype=tm.float64)).data


def _routing(rng, n_tokens, k):
    """Each token to k distinct experts' slots, the slots in a shuffled order."""
    ids = np.repeat(np.arange(n_tokens), k)
    return ids[rng.permutation(len(ids))]


def _check(got, rows, ids, n, what):
    want = _scatter(rows, ids, n)
    got = np.asarray(got, dtype=float)
    if not (got.shape == want.shape and np.allclose(got, want, rtol=1e-12, atol=1e-12)):
        once = np.zeros_like(want)
        once[ids] = rows                                   # one slot per token survives
        raise AssertionError(diagnose(got, want, {
            f"{what}: a token with several slots receives only one of them": once,
        }, generic=f"{what} differs from the sum over each token's slots"))


def test_worked_example(drill):
    ids, gates = np.array([0, 1, 0, 1]), np.array([0.7, 0.6, 0.3, 0.4])
    expert_out = np.array([[1.0], [2.0], [3.0], [4.0]])
    got = np.asarray(drill.combine(expert_out, gates, ids, 2))
    assert_close(got, [[1.6], [2.8]], rtol=1e-12,
                 err_msg="worked example: combine should give [[1.6], [2.8]]")


@pytest.mark.parametrize("k", [1, 2, 3])
def test_combine_and_dispatch_backward_top_k(drill, k):
    rng = np.random.default_rng(1741 + k)
    n_tokens, d = int(rng.integers(3, 12)), int(rng.integers(1, 6))
    ids = _routing(rng, n_tokens, k)
    if k == 3:
        ids = ids[2:]                       # two slots dropped: a token may have fewer
        n_tokens += 1                       # and the last token has none
    expert_out, gates = rng.standard_normal((len(ids), d)), rng.uniform(0, 1, len(ids))
    _check(drill.combine(expert_out, gates, ids, n_tokens), gates[:, None] * expert_out, ids,
           n_tokens, f"combine (top-{k})")
    grad_slots = rng.standard_normal((len(ids), d))
    _check(drill.dispatch_backward(grad_slots, ids, n_tokens), grad_slots, ids, n_tokens,
           f"dispatch_backward (top-{k})")
    x = rng.standard_normal((n_tokens, d))
    lhs = float(np.sum(drill.dispatch(x, ids) * grad_slots))
    rhs = float(np.sum(x * np.asarray(drill.dispatch_backward(grad_slots, ids, n_tokens))))
    assert_close(rhs, lhs, rtol=1e-10, err_msg=f"top-{k}: dispatch_backward is not the "
                 "gradient of dispatch (<dispatch(x), R> != <x, dispatch_backward(R)>)")

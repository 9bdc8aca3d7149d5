"""Hidden tests for scaled dot-product attention: oracle tinymoe (batched matmul +
nn.functional.softmax), invariants (rows sum to 1, zero weight on the future, changing a
later token leaves earlier outputs unchanged) and stability for large scores."""

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.grading.feedback import assert_close, close, diagnose


def _engine(q, k, v, causal, scale=None):
    scale = np.sqrt(q.shape[-1]) if scale is None else scale
    with tm.use_backend("numpy"):
        scores = tm.tensor(q) @ tm.tensor(k).transpose(-1, -2) / scale
        if causal:
            scores = scores + np.triu(np.full(scores.shape[-2:], -np.inf), 1)
        weights = tm.nn.functional.softmax(scores, dim=-1)
        return (weights @ tm.tensor(v)).data, weights.data


def _qkv(rng, lead, n_q, n_k, d, dv, scale=1.0):
    return (rng.standard_normal(lead + (n_q, d)) * scale,
            rng.standard_normal(lead + (n_k, d)) * scale, rng.standard_normal(lead + (n_k, dv)))


def test_matches_the_engine_without_mask(drill):
    rng = np.random.default_rng(0)
    for lead in [(), (3,), (2, 3)]:
        n_q, n_k, d, dv = (int(n) for n in rng.integers(1, 9, size=4))
        q, k, v = _qkv(rng, lead, n_q, n_k, d, dv, 1.5)
        out, weights = drill.attention(q.copy(), k.copy(), v.copy())
        want_out, want_w = _engine(q, k, v, False)
        message = diagnose(weights, want_w, {
            "scores must be divided by sqrt(d)": _engine(q, k, v, False, 1.0)[1],
            "scores are divided by sqrt(d), not by d": _engine(q, k, v, False, d)[1],
        })
        assert close(weights, want_w, rtol=1e-8, atol=1e-12), (
            f"weights for q{q.shape} k{k.shape}: {message}")
        assert_close(out, want_out, rtol=1e-8, atol=1e-12, err_msg="out must be weights @ v")


def test_causal_mask(drill):
    rng = np.random.default_rng(1)
    n, d = 7, 4
    q, k, v = _qkv(rng, (2,), n, n, d, 3)
    out, weights = drill.attention(q.copy(), k.copy(), v.copy(), causal=True)
    weights = np.asarray(weights)
    assert np.all(np.isfinite(weights)), (
        "causal: some rows of weights are nan: a row whose keys are all masked (query 0 "
        "must still see key 0: mask only j > i, keep the diagonal)")
    assert np.all(weights[..., np.triu_indices(n, 1)[0], np.triu_indices(n, 1)[1]] == 0), (
        "causal: weights above the diagonal (future keys) must be exactly 0")
    assert_close(np.diagonal(weights, axis1=-2, axis2=-1)[..., 0], 1.0, rtol=1e-12,
                 err_msg="causal: query 0 may see key 0 (the mask keeps the diagonal)")
    assert_close(weights.sum(-1), 1.0, rtol=1e-10, err_msg="each row of weights must sum to 1")
    assert_close(out, _engine(q, k, v, True)[0], rtol=1e-8, atol=1e-12,
                 err_msg="causal attention output is wrong")
    with pytest.raises(ValueError):
        drill.attention(q[:, :3], k, v, causal=True)


def test_changing_a_later_token_leaves_earlier_outputs_unchanged(drill):
    rng = np.random.default_rng(2)
    n, d = 9, 5
    q, k, v = _qkv(rng, (), n, n, d, 4)
    out, _ = drill.attention(q.copy(), k.copy(), v.copy(), causal=True)
    t = 5
    q2, k2, v2 = q.copy(), k.copy(), v.copy()
    q2[t:] += 3 * rng.standard_normal(q2[t:].shape)
    k2[t:] += 3 * rng.standard_normal(k2[t:].shape)
    v2[t:] += 3 * rng.standard_normal(v2[t:].shape)
    out2, _ = drill.attention(q2, k2, v2, causal=True)
    assert_close(np.asarray(out2)[:t], np.asarray(out)[:t], rtol=1e-12, atol=1e-14,
                 err_msg=f"causal: changing tokens >= {t} changed outputs before {t} "
                         "(the mask lets queries see the future)")


def test_large_scores_are_stable(drill):
    rng = np.random.default_rng(3)
    q, k, v = _qkv(rng, (2,), 6, 6, 8, 3, 40.0)
    out, weights = drill.attention(q.copy(), k.copy(), v.copy(), causal=True)
    assert np.all(np.isfinite(out)), (
        "attention gives inf/nan for large scores: subtract the row max before exp")
    assert_close(out, _engine(q, k, v, True)[0], rtol=1e-8, atol=1e-12,
                 err_msg="attention is wrong for large scores")

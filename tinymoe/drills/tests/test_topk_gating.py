"""Hidden tests for top-k gating: oracle tinymoe.moe.routers.topk (Mixtral rule), with
invariants (gates sum to 1 for k > 1, k = 1 keeps the raw probability)."""

import numpy as np

import tinymoe as tm
from tinymoe.grading.feedback import assert_close, close, diagnose
from tinymoe.moe.routers import topk as engine_topk


def _engine(logits, k):
    routing = engine_topk(tm.tensor(logits), k)
    n_tokens = logits.shape[0]
    idx = routing.expert.reshape(k, n_tokens).T
    gates = routing.gate.data.reshape(k, n_tokens).T
    return idx, gates, routing.probs.data


def test_matches_the_engine_for_random_k(drill):
    rng = np.random.default_rng(0)
    for _ in range(6):
        n_tokens, n_experts = rng.integers(1, 25), rng.integers(2, 10)
        k = int(rng.integers(2, n_experts + 1))
        logits = rng.standard_normal((n_tokens, n_experts)) * 2
        idx, gates = drill.topk_gating(logits.copy(), k)
        want_idx, want_gates, probs = _engine(logits, k)
        assert np.shape(idx) == (n_tokens, k), (
            f"idx must have shape (T, k)={(n_tokens, k)}, got {np.shape(idx)}")
        assert np.array_equal(np.sort(idx, axis=1), np.sort(want_idx, axis=1)), (
            "wrong experts chosen: keep the k largest probabilities of each row")
        assert np.array_equal(idx, want_idx), "idx must list the experts best first"
        message = diagnose(gates, want_gates, {
            "gates are not renormalised over the k kept experts (k > 1)":
                np.take_along_axis(probs, want_idx, axis=1),
            "gates are a softmax over the kept probabilities instead of p / sum(p)":
                np.exp(np.take_along_axis(probs, want_idx, axis=1))
                / np.exp(np.take_along_axis(probs, want_idx, axis=1)).sum(1, keepdims=True),
        })
        assert close(gates, want_gates, rtol=1e-9, atol=1e-12), f"gates: {message}"
        assert_close(np.sum(gates, axis=1), 1.0, rtol=1e-9,
                     err_msg="with k > 1 the gates of each token must sum to 1")


def test_k_equal_1_keeps_the_raw_probability(drill):
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((17, 6))
    idx, gates = drill.topk_gating(logits.copy(), 1)
    want_idx, want_gates, _ = _engine(logits, 1)
    assert np.array_equal(np.ravel(idx), np.ravel(want_idx)), "k=1 must pick the argmax expert"
    message = diagnose(gates, want_gates, {
        "with k = 1 the gate must stay the raw probability p (renormalising makes it 1 and "
        "the router gets no gradient)": np.ones_like(want_gates),
    })
    assert close(gates, want_gates, rtol=1e-9), f"k=1 gates: {message}"


def test_ties_and_large_logits(drill):
    rng = np.random.default_rng(2)
    logits = np.zeros((3, 5))
    idx, gates = drill.topk_gating(logits, 2)
    assert np.array_equal(idx, [[0, 1]] * 3), (
        f"ties must go to the lower expert id first (use a stable sort), got {np.asarray(idx)}")
    big = rng.standard_normal((8, 5)) * 1000
    idx, gates = drill.topk_gating(big.copy(), 3)
    assert np.all(np.isfinite(gates)), "softmax overflows for logits ~1e3: subtract the row max"
    assert_close(gates, _engine(big, 3)[1], rtol=1e-9, atol=1e-12,
                 err_msg="gates are wrong for logits ~1e3")

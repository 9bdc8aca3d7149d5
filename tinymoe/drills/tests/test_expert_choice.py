"""Hidden tests for expert-choice routing: oracle tinymoe.moe.routers.expert_choice,
invariants (every expert takes exactly C tokens, gates are p[token, expert])."""

import numpy as np

import tinymoe as tm
from tinymoe.grading.feedback import assert_close, close, diagnose
from tinymoe.moe.routers import expert_choice as engine_expert_choice


def _engine(logits, capacity):
    routing = engine_expert_choice(tm.tensor(logits), capacity)
    n_experts = logits.shape[1]
    return (routing.token.reshape(n_experts, -1), routing.gate.data.reshape(n_experts, -1),
            routing.probs.data)


def test_matches_the_engine(drill):
    rng = np.random.default_rng(0)
    for _ in range(6):
        n_tokens, n_experts = int(rng.integers(2, 30)), int(rng.integers(2, 8))
        capacity = int(rng.integers(1, n_tokens + 1))
        logits = rng.standard_normal((n_tokens, n_experts)) * 2
        token, gate = drill.expert_choice(logits.copy(), capacity)
        want_token, want_gate, probs = _engine(logits, capacity)
        assert np.shape(token) == want_token.shape, (
            f"token must have shape (E, C)={want_token.shape}, got {np.shape(token)}")
        over_tokens = np.exp(logits) / np.exp(logits).sum(axis=0)
        picked_wrong_axis = np.argsort(-over_tokens.T, axis=1, kind="stable")[:, :capacity]
        if not np.array_equal(np.sort(token, 1), np.sort(want_token, 1)):
            hint = ("the softmax runs over the experts of each token (axis 1), not over "
                    "the tokens of each expert" if np.array_equal(token, picked_wrong_axis)
                    else "each expert e must pick the C tokens with the largest p[:, e]")
            raise AssertionError(f"wrong tokens picked: {hint}")
        assert np.array_equal(token, want_token), "each row must list its tokens best first"
        message = diagnose(gate, want_gate, {
            "gates are raw logits; use the softmax probabilities p[t, e]":
                np.take_along_axis(logits.T, want_token, axis=1),
        })
        assert close(gate, want_gate, rtol=1e-9, atol=1e-12), f"gate: {message}"


def test_perfect_balance_and_gates_are_probabilities(drill):
    rng = np.random.default_rng(1)
    n_tokens, n_experts, capacity = 23, 5, 6
    logits = rng.standard_normal((n_tokens, n_experts)) * 3
    logits[:, 0] += 10  # every token prefers expert 0: expert choice still balances
    token, gate = drill.expert_choice(logits.copy(), capacity)
    assert np.shape(token) == (n_experts, capacity), "every expert takes exactly C tokens"
    for e in range(n_experts):
        assert len(set(np.asarray(token)[e].tolist())) == capacity, (
            f"expert {e} picked a token twice")
    probs = _engine(logits, capacity)[2]
    assert_close(gate, probs[np.asarray(token), np.arange(n_experts)[:, None]], rtol=1e-9,
                 err_msg="gate[e, j] must equal p[token[e, j], e]")


def test_capacity_is_clipped_to_1_and_T(drill):
    logits = np.random.default_rng(2).standard_normal((3, 4))
    token, _ = drill.expert_choice(logits, 10)
    assert np.shape(token) == (4, 3), "a capacity above T is clipped to T"
    token, _ = drill.expert_choice(logits, 0)
    assert np.shape(token) == (4, 1), "a capacity below 1 is clipped to 1"

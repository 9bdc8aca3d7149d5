"""Hidden tests for DeepSeek-V3 routing and its bias update: oracle
tinymoe.moe.routers.deepseek (selection and gates), the update rule in closed form, and a
closed loop in which the updates balance a skewed router."""

import numpy as np

import tinymoe as tm
from tinymoe.grading.feedback import assert_close, close, diagnose
from tinymoe.moe.routers import deepseek as engine_deepseek


def _engine(logits, bias, k):
    routing = engine_deepseek(tm.tensor(logits), bias, k)
    n_tokens = logits.shape[0]
    return routing.expert.reshape(k, n_tokens).T, routing.gate.data.reshape(k, n_tokens).T


def test_route_matches_the_engine(drill):
    rng = np.random.default_rng(0)
    for _ in range(6):
        n_tokens, n_experts = int(rng.integers(1, 30)), int(rng.integers(3, 10))
        k = int(rng.integers(2, n_experts))
        logits = rng.standard_normal((n_tokens, n_experts)) * 2
        bias = rng.standard_normal(n_experts) * 0.5
        idx, gates = drill.deepseek_route(logits.copy(), bias.copy(), k)
        want_idx, want_gates = _engine(logits, bias, k)
        s = 1 / (1 + np.exp(-logits))
        if not np.array_equal(idx, want_idx):
            unbiased = np.argsort(-s, axis=1, kind="stable")[:, :k]
            hint = ("selection ignores the bias: select the top k of s + b"
                    if np.array_equal(idx, unbiased) else "select the top k of s + b, best first")
            raise AssertionError(f"wrong experts selected: {hint}")
        biased = np.take_along_axis(s + bias, want_idx, axis=1)
        message = diagnose(gates, want_gates, {
            "the gates must use the unbiased affinities s; the bias steers selection only":
                biased / biased.sum(axis=1, keepdims=True),
            "gates are normalised s / sum(s) over the selected experts, not a softmax":
                np.exp(np.take_along_axis(logits, want_idx, axis=1))
                / np.exp(np.take_along_axis(logits, want_idx, axis=1)).sum(1, keepdims=True),
            "gates must be normalised over the k selected experts":
                np.take_along_axis(s, want_idx, axis=1),
        })
        assert close(gates, want_gates, rtol=1e-9, atol=1e-12), f"gates: {message}"


def test_update_rule(drill):
    rng = np.random.default_rng(1)
    n_experts, gamma = 6, 0.05
    bias = rng.standard_normal(n_experts)
    idx = rng.integers(0, n_experts - 1, size=(19, 2))  # the last expert is idle
    load = np.bincount(idx.ravel(), minlength=n_experts)
    want = bias + gamma * np.sign(load.mean() - load)
    kept = bias.copy()
    got = drill.update_bias(bias, idx, gamma)
    assert np.array_equal(bias, kept), "update_bias must not modify its input in place"
    message = diagnose(got, want, {
        "sign flipped: an overloaded expert's bias must go DOWN":
            bias - gamma * np.sign(load.mean() - load),
        "the step is gamma * sign(mean - load), not proportional to the load gap":
            bias + gamma * (load.mean() - load),
    })
    assert close(got, want, rtol=1e-12), f"update_bias: {message}"
    balanced = np.tile(np.arange(n_experts), (2, 1)).T  # each expert twice
    assert_close(drill.update_bias(bias, balanced, gamma), bias, rtol=1e-12,
                 err_msg="a perfectly balanced load must leave the bias unchanged")


def test_updates_balance_a_skewed_router(drill):
    rng = np.random.default_rng(2)
    n_tokens, n_experts, k = 64, 8, 2
    logits = rng.standard_normal((n_tokens, n_experts))
    logits[:, :2] += 2.0  # experts 0 and 1 are everyone's favourites
    bias = np.zeros(n_experts)
    first, _ = drill.deepseek_route(logits, bias, k)
    start = np.bincount(np.ravel(first), minlength=n_experts).max()
    for _ in range(300):
        idx, _ = drill.deepseek_route(logits, bias, k)
        bias = drill.update_bias(bias, idx, 0.01)
    end = np.bincount(np.ravel(idx), minlength=n_experts).max()
    mean = n_tokens * k / n_experts
    assert end <= 1.5 * mean < start, (
        f"after 300 bias updates the busiest expert still has {end} assignments (mean "
        f"{mean:.0f}, {start} at the start): the update must push load towards the mean")

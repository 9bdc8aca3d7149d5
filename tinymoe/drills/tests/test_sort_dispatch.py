"""Hidden tests for sort-based dispatch: oracle tinymoe.moe.dispatch.sort_by_expert for
the layout, and the definition y[t] = sum_a gate_a (x[t] W[e_a] + b[e_a]) computed one
assignment at a time (einsum) for the output."""

import numpy as np

from tinymoe.grading.feedback import assert_close, close, diagnose
from tinymoe.moe.dispatch import sort_by_expert as engine_sort


def _definition(x, token, expert, gate, W, b):
    per_assignment = np.einsum("ad,adh->ah", x[token], W[expert]) + b[expert]
    y = np.zeros((x.shape[0], W.shape[2]))
    np.add.at(y, token, gate[:, None] * per_assignment)
    return y, per_assignment


def _problem(rng, n_tokens, n_experts, k, d, h):
    x = rng.standard_normal((n_tokens, d))
    W = rng.standard_normal((n_experts, d, h))
    b = rng.standard_normal((n_experts, h))
    # top-k distinct experts per token among the first E - 1 (the last expert stays empty)
    choice = np.argsort(rng.random((n_tokens, n_experts - 1)), axis=1)[:, :k]
    token = np.tile(np.arange(n_tokens), k)
    expert = choice.T.reshape(-1)
    gate = rng.random(len(token))
    drop = rng.random(len(token)) < 0.2  # some assignments dropped: tokens with none
    return x, token[~drop], expert[~drop], gate[~drop], W, b


def test_sort_by_expert_matches_the_engine(drill):
    rng = np.random.default_rng(0)
    for _ in range(5):
        n_experts = int(rng.integers(2, 9))
        expert = rng.integers(0, n_experts - 1, size=int(rng.integers(0, 50)))
        order, offsets = drill.sort_by_expert(expert.copy(), n_experts)
        want_order, want_offsets = engine_sort(expert, n_experts)
        assert np.array_equal(np.asarray(offsets), want_offsets), (
            f"offsets must be (E + 1,) cumulative counts starting at 0: expected "
            f"{want_offsets.tolist()}, got {np.asarray(offsets).tolist()}")
        assert np.array_equal(np.asarray(order), want_order), (
            "order must be a STABLE argsort of expert (kind='stable'): ties keep their order")


def test_dispatch_matches_the_definition(drill):
    rng = np.random.default_rng(1)
    for _ in range(4):
        n_tokens, n_experts = int(rng.integers(3, 40)), int(rng.integers(3, 8))
        k = int(rng.integers(1, 3))
        x, token, expert, gate, W, b = _problem(rng, n_tokens, n_experts, k, 5, 3)
        got = drill.moe_dispatch(x, token, expert, gate, W, b)
        want, per = _definition(x, token, expert, gate, W, b)
        last_write = np.zeros_like(want)
        order = np.argsort(expert, kind="stable")
        last_write[token[order]] = gate[order, None] * per[order]
        no_gate = np.zeros_like(want)
        np.add.at(no_gate, token, per)
        mixed = np.zeros_like(want)
        np.add.at(mixed, token, gate[:, None] * per[order])
        message = diagnose(got, want, {
            "outputs computed in expert order are scattered with the unsorted token ids: "
            "scatter with token[order] (and gate[order])": mixed,
            "repeated tokens overwrite instead of adding (y[idx] += v with repeated idx adds "
            "once): use np.add.at": last_write,
            "the gates are not applied": no_gate,
        })
        assert close(got, want, rtol=1e-9, atol=1e-12), f"moe_dispatch: {message}"
        unrouted = np.setdiff1d(np.arange(n_tokens), token)
        assert_close(np.asarray(got)[unrouted], 0.0,
                     err_msg="a token with no assignment must get a zero row")


def test_no_assignments_gives_zeros(drill):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 3))
    W, b = rng.standard_normal((2, 3, 5)), rng.standard_normal((2, 5))
    empty = np.zeros(0, dtype=np.int64)
    got = drill.moe_dispatch(x, empty, empty, np.zeros(0), W, b)
    assert_close(got, np.zeros((4, 5)), err_msg="no assignments must give y = 0 of shape (T, H)")

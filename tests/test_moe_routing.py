"""Routers, balancing losses and capacity: invariants and hand counts."""

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.moe import routers
from tinymoe.moe.capacity import expert_capacity, within_capacity
from tinymoe.moe.losses import cv_squared, importance_loss, load_loss, switch_loss, z_loss
from tinymoe.nn.moe import MoE


def _logits(rng, t=9, e=5):
    return tm.tensor(rng.standard_normal((t, e)), requires_grad=True, dtype=tm.float64)


def _gate_matrix(routing, shape):
    g = np.zeros(shape)
    np.add.at(g, (routing.token, routing.expert), routing.gate.data)
    return g


def test_topk_with_k_equal_to_n_experts_is_dense(rng):
    logits = _logits(rng)
    dense, top = routers.dense(logits), routers.topk(logits, logits.shape[1])
    np.testing.assert_allclose(_gate_matrix(top, logits.shape), _gate_matrix(dense, logits.shape),
                               atol=1e-15)


def test_topk_gates_are_renormalised_over_the_k_and_best_first(rng):
    logits = _logits(rng)
    routing = routers.topk(logits, 2)
    gates = routing.gate.data.reshape(2, -1)  # first choices, then second choices
    np.testing.assert_allclose(gates.sum(0), 1.0)
    assert np.all(gates[0] >= gates[1])
    probs = np.exp(logits.data) / np.exp(logits.data).sum(1, keepdims=True)
    first = routing.expert[: logits.shape[0]]
    np.testing.assert_array_equal(first, probs.argmax(1))


@pytest.mark.parametrize("router", ["topk", "switch"])
def test_top1_router_gets_a_gradient_from_the_task_loss(router, rng):
    tm.manual_seed(0)
    moe = MoE(4, 6, 3, top_k=1, router=router, aux_loss_coef=0.0, dtype=tm.float64)
    x = tm.tensor(rng.standard_normal((10, 4)))
    (moe(x) ** 2).sum().backward()
    assert np.abs(moe.router.weight.grad).max() > 1e-6


def test_renormalising_a_top1_gate_would_kill_the_router_gradient(rng):
    """The seed-article mistake: p_i / p_i == 1 has zero derivative."""
    logits = _logits(rng)
    probs = tm.nn.functional.softmax(logits, dim=-1)
    picked = probs.gather(1, probs.data.argmax(1)[:, None])
    (picked / picked.sum(dim=1, keepdim=True)).sum().backward()
    np.testing.assert_allclose(logits.grad, 0.0, atol=1e-12)


def test_expert_choice_gives_each_expert_exactly_capacity_tokens(rng):
    logits = _logits(rng, t=12, e=3)
    routing = routers.expert_choice(logits, 4)
    np.testing.assert_array_equal(np.bincount(routing.expert), [4, 4, 4])
    probs = routing.probs.data
    for e in range(3):
        mine = routing.token[routing.expert == e]
        assert probs[mine, e].min() >= np.delete(probs[:, e], mine).max()
        np.testing.assert_allclose(routing.gate.data[routing.expert == e], probs[mine, e])


def test_deepseek_selects_with_the_bias_but_gates_without_it(rng):
    logits = _logits(rng, t=6, e=4)
    bias = np.array([0.0, 0.0, 0.0, 10.0])  # forces expert 3 into every top-2
    routing = routers.deepseek(logits, bias, 2)
    assert np.all((routing.expert.reshape(2, -1) == 3).any(axis=0))
    s = 1 / (1 + np.exp(-logits.data))
    chosen = routing.expert.reshape(2, -1).T  # (T, 2)
    expected = np.take_along_axis(s, chosen, 1)
    expected /= expected.sum(1, keepdims=True)
    np.testing.assert_allclose(routing.gate.data.reshape(2, -1).T, expected, atol=1e-14)


# ---------------------------------------------------------------- losses


def test_switch_loss_is_one_when_uniform_and_grows_under_collapse():
    n_tokens, n_experts = 8, 4
    uniform = tm.tensor(np.full((n_tokens, n_experts), 1 / n_experts))
    spread = np.arange(n_tokens) % n_experts
    assert switch_loss(uniform, spread).item() == pytest.approx(1.0)
    skewed = np.full((n_tokens, n_experts), 0.1)
    skewed[:, 0] = 0.7
    half = np.where(np.arange(n_tokens) < 6, 0, spread)
    full = np.zeros(n_tokens, dtype=np.int64)
    losses = [switch_loss(tm.tensor(skewed), e).item() for e in (half, full)]
    assert 1.0 < losses[0] < losses[1]
    one_hot = np.eye(n_experts)[full]
    assert switch_loss(tm.tensor(one_hot), full).item() == pytest.approx(n_experts)


def test_cv_squared_is_zero_when_balanced_and_matches_the_formula(rng):
    assert cv_squared(tm.tensor(np.full(5, 3.0))).item() == pytest.approx(0.0, abs=1e-12)
    v = rng.random(6)
    assert cv_squared(tm.tensor(v)).item() == pytest.approx(v.var() / v.mean() ** 2)


def test_importance_loss_sums_gates_per_expert():
    gate = tm.tensor([0.5, 0.5, 0.25, 0.75], dtype=tm.float64)
    assert importance_loss(gate, np.array([0, 1, 0, 1]), 2).item() == pytest.approx(
        np.array([0.75, 1.25]).var() / 1.0)
    assert importance_loss(gate, np.array([0, 0, 1, 1]), 2).item() == pytest.approx(0.0)


def test_load_loss_gradient_by_finite_differences(rng):
    clean = tm.tensor(rng.standard_normal((5, 4)), requires_grad=True, dtype=tm.float64)
    std = tm.tensor(rng.random((5, 4)) + 0.5, requires_grad=True, dtype=tm.float64)
    eps = rng.standard_normal((5, 4))
    tm.gradcheck(lambda c, s: load_loss(c, c + s * eps, s, 2), [clean, std])


def test_z_loss_is_mean_squared_logsumexp(rng):
    logits = rng.standard_normal((7, 3)) * 5
    expected = np.mean(np.log(np.exp(logits).sum(1)) ** 2)
    assert z_loss(tm.tensor(logits)).item() == pytest.approx(expected)


# ---------------------------------------------------------------- capacity


def test_capacity_formula():
    assert expert_capacity(10, 4, 2, 1.0) == 5
    assert expert_capacity(10, 4, 1, 1.25) == 4  # ceil(3.125)
    with pytest.raises(ValueError, match="capacity_factor"):
        expert_capacity(10, 4, 1, 0.0)


def test_first_choices_take_slots_before_second_choices():
    # 4 tokens, top-2, choice-major order: first choices then second choices.
    first = np.array([0, 1, 0, 0])
    second = np.array([1, 0, 1, 1])
    keep = within_capacity(np.concatenate([first, second]), 2, capacity=3)
    # expert 0: first choices of tokens 0, 2, 3 fill its 3 slots; token 1's second choice drops
    # expert 1: first choice of token 1, then second choices of tokens 0 and 2; token 3 drops
    np.testing.assert_array_equal(keep, [1, 1, 1, 1, 1, 0, 1, 0])
    again = within_capacity(np.concatenate([first, second]), 2, capacity=3)
    np.testing.assert_array_equal(keep, again)


def test_drop_rate_matches_a_hand_count():
    tm.manual_seed(0)
    moe = MoE(2, 3, 2, router="switch", capacity_factor=0.5, dtype=tm.float64)
    with tm.no_grad():
        moe.router.weight.data[...] = [[1.0, 0.0], [-1.0, 0.0]]  # expert 0 iff x0 > 0
    x = np.zeros((8, 2))
    x[:6, 0] = 1.0  # 6 tokens want expert 0, 2 want expert 1
    x[6:, 0] = -1.0
    y = moe(tm.tensor(x))
    # capacity = ceil(0.5 * 1 * 8 / 2) = 2: expert 0 keeps tokens 0, 1 and drops 4 of 8
    assert moe.stats.drop_rate == pytest.approx(4 / 8)
    np.testing.assert_array_equal(moe.stats.tokens_per_expert, [2, 2])
    np.testing.assert_array_equal(moe.stats.load, [6 / 8, 2 / 8])
    assert np.all(y.data[2:6] == 0) and np.all(np.abs(y.data[:2]).sum(1) > 0)

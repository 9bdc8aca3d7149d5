"""Hidden tests for the Switch load-balancing loss: oracle tinymoe.moe.losses.switch_loss
(value and autograd gradient), closed forms at perfect balance and collapse."""

import numpy as np

import tinymoe as tm
from tinymoe.grading.feedback import assert_close, close, diagnose
from tinymoe.moe.losses import switch_loss as engine_switch_loss


def _probs(rng, n_tokens, n_experts):
    z = rng.standard_normal((n_tokens, n_experts)) * 2
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_value_matches_the_engine_on_random_top_k_routing(drill):
    rng = np.random.default_rng(0)
    for _ in range(5):
        n_tokens, n_experts, k = rng.integers(3, 40), rng.integers(2, 9), rng.integers(1, 3)
        probs = _probs(rng, n_tokens, n_experts)
        # leave the last expert empty: it must count as f = 0
        expert = rng.integers(0, n_experts - 1, size=k * n_tokens)
        got = drill.switch_loss(probs, expert)
        want = engine_switch_loss(tm.tensor(probs), expert).item()
        f = np.bincount(expert, minlength=n_experts)
        message = diagnose(got, want, {
            "f_i must be a fraction of the assignments (counts / A), not raw counts":
                n_experts * np.sum(f * probs.mean(axis=0)),
            "the loss is multiplied by E (the number of experts); it is missing":
                want / n_experts,
            "f_i divides by the number of assignments A = k*T, not by T":
                n_experts * np.sum(f / n_tokens * probs.mean(axis=0)),
        })
        assert close(got, want, rtol=1e-9), f"switch_loss: {message}"


def test_closed_forms_perfect_balance_is_one_and_collapse_is_E(drill):
    rng = np.random.default_rng(1)
    n_experts = int(rng.integers(3, 9))
    n_tokens = 7 * n_experts
    uniform = np.full((n_tokens, n_experts), 1.0 / n_experts)
    balanced = np.arange(n_tokens) % n_experts
    assert_close(drill.switch_loss(uniform, balanced), 1.0, rtol=1e-12,
                 err_msg="switch_loss must be exactly 1 under perfectly uniform routing")
    onehot = np.zeros((n_tokens, n_experts))
    onehot[:, 2] = 1.0
    assert_close(drill.switch_loss(onehot, np.full(n_tokens, 2)), n_experts, rtol=1e-12,
                 err_msg="switch_loss must be E when every token goes to one expert with p=1")


def test_gradient_matches_autograd_with_a_random_upstream(drill):
    rng = np.random.default_rng(2)
    n_tokens, n_experts = 13, 5
    probs = _probs(rng, n_tokens, n_experts)
    expert = rng.integers(0, n_experts, size=2 * n_tokens)
    p = tm.tensor(probs, requires_grad=True)
    upstream = float(rng.standard_normal())
    (engine_switch_loss(p, expert) * upstream).backward()
    got = drill.switch_loss_grad(probs, expert) * upstream
    assert np.shape(got) == (n_tokens, n_experts), (
        f"switch_loss_grad must return dL/dprobs of shape (T, E)={probs.shape}, "
        f"got {np.shape(got)}")
    assert_close(got, p.grad, rtol=1e-9, atol=1e-12,
                 err_msg="switch_loss_grad: dL/dP_ti must be E * f_i / T (f is a constant)")

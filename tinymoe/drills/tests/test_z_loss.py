"""Hidden tests for the router z-loss: oracle tinymoe.moe.losses.z_loss (value and
autograd gradient with a random upstream), and a stability check at logits of 1e3."""

import numpy as np

import tinymoe as tm
from tinymoe.grading.feedback import assert_close, close, diagnose
from tinymoe.moe.losses import z_loss as engine_z_loss


def test_value_matches_the_engine(drill):
    rng = np.random.default_rng(0)
    for _ in range(5):
        logits = rng.standard_normal((rng.integers(1, 30), rng.integers(2, 9))) * 3
        got = drill.z_loss(logits.copy())
        want = engine_z_loss(tm.tensor(logits)).item()
        lse = np.log(np.exp(logits).sum(axis=1))
        message = diagnose(got, want, {
            "z-loss squares the logsumexp before averaging; you averaged first":
                np.mean(lse) ** 2,
            "z-loss averages over tokens; you summed": np.sum(lse**2),
            "z-loss squares the logsumexp, not the logits": np.mean(logits**2),
        })
        assert close(got, want, rtol=1e-9), f"z_loss: {message}"


def test_large_logits_stay_finite(drill):
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((6, 5)) + 1000.0
    got = drill.z_loss(logits.copy())
    want = engine_z_loss(tm.tensor(logits)).item()
    assert np.isfinite(got), (
        f"z_loss overflows for logits near 1e3 (got {got}): shift by the row max "
        "inside logsumexp")
    assert_close(got, want, rtol=1e-9, err_msg="z_loss is wrong for logits near 1e3")
    grad = drill.z_loss_grad(logits.copy())
    assert np.all(np.isfinite(grad)), "z_loss_grad overflows for logits near 1e3"


def test_gradient_matches_autograd_with_a_random_upstream(drill):
    rng = np.random.default_rng(2)
    logits = rng.standard_normal((11, 7)) * 2
    upstream = float(rng.standard_normal())
    z = tm.tensor(logits, requires_grad=True)
    (engine_z_loss(z) * upstream).backward()
    got = drill.z_loss_grad(logits.copy()) * upstream
    lse = np.log(np.exp(logits).sum(axis=1, keepdims=True))
    soft = np.exp(logits - lse)
    message = diagnose(got, z.grad, {
        "the gradient of a mean over T tokens carries a 1/T factor; it is missing":
            2 * lse * soft * upstream,
        "d(lse^2)/dz = 2 * lse * softmax(z): the factor 2 is missing":
            lse * soft / len(logits) * upstream,
    })
    assert close(got, z.grad, rtol=1e-8, atol=1e-12), f"z_loss_grad: {message}"

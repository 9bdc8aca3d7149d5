"""Graded tests for lesson 08: optimiser steps, checked step by step against torch.optim."""

import math

import numpy as np
import pytest


@pytest.fixture
def m(load_exercise):
    return load_exercise("08_optimizers")


def torch_steps(torch, make_opt, p0, grads):
    """Run a torch optimiser on parameter p0 with the given gradients; list of params."""
    p = torch.tensor(p0.copy(), requires_grad=True)
    opt = make_opt([p])
    out = []
    for g in grads:
        p.grad = torch.tensor(g)
        opt.step()
        out.append(p.detach().numpy().copy())
    return out


def frozen(*arrays):
    """Read-only copies: writing into an input in place raises a clear ValueError."""
    copies = [np.array(a, dtype=float) for a in arrays]
    for a in copies:
        a.flags.writeable = False
    return copies


@pytest.mark.exercise("08.1")
@pytest.mark.points(1)
def test_rosenbrock_matches_autograd(m, torch, rng):
    pts = rng.uniform(-2, 2, size=(4, 3, 2))
    a, b = 1.5, 30.0
    f, grad = m.rosenbrock(pts, a=a, b=b)
    assert np.shape(f) == (4, 3) and np.shape(grad) == (4, 3, 2), (
        f"points (4, 3, 2) should give f (4, 3) and grad (4, 3, 2); got {np.shape(f)}, "
        f"{np.shape(grad)}"
    )
    tp = torch.tensor(pts, requires_grad=True)
    tf = (a - tp[..., 0]) ** 2 + b * (tp[..., 1] - tp[..., 0] ** 2) ** 2
    tf.sum().backward()
    np.testing.assert_allclose(f, tf.detach().numpy(), rtol=1e-10, err_msg="f(x, y) is wrong")
    np.testing.assert_allclose(
        grad, tp.grad.numpy(), rtol=1e-8, atol=1e-10,
        err_msg="gradient differs from autograd: check df/dx = -2(a-x) - 4bx(y-x^2)",
    )
    f_min, g_min = m.rosenbrock(np.array([a, a * a]), a=a, b=b)
    assert f_min == pytest.approx(0.0) and np.allclose(g_min, 0.0), "(a, a^2) is the minimum"


@pytest.mark.exercise("08.2")
@pytest.mark.points(1)
def test_sgd_matches_torch(m, torch, rng):
    p0 = rng.normal(size=(3, 4))
    grads = rng.normal(size=(3, 3, 4))
    expected = torch_steps(torch, lambda ps: torch.optim.SGD(ps, lr=0.05), p0, grads)
    p = p0
    for g, want in zip(grads, expected):
        (p_in, g_in) = frozen(p, g)
        p = m.sgd_step(p_in, g_in, lr=0.05)
        np.testing.assert_allclose(p, want, rtol=1e-12, err_msg="SGD is p - lr * g")


@pytest.mark.exercise("08.3")
@pytest.mark.points(2)
def test_momentum_matches_torch(m, torch, rng):
    p0 = rng.normal(size=(5,))
    grads = rng.normal(size=(6, 5))
    lr, mu = 0.1, 0.8
    expected = torch_steps(
        torch, lambda ps: torch.optim.SGD(ps, lr=lr, momentum=mu), p0, grads
    )
    p, buf = p0, np.zeros_like(p0)
    for i, (g, want) in enumerate(zip(grads, expected)):
        p_in, g_in, buf_in = frozen(p, g, buf)
        p, buf = m.momentum_step(p_in, g_in, buf_in, lr, momentum=mu)
        np.testing.assert_allclose(
            p, want, rtol=1e-10,
            err_msg=f"step {i + 1} differs from torch.optim.SGD(momentum={mu}): PyTorch's "
            "buffer is buf = momentum * buf + g (no (1 - momentum) factor), then p -= lr * buf",
        )


@pytest.mark.exercise("08.4")
@pytest.mark.points(1)
def test_adam_first_step_is_lr(m):
    lr = 0.01
    g = np.array([3.0, -0.2, 50.0])
    p0 = np.zeros(3)
    p, mm, v = m.adam_step(*frozen(p0, g, p0, p0), 1, lr=lr)
    ratio = float(np.mean(np.abs(p - p0))) / lr
    hints = {
        0.1: "forgot to divide m by (1 - beta1^t)?",
        31.6: "forgot to divide v by (1 - beta2^t)?",
        3.16: "forgot bias correction altogether?",
    }
    likely = min(hints, key=lambda r: abs(math.log(r / ratio)) if ratio > 0 else 1.0)
    assert ratio == pytest.approx(1.0, rel=1e-4), (
        f"Adam's first step should move each weight by lr * sign(g), it moved by "
        f"{ratio:.3g} * lr: {hints[likely]}"
    )
    assert np.all(np.sign(p - p0) == -np.sign(g)), "Adam moves against the gradient"
    with pytest.raises(ValueError):
        m.adam_step(p0, g, p0, p0, 0)


@pytest.mark.exercise("08.4")
@pytest.mark.points(2)
def test_adam_matches_torch(m, torch, rng):
    p0 = rng.normal(size=(2, 3))
    grads = rng.normal(size=(8, 2, 3)) * rng.uniform(0.01, 10, size=(8, 1, 1))
    hp = {"lr": 0.03, "betas": (0.8, 0.95), "eps": 1e-6}
    expected = torch_steps(torch, lambda ps: torch.optim.Adam(ps, **hp), p0, grads)
    p, mm, v = p0, np.zeros_like(p0), np.zeros_like(p0)
    for t, (g, want) in enumerate(zip(grads, expected), start=1):
        p, mm, v = m.adam_step(*frozen(p, g, mm, v), t, **hp)
        np.testing.assert_allclose(
            p, want, rtol=1e-9, atol=1e-12,
            err_msg=f"step t={t} differs from torch.optim.Adam: check b1^t/b2^t use this t, "
            "that betas and eps are the ones passed in, and eps is added AFTER the sqrt",
        )


def adam_with_l2(p, g, mm, v, t, lr, wd, betas=(0.9, 0.999), eps=1e-8):
    """The classic mistake (Adam + L2 in the gradient), for diagnosing it."""
    g = g + wd * p
    b1, b2 = betas
    mm = b1 * mm + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    return p - lr * (mm / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)


@pytest.mark.exercise("08.5")
@pytest.mark.points(1)
def test_adamw_zero_gradient_is_pure_decay(m, rng):
    p0 = rng.normal(size=(4,))
    zeros = np.zeros(4)
    p, _, _ = m.adamw_step(*frozen(p0, zeros, zeros, zeros), 1, lr=0.1, weight_decay=0.5)
    l2 = adam_with_l2(p0, zeros, zeros, zeros, 1, 0.1, 0.5)
    assert not np.allclose(p, l2), (
        "this is Adam with L2 (weight_decay * p added to the gradient): AdamW decays the "
        "weights directly, p *= (1 - lr * weight_decay), outside the adaptive scaling"
    )
    np.testing.assert_allclose(
        p, p0 * (1 - 0.1 * 0.5), rtol=1e-12,
        err_msg="with a zero gradient AdamW should only shrink p by (1 - lr * weight_decay)",
    )


@pytest.mark.exercise("08.5")
@pytest.mark.points(2)
def test_adamw_matches_torch(m, torch, rng):
    p0 = rng.normal(size=(7,))
    grads = rng.normal(size=(8, 7))
    hp = {"lr": 0.02, "betas": (0.9, 0.99), "eps": 1e-8, "weight_decay": 0.3}
    expected = torch_steps(torch, lambda ps: torch.optim.AdamW(ps, **hp), p0, grads)
    p, mm, v = p0, np.zeros_like(p0), np.zeros_like(p0)
    for t, (g, want) in enumerate(zip(grads, expected), start=1):
        p, mm, v = m.adamw_step(*frozen(p, g, mm, v), t, **hp)
        np.testing.assert_allclose(
            p, want, rtol=1e-9,
            err_msg=f"step t={t} differs from torch.optim.AdamW: decay p by (1 - lr * wd) "
            "first, then an Adam step with the ORIGINAL gradient",
        )


@pytest.mark.exercise("08.6")
@pytest.mark.points(1)
def test_warmup_cosine_landmarks(m):
    lr = lambda s: m.warmup_cosine_lr(s, 10, 110, 2.0, lr_min=0.2)
    assert lr(0) == pytest.approx(0.0), "warm-up starts from 0 at step 0"
    assert lr(5) == pytest.approx(1.0), "half-way through warm-up is lr_max / 2"
    assert lr(10) == pytest.approx(2.0), "the peak lr_max is reached at step == warmup_steps"
    assert lr(60) == pytest.approx(1.1), "half-way through the decay is (lr_max + lr_min) / 2"
    assert lr(110) == pytest.approx(0.2), "the decay ends at lr_min at step == total_steps"
    assert lr(500) == pytest.approx(0.2), "after total_steps the rate stays at lr_min"
    assert m.warmup_cosine_lr(0, 0, 50, 1.0) == pytest.approx(1.0), "no warm-up: start at max"


@pytest.mark.exercise("08.6")
@pytest.mark.points(1)
def test_warmup_cosine_shape(m):
    rates = [m.warmup_cosine_lr(s, 20, 200, 1.0) for s in range(201)]
    assert all(isinstance(r, float) for r in rates), "return a Python float"
    warm, decay = np.diff(rates[:21]), np.diff(rates[20:])
    assert np.allclose(warm, 1 / 20), "warm-up must rise linearly by lr_max / warmup_steps"
    assert np.all(decay <= 1e-15), "after warm-up the rate must never increase"
    assert abs(decay[0]) < abs(decay[90]), "cosine decay is slow at the ends, fastest mid-way"
    with pytest.raises(ValueError):
        m.warmup_cosine_lr(5, 100, 100, 1.0)

"""Graded tests for lesson 08: optimiser steps, checked step by step against tinymoe.optim.

Oracles: the Rosenbrock formula and central finite differences (08.1), the closed form
p - lr g (08.2), and the engine's own optimisers (`tinymoe.optim.SGD/Adam/AdamW`, which
follow torch.optim and are checked against it in the engine's tests) fed the same gradients
(08.3-08.5). Inputs are passed read-only, so an update written into an input fails loudly.
"""

import math

import numpy as np
import pytest

import tinymoe as tm
from tinymoe import nn


@pytest.fixture
def m(load_exercise):
    return load_exercise("08_optimizers")


def frozen(*arrays):
    """Read-only copies: writing into an input in place raises a clear ValueError."""
    copies = [np.array(a, dtype=float) for a in arrays]
    for a in copies:
        a.flags.writeable = False
    return copies


def call(fn, *args, **kwargs):
    """fn(*args, **kwargs) with read-only array arguments; an in-place write is named."""
    args = [frozen(a)[0] if isinstance(a, np.ndarray) else a for a in args]
    try:
        return fn(*args, **kwargs)
    except ValueError as err:
        if "read-only" in str(err):
            pytest.fail(f"{fn.__name__} wrote into one of its input arrays ({err}): the step "
                        "must return NEW arrays (p - lr * g, not p -= lr * g)")
        raise


def engine_steps(make_opt, p0, grads, lrs=None):
    """Run the engine optimiser make_opt([param]) from p0 on the given gradients (changing
    the learning rate to lrs[i] before step i when given). Returns the list of
    (params, state dict copy) after each step."""
    param = nn.Parameter(np.array(p0, dtype=np.float64))
    opt = make_opt([param])
    out = []
    for i, g in enumerate(grads):
        if lrs is not None:
            opt.param_groups[0]["lr"] = lrs[i]
        param.grad = np.array(g, dtype=np.float64)
        opt.step()
        state = {k: np.array(v, copy=True) for k, v in opt.state.get(param, {}).items()}
        out.append((param.data.copy(), state))
    return out


def close(a, b, rtol=1e-9, atol=1e-12):
    return np.shape(a) == np.shape(b) and np.allclose(a, b, rtol=rtol, atol=atol)


# ---------------------------------------------------------------- 08.1 Rosenbrock


def _rosen_f(x, y, a, b):
    return (a - x) ** 2 + b * (y - x**2) ** 2


@pytest.mark.exercise("08.1")
@pytest.mark.points(1)
def test_rosenbrock_matches_formula_and_finite_differences(m):
    rng = np.random.default_rng(801)
    pts = rng.uniform(-2, 2, size=(4, 3, 2))
    a, b = 1.5, 30.0  # not the defaults, so that ignoring a or b shows
    try:
        f, grad = m.rosenbrock(pts, a=a, b=b)
    except (ValueError, IndexError, TypeError) as err:
        pytest.fail(f"rosenbrock on a grid of points (4, 3, 2) raised {type(err).__name__}: "
                    f"{err}. Points lie on the LAST axis: x = p[..., 0], y = p[..., 1]")
    assert np.shape(f) == (4, 3) and np.shape(grad) == (4, 3, 2), (
        f"points (4, 3, 2) should give f (4, 3) and grad (4, 3, 2); got {np.shape(f)}, "
        f"{np.shape(grad)}: take x = p[..., 0], y = p[..., 1] and stack the two partial "
        "derivatives on the LAST axis"
    )
    x, y = pts[..., 0], pts[..., 1]
    np.testing.assert_allclose(f, _rosen_f(x, y, a, b), rtol=1e-10, atol=1e-12,
                               err_msg="f(x, y) = (a - x)^2 + b (y - x^2)^2 is wrong")
    h = 1e-6
    fd = np.stack([(_rosen_f(x + h, y, a, b) - _rosen_f(x - h, y, a, b)) / (2 * h),
                   (_rosen_f(x, y + h, a, b) - _rosen_f(x, y - h, a, b)) / (2 * h)], axis=-1)
    r = y - x**2
    suspects = {
        "df/dx lost the factor 2 of d(a - x)^2/dx: it is -2 (a - x) - 4 b x (y - x^2)":
            -(a - x) - 4 * b * x * r,
        "df/dx has the wrong sign on its second term: d(y - x^2)^2/dx = -4 x (y - x^2), so "
        "df/dx = -2 (a - x) - 4 b x (y - x^2)": -2 * (a - x) + 4 * b * x * r,
        "the gradient uses a = 1, b = 100 instead of the a and b passed in":
            -2 * (1 - x) - 400 * x * r,
    }
    for mistake, dx in suspects.items():
        if close(grad[..., 0], dx, rtol=1e-6, atol=1e-6):
            pytest.fail(mistake)
    if close(grad[..., 1], 2 * 100 * r, rtol=1e-6, atol=1e-6):
        pytest.fail("df/dy uses b = 100 instead of the b passed in: df/dy = 2 b (y - x^2)")
    np.testing.assert_allclose(
        grad, fd, rtol=1e-6, atol=1e-6,
        err_msg="gradient differs from central finite differences of f: check "
        "df/dx = -2(a - x) - 4bx(y - x^2) and df/dy = 2b(y - x^2)",
    )
    f_min, g_min = m.rosenbrock(np.array([a, a * a]), a=a, b=b)
    assert f_min == pytest.approx(0.0) and np.allclose(g_min, 0.0), (
        f"at the minimum (a, a^2) f and its gradient must be 0; got f={f_min}, grad={g_min}"
    )


# ---------------------------------------------------------------- 08.2 SGD


@pytest.mark.exercise("08.2")
@pytest.mark.points(1)
def test_sgd_step_is_p_minus_lr_g(m):
    rng = np.random.default_rng(802)
    p = rng.normal(size=(3, 4))
    for lr in (0.05, 0.3, 1e-3):  # more than one rate, so a hard-coded lr shows
        g = rng.normal(size=(3, 4))
        p_in = p.copy()
        new = call(m.sgd_step, p, g, lr=lr)
        assert isinstance(new, np.ndarray) and new.shape == p.shape, (
            f"sgd_step returned {type(new).__name__} of shape {np.shape(new)}; expected a "
            f"new array shaped like p {p.shape}"
        )
        if close(new, p + lr * g):
            pytest.fail("sgd_step moved UP the gradient (p + lr * g): descent is p - lr * g")
        used = float(np.mean((p - new) / g))
        if close(new, p - used * g) and not math.isclose(used, lr, rel_tol=1e-9):
            pytest.fail(f"sgd_step stepped with a rate of {used:.3g}, not the lr={lr} passed in")
        np.testing.assert_allclose(new, p_in - lr * g, rtol=1e-12, atol=1e-15,
                                   err_msg=f"lr={lr}: SGD is p - lr * g")
        p = new


# ---------------------------------------------------------------- 08.3 momentum


@pytest.mark.exercise("08.3")
@pytest.mark.points(2)
def test_momentum_matches_engine_sgd(m):
    rng = np.random.default_rng(803)
    p0 = rng.normal(size=(5,))
    grads = rng.normal(size=(6, 5))
    lrs = [0.1, 0.1, 0.1, 0.03, 0.03, 0.2]  # a schedule: the rate changes between steps
    mu = 0.8
    want = engine_steps(lambda ps: tm.optim.SGD(ps, lr=lrs[0], momentum=mu), p0, grads, lrs)
    p, buf = p0, np.zeros_like(p0)
    for i, (g, (want_p, state)) in enumerate(zip(grads, want)):
        buf_before = buf
        result = call(m.momentum_step, p, g, buf, lrs[i], momentum=mu)
        assert isinstance(result, tuple) and len(result) == 2, (
            "momentum_step must return a tuple (p_new, buf_new)"
        )
        p, buf = result
        want_buf = state["momentum_buffer"]
        if close(buf, mu * buf_before + (1 - mu) * g) and not close(buf, want_buf):
            pytest.fail("your buffer is an average, momentum * buf + (1 - momentum) * g: "
                        "PyTorch's heavy ball has no (1 - momentum) factor, "
                        "buf = momentum * buf + g")
        if close(buf, lrs[i] * want_buf) and not close(buf, want_buf):
            pytest.fail("your buffer includes the learning rate (v = momentum v + lr g): the "
                        "documented buffer is buf = momentum * buf + g, and p -= lr * buf, so "
                        "a change of lr takes effect at once")
        if close(buf, 0.9 * buf_before + g) and not close(buf, want_buf):
            pytest.fail("the buffer used momentum 0.9 instead of the `momentum` passed in")
        np.testing.assert_allclose(
            buf, want_buf, rtol=1e-10, atol=1e-12,
            err_msg=f"step {i + 1}: buf_new must be momentum * buf + g",
        )
        if i == 0 and close(p, p0) and not close(p, want_p):
            pytest.fail("the first step did not move p: update the buffer FIRST, then "
                        "p_new = p - lr * buf_new")
        np.testing.assert_allclose(
            p, want_p, rtol=1e-10, atol=1e-12,
            err_msg=f"step {i + 1} (lr={lrs[i]}) differs from tinymoe.optim.SGD(momentum={mu}):"
            " update buf = momentum * buf + g first, then p_new = p - lr * buf_new",
        )


# ---------------------------------------------------------------- 08.4 Adam


@pytest.mark.exercise("08.4")
@pytest.mark.points(1)
def test_adam_first_step_is_lr(m):
    lr = 0.01
    g = np.array([3.0, -0.2, 50.0])
    p0 = np.zeros(3)
    p, mm, v = call(m.adam_step, p0, g, p0, p0, 1, lr=lr)
    ratio = float(np.mean(np.abs(p - p0))) / lr
    hints = {
        0.1: "forgot to divide m by (1 - beta1^t)?",
        31.6: "forgot to divide v by (1 - beta2^t)?",
        3.16: "forgot bias correction altogether?",
        1.9: "t counted from 0 (corrected with beta^(t + 1))?",
    }
    likely = min(hints, key=lambda r: abs(math.log(r / ratio)) if ratio > 0 else 1.0)
    diagnosis = hints[likely] if ratio > 0 and abs(math.log(likely / ratio)) < 0.05 else (
        "check the update m_hat / (sqrt(v_hat) + eps) with m_hat = m / (1 - b1^t), "
        "v_hat = v / (1 - b2^t)")
    assert ratio == pytest.approx(1.0, rel=1e-4), (
        f"Adam's first step should move each weight by lr * sign(g), it moved by "
        f"{ratio:.3g} * lr: {diagnosis}"
    )
    assert np.all(np.sign(p - p0) == -np.sign(g)), "Adam moves against the gradient"
    with pytest.raises(ValueError):
        m.adam_step(p0, g, p0, p0, 0)


@pytest.mark.exercise("08.4")
@pytest.mark.points(2)
def test_adam_matches_engine(m):
    rng = np.random.default_rng(804)
    p0 = rng.normal(size=(2, 3))
    grads = rng.normal(size=(8, 2, 3)) * rng.uniform(0.01, 10, size=(8, 1, 1))
    hp = {"lr": 0.03, "betas": (0.8, 0.95), "eps": 1e-6}  # not the defaults
    want = engine_steps(lambda ps: tm.optim.Adam(ps, **hp), p0, grads)
    p, mm, v = p0, np.zeros_like(p0), np.zeros_like(p0)
    for t, (g, (want_p, state)) in enumerate(zip(grads, want), start=1):
        result = call(m.adam_step, p, g, mm, v, t, **hp)
        assert isinstance(result, tuple) and len(result) == 3, (
            "adam_step must return a tuple (p_new, m_new, v_new)"
        )
        p, mm, v = result
        b1, b2 = hp["betas"]
        if close(mm, state["exp_avg"] / (1 - b1**t)) and t > 1:
            pytest.fail("you returned the bias-corrected m_hat as the new state: return the raw "
                        "m_new (and v_new); the correction is applied only inside the step")
        np.testing.assert_allclose(mm, state["exp_avg"], rtol=1e-10, atol=1e-14,
                                   err_msg=f"t={t}: m_new must be b1 * m + (1 - b1) * g")
        np.testing.assert_allclose(v, state["exp_avg_sq"], rtol=1e-10, atol=1e-14,
                                   err_msg=f"t={t}: v_new must be b2 * v + (1 - b2) * g^2")
        if not close(p, want_p):  # the moments are right: name a wrong use of them
            p_before = want[t - 2][0] if t > 1 else p0
            m_hat, v_hat = mm / (1 - b1**t), v / (1 - b2**t)
            suspects = {
                "eps went inside the square root: use sqrt(v_hat) + eps":
                    p_before - hp["lr"] * m_hat / np.sqrt(v_hat + hp["eps"]),
                "the bias correction used the default betas (0.9, 0.999), not the betas "
                "passed in": p_before - hp["lr"] * (mm / (1 - 0.9**t))
                / (np.sqrt(v / (1 - 0.999**t)) + hp["eps"]),
                "the step used the default eps 1e-8, not the eps passed in":
                    p_before - hp["lr"] * m_hat / (np.sqrt(v_hat) + 1e-8),
            }
            for mistake, value in suspects.items():
                if close(p, value):
                    pytest.fail(f"step t={t}: {mistake}")
        np.testing.assert_allclose(
            p, want_p, rtol=1e-9, atol=1e-12,
            err_msg=f"step t={t} differs from tinymoe.optim.Adam: check b1^t/b2^t use this t, "
            "that betas and eps are the ones passed in, and eps is added AFTER the sqrt",
        )


# ---------------------------------------------------------------- 08.5 AdamW


def adam_with_l2(p, g, mm, v, t, lr, wd, betas=(0.9, 0.999), eps=1e-8):
    """The classic mistake (Adam + L2 in the gradient), for diagnosing it."""
    g = g + wd * p
    b1, b2 = betas
    mm = b1 * mm + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    return p - lr * (mm / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)


def _adam_problem(m):
    """Why the learner's adam_step (08.4) is wrong, or None when it matches the engine."""
    rng = np.random.default_rng(805)
    p0, g = rng.normal(size=4), rng.normal(size=4)
    hp = {"lr": 0.05, "betas": (0.7, 0.9), "eps": 1e-6}
    want = engine_steps(lambda ps: tm.optim.Adam(ps, **hp), p0, [g])[0][0]
    try:
        got = m.adam_step(*frozen(p0, g, np.zeros(4), np.zeros(4)), 1, **hp)[0]
    except NotImplementedError:
        return "is not done yet"
    except Exception as err:  # noqa: BLE001 - any failure of 08.4 is worth naming
        return f"raises {type(err).__name__}"
    return None if close(got, want) else "gives a wrong step"


def _adamw(m, *args, **kwargs):
    """m.adamw_step, naming exercise 08.4 when adamw_step fails inside the learner's adam_step
    (reported as this exercise's failure, not as an unfinished 08.5)."""
    try:
        return call(m.adamw_step, *args, **kwargs)
    except NotImplementedError as err:
        if "08.4" not in str(err):
            raise
    pytest.fail("adamw_step calls your adam_step (exercise 08.4), which is not done yet: "
                "finish 08.4 first")


def _blame_adam(m, message):
    """`message`, prefixed with a pointer to 08.4 when the learner's adam_step is wrong."""
    problem = _adam_problem(m)
    if problem is None:
        return message
    return (f"your adam_step (exercise 08.4) {problem}; if adamw_step builds on it, fix 08.4 "
            f"first. {message}")


@pytest.mark.exercise("08.5")
@pytest.mark.points(1)
def test_adamw_zero_gradient_is_pure_decay(m):
    rng = np.random.default_rng(806)
    p0 = rng.normal(size=(4,))
    zeros = np.zeros(4)
    p, _, _ = _adamw(m, p0, zeros, zeros, zeros, 1, lr=0.1, weight_decay=0.5)
    l2 = adam_with_l2(p0, zeros, zeros, zeros, 1, 0.1, 0.5)
    assert not np.allclose(p, l2), (
        "this is Adam with L2 (weight_decay * p added to the gradient): AdamW decays the "
        "weights directly, p *= (1 - lr * weight_decay), outside the adaptive scaling"
    )
    if close(p, p0 * (1 - 0.5)):
        pytest.fail("p shrank by (1 - weight_decay): AdamW's decay is scaled by the learning "
                    "rate, p *= (1 - lr * weight_decay)")
    if close(p, p0 - 0.1 * 0.5):
        pytest.fail("you subtracted lr * weight_decay from p: the decay is multiplicative, "
                    "p *= (1 - lr * weight_decay)")
    np.testing.assert_allclose(
        p, p0 * (1 - 0.1 * 0.5), rtol=1e-12,
        err_msg="with a zero gradient AdamW should only shrink p by (1 - lr * weight_decay)",
    )


@pytest.mark.exercise("08.5")
@pytest.mark.points(2)
def test_adamw_matches_engine(m):
    rng = np.random.default_rng(807)
    p0 = rng.normal(size=(7,))
    grads = rng.normal(size=(8, 7))
    hp = {"lr": 0.02, "betas": (0.8, 0.9), "eps": 1e-6, "weight_decay": 0.3}
    want = engine_steps(lambda ps: tm.optim.AdamW(ps, **hp), p0, grads)
    p, mm, v = p0, np.zeros_like(p0), np.zeros_like(p0)
    for t, (g, (want_p, _)) in enumerate(zip(grads, want), start=1):
        p_before = p
        p, mm, v = _adamw(m, p, g, mm, v, t, **hp)
        if close(p, want_p):
            continue
        if t == 1:  # from zero moments the two classic mistakes have closed forms
            lr, wd = hp["lr"], hp["weight_decay"]
            adam_only = engine_steps(
                lambda ps: tm.optim.Adam(ps, lr=hp["lr"], betas=hp["betas"], eps=hp["eps"]),
                p_before, [g])[0][0]
            l2 = adam_with_l2(p_before, g, 0 * g, 0 * g, 1, lr, wd, hp["betas"], hp["eps"])
            if close(p, l2):
                pytest.fail("this is Adam with L2 (weight_decay * p added to the gradient): "
                            "AdamW decays the weights directly, p *= (1 - lr * weight_decay)")
            if close(p, adam_only * (1 - lr * wd)):
                pytest.fail("you decayed AFTER the Adam step: AdamW shrinks p first, "
                            "p * (1 - lr * wd), then subtracts the Adam update")
        pytest.fail(_blame_adam(m, (
            f"step t={t} differs from tinymoe.optim.AdamW: decay p by (1 - lr * wd) FIRST, "
            "then an Adam step with the ORIGINAL gradient and the betas and eps passed in")))


# ---------------------------------------------------------------- 08.6 schedule


@pytest.mark.exercise("08.6")
@pytest.mark.points(1)
def test_warmup_cosine_landmarks(m):
    lr = lambda s: m.warmup_cosine_lr(s, 10, 110, 2.0, lr_min=0.2)
    first = lr(0)
    if first == pytest.approx(2.0 / 10):
        pytest.fail("lr(0) = lr_max / warmup_steps: the warm-up is lr_max * step / "
                    "warmup_steps, which is 0 at step 0 (not (step + 1) / warmup_steps)")
    assert first == pytest.approx(0.0), f"warm-up starts from 0 at step 0; got {first}"
    assert lr(5) == pytest.approx(1.0), "half-way through warm-up is lr_max / 2"
    assert lr(10) == pytest.approx(2.0), "the peak lr_max is reached at step == warmup_steps"
    if lr(110) == pytest.approx(0.0):
        pytest.fail("the decay ends at 0 instead of lr_min: lr_min + 0.5 (lr_max - lr_min) "
                    "(1 + cos(pi progress))")
    assert lr(60) == pytest.approx(1.1), "half-way through the decay is (lr_max + lr_min) / 2"
    quarter = 0.2 + 0.5 * 1.8 * (1 + math.cos(math.pi / 4))
    if lr(35) == pytest.approx(2.0 - 1.8 / 4):
        pytest.fail("the decay is linear: it must follow the cosine, "
                    "lr_min + 0.5 (lr_max - lr_min) (1 + cos(pi progress))")
    assert lr(35) == pytest.approx(quarter), (
        f"a quarter of the way through the decay the rate is {quarter:.4f} "
        f"(cos(pi / 4)); got {lr(35)}: progress = (step - warmup) / (total - warmup)"
    )
    assert lr(110) == pytest.approx(0.2), "the decay ends at lr_min at step == total_steps"
    assert lr(500) == pytest.approx(0.2), (
        f"after total_steps the rate stays at lr_min; got {lr(500)} at step 500"
    )
    assert m.warmup_cosine_lr(0, 0, 50, 1.0) == pytest.approx(1.0), "no warm-up: start at max"


@pytest.mark.exercise("08.6")
@pytest.mark.points(1)
def test_warmup_cosine_shape(m):
    rates = [m.warmup_cosine_lr(s, 20, 200, 1.0) for s in range(201)]
    assert all(isinstance(r, float) for r in rates), "return a Python float"
    warm, decay = np.diff(rates[:21]), np.diff(rates[20:])
    assert np.allclose(warm, 1 / 20), "warm-up must rise linearly by lr_max / warmup_steps"
    assert np.all(decay <= 1e-15), "after warm-up the rate must never increase"
    assert abs(decay[0]) < 0.5 * abs(decay[90]), (
        "cosine decay is slow at the ends, fastest mid-way"
    )
    with pytest.raises(ValueError):
        m.warmup_cosine_lr(5, 100, 100, 1.0)

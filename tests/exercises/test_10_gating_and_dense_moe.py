"""Graded tests for lesson 10: the softmax gate and the dense mixture of experts.

Oracles: tinymoe's autograd computing the same quantities at test time, float64 central
differences with a random upstream gradient, and invariants (rows sum to 1, a gate that
ignores x is an ensemble, identical experts give the gate nothing to learn).
"""

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.gradcheck import numerical_gradient
from tinymoe.grading import feedback
from tinymoe.grading.feedback import assert_close
from tinymoe.nn import functional as F

KEYS = ("Wg", "bg", "We", "be")


def close(got, want, rtol=1e-6, atol=1e-8):
    """feedback.close with this lesson's default tolerance (for diagnoses)."""
    return feedback.close(got, want, rtol, atol)


@pytest.fixture
def m(load_exercise):
    return load_exercise("10_gating_and_dense_moe")


def _shapes(rng):
    """Random N, D, E, O, all different, so a transposed or misplaced axis shows."""
    n, d, e, o = rng.choice(np.arange(2, 9), size=4, replace=False)
    return int(n), int(d), int(e), int(o)


def _params(rng, d, e, o, scale=1.0):
    return {
        "Wg": scale * rng.standard_normal((e, d)),
        "bg": scale * rng.standard_normal(e),
        "We": rng.standard_normal((e, o, d)),
        "be": rng.standard_normal((e, o)),
    }


def _t(a, grad=False):
    return tm.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad, dtype=tm.float64)


def _engine_forward(x, params):
    """The dense mixture in tinymoe's autograd: (y, g, leaves) with leaves for backward."""
    leaves = {"x": _t(x, True), **{k: _t(v, True) for k, v in params.items()}}
    g = F.softmax(leaves["x"] @ leaves["Wg"].T + leaves["bg"], dim=-1)  # (N, E)
    y = 0
    for i in range(params["We"].shape[0]):
        h_i = leaves["x"] @ leaves["We"][i].T + leaves["be"][i]  # (N, O)
        y = y + g[:, i:i + 1] * h_i
    return y, g, leaves


def _numpy_mixture(x, params):
    """Plain NumPy pieces of the mixture for diagnoses: gates, expert outputs (N, E, O)."""
    z = x @ params["Wg"].T + params["bg"]
    g = np.exp(z - z.max(1, keepdims=True))
    g /= g.sum(1, keepdims=True)
    h = np.einsum("nd,eod->neo", x, params["We"]) + params["be"]
    return g, h








# ----------------------------------------------------------------------------- 10.1


@pytest.mark.exercise("10.1")
@pytest.mark.points(2)
def test_softmax_gate_matches_tinymoe(m):
    rng = np.random.default_rng(101)
    n, d, e, _ = _shapes(rng)
    x, Wg, bg = rng.standard_normal((n, d)), rng.standard_normal((e, d)), rng.standard_normal(e)
    g = np.asarray(m.softmax_gate(x, Wg, bg))
    assert g.shape == (n, e), f"g has shape {g.shape}; expected (N, E) = {(n, e)}"
    want = F.softmax(_t(x) @ _t(Wg).T + _t(bg), dim=-1).numpy()
    if np.allclose(g.sum(axis=0), 1.0) and not np.allclose(g.sum(axis=1), 1.0):
        pytest.fail("your gate's columns sum to 1: softmax over the experts (axis 1), "
                    "not over the batch (axis 0)")
    no_bias = F.softmax(_t(x) @ _t(Wg).T, dim=-1).numpy()
    if close(g, no_bias, 1e-9, 1e-12):
        pytest.fail("your gate ignores bg: the logits are x Wg^T + bg")
    sums = g.sum(axis=1)
    assert np.allclose(sums, 1.0, rtol=1e-12), (
        f"each row of g must sum to 1 (a distribution over experts); yours sum to "
        f"{np.round(sums[:3], 4)}: normalise exp(z) by its row sum"
    )
    assert_close(g, want, rtol=1e-10, atol=1e-15,
                  err_msg="g differs from softmax(x Wg^T + bg) computed by tinymoe")


@pytest.mark.exercise("10.1")
@pytest.mark.points(1)
def test_softmax_gate_survives_large_logits(m):
    rng = np.random.default_rng(102)
    n, d, e, _ = _shapes(rng)
    x, Wg, bg = rng.standard_normal((n, d)), rng.standard_normal((e, d)), rng.standard_normal(e)
    with np.errstate(over="raise", invalid="raise"):
        try:
            g = m.softmax_gate(x, Wg, bg + 1e4)
        except FloatingPointError as err:
            pytest.fail(f"the gate overflows for logits near 1e4 ({err}): subtract each row's "
                        "max logit before exponentiating")
    assert np.all(np.isfinite(g)), "the gate is not finite for logits near 1e4: subtract the max"
    assert_close(
        g, m.softmax_gate(x, Wg, bg), rtol=1e-9, atol=1e-15,
        err_msg="adding 1e4 to every logit must not change the gate (softmax is shift-invariant)")


# ----------------------------------------------------------------------------- 10.2


@pytest.mark.exercise("10.2")
@pytest.mark.points(2)
def test_dense_forward_matches_tinymoe(m):
    rng = np.random.default_rng(103)
    n, d, e, o = _shapes(rng)
    x, params = rng.standard_normal((n, d)), _params(rng, d, e, o)
    y, g, h = (np.asarray(a) for a in m.dense_moe_forward(x, params))
    assert h.shape == (n, e, o), f"h has shape {h.shape}; expected (N, E, O) = {(n, e, o)}"
    assert g.shape == (n, e), f"g has shape {g.shape}; expected (N, E) = {(n, e)}"
    assert y.shape == (n, o), f"y has shape {y.shape}; expected (N, O) = {(n, o)}"
    want_y, want_g, _ = _engine_forward(x, params)
    _, true_h = _numpy_mixture(x, params)
    if close(h, true_h - params["be"]):
        pytest.fail("the expert outputs miss their biases: h[n, i] = We[i] @ x[n] + be[i]")
    assert_close(h, true_h, rtol=1e-10, atol=1e-12,
                  err_msg="h[n, i] must be expert i's output We[i] @ x[n] + be[i]")
    if close(y, true_h.mean(axis=1)):
        pytest.fail("y is the plain average of the experts: weight expert i by its gate g_i(x)")
    hard = true_h[np.arange(n), want_g.numpy().argmax(axis=1)]
    if close(y, hard):
        pytest.fail("y is the output of the top-gated expert only: a dense mixture adds every "
                    "expert, y = sum_i g_i h_i")
    assert_close(y, want_y.numpy(), rtol=1e-10, atol=1e-12,
                  err_msg="y differs from sum_i g_i h_i computed by tinymoe")


@pytest.mark.exercise("10.2")
@pytest.mark.points(1)
def test_dense_forward_invariants(m):
    rng = np.random.default_rng(104)
    n, d, e, o = _shapes(rng)
    x, params = rng.standard_normal((n, d)), _params(rng, d, e, o)
    same = dict(params, We=np.repeat(params["We"][:1], e, 0), be=np.repeat(params["be"][:1], e, 0))
    y, _, h = m.dense_moe_forward(x, same)
    assert_close(
        y, h[:, 0], rtol=1e-10, atol=1e-12,
        err_msg="with identical experts y must equal any one expert (the gates sum to 1)")
    flat = dict(params, Wg=np.zeros_like(params["Wg"]), bg=np.zeros_like(params["bg"]))
    y, _, h = m.dense_moe_forward(x, flat)
    assert_close(
        y, np.asarray(h).mean(axis=1), rtol=1e-10, atol=1e-12,
        err_msg="with Wg = 0 and bg = 0 the gate is uniform: y must be the experts' average")


# ----------------------------------------------------------------------------- 10.3


def _backward_case(seed):
    rng = np.random.default_rng(seed)
    n, d, e, o = _shapes(rng)
    x, params = rng.standard_normal((n, d)), _params(rng, d, e, o)
    dy = rng.standard_normal((n, o))  # a random upstream gradient, not ones
    return x, params, dy


def _check_gate_grad(name, got, want, x, params, dy):
    """Name the mistake when the gate gradient matches a known wrong formula."""
    if close(got, want):
        return
    g, h = _numpy_mixture(x, params)
    a = np.einsum("no,neo->ne", dy, h)
    for wrong, msg in (
        (g * a, "your gate gradient drops the - sum_j g_j <dy, h_j> term: the softmax couples "
                "the gates, dL/dz_i = g_i (<dy, h_i> - sum_j g_j <dy, h_j>)"),
        (g * (a - a.mean(1, keepdims=True)),
         "your gate gradient subtracts the plain mean of <dy, h_j>: subtract the GATE-weighted "
         "mean sum_j g_j <dy, h_j>"),
        (a - (g * a).sum(1, keepdims=True),
         "your gate gradient misses the factor g_i: dL/dz_i = g_i (<dy, h_i> - sum_j g_j "
         "<dy, h_j>)"),
    ):
        dz = wrong
        cand = dz.T @ x if name == "Wg" else dz.sum(0)
        if close(got, cand):
            pytest.fail(msg)
    worst = np.max(np.abs(np.asarray(got) - want))
    pytest.fail(f"d{name} differs from finite differences (largest difference {worst:.3g}): "
                "dL/dz = g (a - sum_j g_j a_j) with a_i = <dy, h_i>, then dWg = dz^T x")


@pytest.mark.exercise("10.3")
@pytest.mark.points(2)
def test_dense_backward_matches_finite_differences(m):
    x, params, dy = _backward_case(105)
    x_in, p_in = x.copy(), {k: v.copy() for k, v in params.items()}
    dx, grads = m.dense_moe_backward(dy, x_in, p_in)
    assert set(grads) >= set(KEYS), f"grads must have the keys {KEYS}; got {sorted(grads)}"
    arrays = {"x": x.copy(), **{k: v.copy() for k, v in params.items()}}

    def loss():
        y, _, _ = _engine_forward(arrays["x"], {k: arrays[k] for k in KEYS})
        return float(np.sum(dy * y.numpy()))

    for name in ("We", "be"):
        want = numerical_gradient(lambda _: loss(), arrays[name])
        got = np.asarray(grads[name])
        assert got.shape == want.shape, f"d{name} has shape {got.shape}; expected {want.shape}"
        if not close(got, want):
            _, h = _numpy_mixture(x, params)
            unscaled = np.einsum("no,nd->od", dy, x) if name == "We" else dy.sum(0)
            if close(got, np.broadcast_to(unscaled, want.shape)):
                pytest.fail(f"d{name}: each expert's gradient must be scaled by its gate, "
                            "dL/dh_i = g_i dy; yours ignores g")
            pytest.fail(f"d{name} differs from finite differences: dL/dh_i = g_i dy, then "
                        "chain through h_i = We_i x + be_i")
    for name in ("Wg", "bg"):
        want = numerical_gradient(lambda _: loss(), arrays[name])
        got = np.asarray(grads[name])
        assert got.shape == want.shape, f"d{name} has shape {got.shape}; expected {want.shape}"
        _check_gate_grad(name, got, want, x, params, dy)
    want = numerical_gradient(lambda _: loss(), arrays["x"])
    assert np.shape(dx) == want.shape, f"dx has shape {np.shape(dx)}; expected {want.shape}"
    if not close(dx, want):
        g, _ = _numpy_mixture(x, params)
        through_experts = np.einsum("ne,no,eod->nd", g, dy, params["We"])
        if close(dx, through_experts):
            pytest.fail("dx misses the path through the gate: add dL/dz @ Wg (x feeds the "
                        "gate logits too)")
        pytest.fail("dx differs from finite differences: dx = dz Wg + sum_i g_i dy We_i")
    for k in KEYS:
        assert_close(p_in[k], params[k], err_msg=f"do not modify params[{k!r}]")


@pytest.mark.exercise("10.3")
@pytest.mark.points(1)
def test_dense_backward_matches_tinymoe_autograd(m):
    x, params, dy = _backward_case(106)
    dx, grads = m.dense_moe_backward(dy, x, params)
    y, _, leaves = _engine_forward(x, params)
    y.backward(dy)
    for name in KEYS:
        assert_close(
            grads[name], leaves[name].grad, rtol=1e-9, atol=1e-12,
            err_msg=f"d{name} differs from tinymoe's autograd on the same mixture")
    assert_close(dx, leaves["x"].grad, rtol=1e-9, atol=1e-12,
                  err_msg="dx differs from tinymoe's autograd on the same mixture")


@pytest.mark.exercise("10.3")
@pytest.mark.points(1)
def test_identical_experts_give_the_gate_no_gradient(m):
    x, params, dy = _backward_case(107)
    e = params["We"].shape[0]
    params = dict(params, We=np.repeat(params["We"][:1], e, 0),
                  be=np.repeat(params["be"][:1], e, 0))
    _, grads = m.dense_moe_backward(dy, x, params)
    biggest = float(np.max(np.abs(grads["Wg"])))
    assert biggest < 1e-10, (
        f"with identical experts reweighting cannot change y, so dWg must be 0; yours reaches "
        f"{biggest:.3g}: subtract sum_j g_j <dy, h_j> inside the gate gradient"
    )


# ----------------------------------------------------------------------------- 10.4


def _sig(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


@pytest.mark.exercise("10.4")
@pytest.mark.points(1)
def test_fixed_weights_give_seed_002s_ensemble(m):
    rng = np.random.default_rng(108)
    n, d = 7, 3
    x, thetas = rng.standard_normal((n, d)), rng.standard_normal((2, d))
    y = np.asarray(m.sigmoid_mixture(x, thetas, np.zeros((2, d)), np.log([0.6, 0.4])))
    assert y.shape == (n,), f"y has shape {y.shape}; expected (N,) = {(n,)}"
    want = 0.6 * _sig(x @ thetas[0]) + 0.4 * _sig(x @ thetas[1])
    if close(y, _sig(x @ (0.6 * thetas[0] + 0.4 * thetas[1]))):
        pytest.fail("you took the sigmoid of the weighted sum: the model adds the experts' "
                    "outputs, y = sum_i w_i sigmoid(theta_i . x)")
    if close(y, np.log(0.6) * _sig(x @ thetas[0]) + np.log(0.4) * _sig(x @ thetas[1])):
        pytest.fail("you used the raw gate logits log(0.6), log(0.4) as weights: softmax them")
    assert_close(
        y, want, rtol=1e-10,
        err_msg="gate_W = 0, gate_b = log(0.6, 0.4) must give 0.6 sigmoid(theta_1 . x) + "
                "0.4 sigmoid(theta_2 . x): softmax the gate logits into weights")


@pytest.mark.exercise("10.4")
@pytest.mark.points(1)
def test_learned_gate_depends_on_x_and_matches_tinymoe(m):
    rng = np.random.default_rng(109)
    n, d, e, _ = _shapes(rng)
    x, thetas = rng.standard_normal((n, d)), rng.standard_normal((e, d))
    gate_W, gate_b = rng.standard_normal((e, d)), rng.standard_normal(e)
    y = np.asarray(m.sigmoid_mixture(x, thetas, gate_W, gate_b))
    assert y.shape == (n,), f"y has shape {y.shape}; expected (N,) = {(n,)}"
    g = F.softmax(_t(x) @ _t(gate_W).T + _t(gate_b), dim=-1)
    want = (g * (_t(x) @ _t(thetas).T).sigmoid()).sum(dim=1).numpy()
    fixed = F.softmax(_t(gate_b), dim=-1).numpy()
    if close(y, _sig(x @ thetas.T) @ fixed):
        pytest.fail("your weights ignore x (only gate_b is used): that is seed 002's ensemble "
                    "(docs/sources.md#seed-002), "
                    "the gate is softmax(x gate_W^T + gate_b)")
    raw = x @ gate_W.T + gate_b
    if close(y, (raw * _sig(x @ thetas.T)).sum(1)):
        pytest.fail("you used the raw gate logits as weights: softmax them first")
    assert_close(y, want, rtol=1e-10, atol=1e-12,
                  err_msg="y differs from sum_i g_i(x) sigmoid(theta_i . x) "
                          "computed by tinymoe")


# ----------------------------------------------------------------------------- 10.5


@pytest.mark.exercise("10.5")
@pytest.mark.points(2)
def test_responsibilities_follow_bayes_rule(m):
    rng = np.random.default_rng(110)
    n, _, e, o = _shapes(rng)
    logits = rng.standard_normal((n, e))
    g = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    h, y = rng.standard_normal((n, e, o)), rng.standard_normal((n, o))
    sigma = rng.uniform(0.5, 2.0)
    r = np.asarray(m.responsibilities(g, h, y, sigma))
    assert r.shape == (n, e), f"r has shape {r.shape}; expected (N, E) = {(n, e)}"
    err = ((y[:, None] - h) ** 2).sum(2)
    like = np.exp(-err / (2 * sigma**2))
    want = g * like / (g * like).sum(1, keepdims=True)
    if close(r, g):
        pytest.fail("r equals the gate: the responsibility also weighs how well each expert "
                    "predicts y, exp(-|y - h_i|^2 / (2 sigma^2))")
    if close(r, like / like.sum(1, keepdims=True)):
        pytest.fail("r ignores the gate: the prior g_i multiplies each expert's likelihood")
    if np.allclose(r.sum(axis=0), 1.0) and not np.allclose(r.sum(axis=1), 1.0):
        pytest.fail("your responsibilities sum to 1 over the batch: normalise over the "
                    "experts (axis 1)")
    for wrong, what in ((err / sigma**2, "err / sigma^2"), (err / 2, "err / 2"),
                        (np.sqrt(err) / (2 * sigma**2), "|y - h| (not squared)")):
        cand = g * np.exp(-wrong) / (g * np.exp(-wrong)).sum(1, keepdims=True)
        if close(r, cand):
            pytest.fail(f"your exponent uses {what}: the Gaussian log-likelihood is "
                        "-|y - h_i|^2 / (2 sigma^2)")
    assert_close(r, want, rtol=1e-9, atol=1e-12,
                  err_msg="r differs from g_i N(y; h_i, sigma^2) / sum_j (same)")


@pytest.mark.exercise("10.5")
@pytest.mark.points(1)
def test_responsibilities_survive_large_errors(m):
    # two experts, equal gates, squared errors 40^2 and 41^2: exp(-800) underflows to 0, but
    # the ratio r_1 / r_0 = exp(-(41^2 - 40^2) / 2) = exp(-40.5) is perfectly representable
    g = np.array([[0.5, 0.5]])
    h = np.array([[[40.0], [41.0]]])
    y = np.array([[0.0]])
    with np.errstate(all="ignore"):
        r = np.asarray(m.responsibilities(g, h, y, 1.0))
    assert np.all(np.isfinite(r)), (
        f"responsibilities are {r} for squared errors of 1600 and 1681: exp(-800) underflows "
        "to 0 and 0 / 0 is nan; subtract each row's max log-score before exponentiating"
    )
    want_1 = 1.0 / (1.0 + np.exp(40.5))
    assert_close(r, [[1.0 - want_1, want_1]], rtol=1e-9, atol=1e-30,
                  err_msg="r_1 / r_0 must be exp(-40.5)")


# ----------------------------------------------------------------------------- 10.6


def _mse(x, y, params):
    out, _, _ = _engine_forward(x, params)
    return float(np.mean((out.numpy() - y) ** 2))


def _step_case(seed):
    rng = np.random.default_rng(seed)
    n, d, e, o = _shapes(rng)
    x, y = rng.standard_normal((n, d)), rng.standard_normal((n, o))
    return x, y, _params(rng, d, e, o, scale=0.5), float(rng.uniform(0.01, 0.1))


@pytest.mark.exercise("10.6")
@pytest.mark.points(2)
def test_train_step_is_one_gradient_step(m):
    x, y, params, lr = _step_case(111)
    before = _mse(x, y, params)
    loss, new = m.train_step({k: v.copy() for k, v in params.items()}, x, y, lr)
    assert set(new) >= set(KEYS), f"new_params must have the keys {KEYS}; got {sorted(new)}"
    if np.isclose(loss, _mse(x, y, new), rtol=1e-9) and not np.isclose(loss, before, rtol=1e-6):
        pytest.fail("you return the loss AFTER the step: return the loss at the old params")
    assert np.isclose(loss, before, rtol=1e-9), (
        f"loss {loss} is not the mean squared error {before} over all N * O entries")
    arrays = {k: v.copy() for k, v in params.items()}
    for name in KEYS:
        grad = numerical_gradient(lambda _: _mse(x, y, arrays), arrays[name])
        step = np.asarray(new[name]) - params[name]
        if name in ("Wg", "bg") and np.allclose(step, 0.0):
            pytest.fail(f"{name} did not move: the gate is a parameter too, train it with "
                        "the gradient of exercise 10.3")
        if close(step, lr * grad, 1e-5, 1e-9):
            pytest.fail(f"{name} moved up the gradient: subtract lr * grad")
        ratio = np.sum(step * -lr * grad) / np.sum((lr * grad) ** 2)
        if np.isclose(ratio, x.shape[0] * y.shape[1], rtol=1e-4) or np.isclose(
                ratio, x.shape[0], rtol=1e-4):
            pytest.fail(f"{name}'s step is {ratio:.0f} times too large: the loss is a mean, "
                        "so dL/dy_hat = 2 (y_hat - y) / (N * O)")
        assert_close(step, -lr * grad, rtol=1e-5, atol=1e-9,
                      err_msg=f"{name}: the step is not -lr * dL/d{name}")


@pytest.mark.exercise("10.6")
@pytest.mark.points(1)
def test_train_step_keeps_params_and_lowers_the_loss(m):
    x, y, params, lr = _step_case(112)
    keep = {k: v.copy() for k, v in params.items()}
    _, new = m.train_step(params, x, y, lr)
    for k in KEYS:
        assert_close(
            params[k], keep[k], err_msg=f"train_step modified the caller's params[{k!r}] in "
                                        "place: build a new dict of new arrays")
    losses = [_mse(x, y, params)]
    for _ in range(30):
        _, new = m.train_step(new, x, y, lr)
        losses.append(_mse(x, y, new))
    assert losses[-1] < 0.9 * losses[0], (
        f"30 steps took the loss from {losses[0]:.4f} to {losses[-1]:.4f}; it should fall")

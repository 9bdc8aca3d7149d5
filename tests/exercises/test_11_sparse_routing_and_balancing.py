"""Graded tests for lesson 11: top-k gates, noisy top-k, the balancing losses, collapse.

Oracles: tinymoe.moe (its top-k router, Switch loss, CV^2, z-loss and routing stats, with
tinymoe's autograd for the gradients), float64 central differences, and invariants (the
Switch loss is alpha under perfect balance, the z-loss of equal logits is (c + log E)^2).
"""

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.gradcheck import numerical_gradient
from tinymoe.grading import feedback
from tinymoe.grading.feedback import assert_close
from tinymoe.moe import losses, routers
from tinymoe.moe.stats import routing_stats


def close(got, want, rtol=1e-7, atol=1e-10):
    """feedback.close with this lesson's default tolerance (for diagnoses)."""
    return feedback.close(got, want, rtol, atol)


@pytest.fixture
def m(load_exercise):
    return load_exercise("11_sparse_routing_and_balancing")


def _t(a, grad=False):
    return tm.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad, dtype=tm.float64)


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)








def _tinymoe_topk(logits, k):
    """tinymoe's Mixtral router on the same logits: idx (T, k), gate (T, k)."""
    routing = routers.topk(_t(logits), k)
    n_tokens = logits.shape[0]
    return routing.expert.reshape(k, n_tokens).T, routing.gate.numpy().reshape(k, n_tokens).T


# ----------------------------------------------------------------------------- 11.1


@pytest.mark.exercise("11.1")
@pytest.mark.points(2)
def test_topk_gate_renormalises_and_matches_tinymoe(m):
    rng = np.random.default_rng(201)
    n_tokens, n_experts = int(rng.integers(5, 12)), int(rng.integers(5, 9))
    k = int(rng.integers(2, n_experts))
    logits = rng.standard_normal((n_tokens, n_experts))
    idx, gate = (np.asarray(a) for a in m.topk_gate(logits, k))
    assert idx.shape == (n_tokens, k) and gate.shape == (n_tokens, k), (
        f"idx and gate must be (T, k) = {(n_tokens, k)}; got {idx.shape} and {gate.shape}")
    want_idx, want_gate = _tinymoe_topk(logits, k)
    p = _softmax(logits)
    if np.array_equal(idx, np.argsort(p, axis=1)[:, :k]):
        pytest.fail("you chose the k SMALLEST probabilities: sort by -p (best first)")
    if not np.array_equal(idx, want_idx):
        if np.array_equal(np.sort(idx, 1), np.sort(want_idx, 1)):
            pytest.fail("you chose the right experts in the wrong order: list them best first")
        pytest.fail("idx are not the k experts with the largest probabilities")
    picked = np.take_along_axis(p, idx, axis=1)
    if close(gate, picked):
        pytest.fail(f"your top-{k} gate does not renormalise: the {k} gates sum to "
                    f"{gate.sum(1)[0]:.2f}; divide the picked probabilities by their sum")
    assert_close(gate.sum(axis=1), 1.0, rtol=1e-12,
                  err_msg=f"each token's {k} gates must sum to 1")
    assert_close(gate, want_gate, rtol=1e-10, atol=1e-14,
                  err_msg="gates differ from tinymoe's top-k router")


@pytest.mark.exercise("11.1")
@pytest.mark.points(1)
def test_top1_gate_keeps_the_raw_probability(m):
    rng = np.random.default_rng(202)
    logits = rng.standard_normal((int(rng.integers(5, 12)), int(rng.integers(3, 9))))
    idx, gate = (np.asarray(a) for a in m.topk_gate(logits, 1))
    p = _softmax(logits)
    assert_close(idx[:, 0], p.argmax(axis=1),
                  err_msg="with k = 1 idx must be each row's argmax")
    if np.allclose(gate, 1.0):
        pytest.fail("with k = 1 keep the raw probability: renormalising makes every gate 1 "
                    "and the router gets no gradient from the task")
    assert_close(gate[:, 0], p.max(axis=1), rtol=1e-10,
                  err_msg="with k = 1 the gate is the chosen expert's softmax "
                          "probability")


@pytest.mark.exercise("11.1")
@pytest.mark.points(1)
def test_topk_gate_survives_large_logits(m):
    rng = np.random.default_rng(203)
    logits = 1e3 + rng.standard_normal((6, 5))  # large, but no probability underflows to 0
    with np.errstate(over="raise", invalid="raise"):
        try:
            idx, gate = m.topk_gate(logits, 2)
        except FloatingPointError as err:
            pytest.fail(f"topk_gate overflows for logits near 1e3 ({err}): subtract the row "
                        "max inside the softmax")
    want_idx, want_gate = _tinymoe_topk(logits, 2)
    assert_close(idx, want_idx, err_msg="wrong experts for logits near 1e3")
    assert_close(gate, want_gate, rtol=1e-9, atol=1e-15,
                  err_msg="wrong gates for logits near 1e3 (softmax is shift-invariant)")


# ----------------------------------------------------------------------------- 11.2


def _keep_topk_softmax(H, k):
    """Reference KeepTopK + softmax written with a sort, for the diagnoses and checks."""
    idx = np.argsort(-H, axis=1, kind="stable")[:, :k]
    out = np.zeros_like(H)
    np.put_along_axis(out, idx, _softmax(np.take_along_axis(H, idx, axis=1)), axis=1)
    return out


def _noisy_case(seed):
    rng = np.random.default_rng(seed)
    n_tokens, n_experts = int(rng.integers(5, 12)), int(rng.integers(4, 9))
    k = int(rng.integers(1, n_experts))
    clean = rng.standard_normal((n_tokens, n_experts))
    noise = rng.standard_normal((n_tokens, n_experts))
    eps = rng.standard_normal((n_tokens, n_experts))
    return clean, noise, eps, k


@pytest.mark.exercise("11.2")
@pytest.mark.points(1)
def test_noisy_gates_without_noise_are_clean_topk(m):
    clean, noise, _, _ = _noisy_case(204)
    k = max(2, clean.shape[1] // 2)
    gates = np.asarray(m.noisy_topk_gates(clean, noise, np.zeros_like(clean), k))
    assert gates.shape == clean.shape, f"gates must be (T, E) = {clean.shape}; got {gates.shape}"
    want_idx, want_gate = _tinymoe_topk(clean, k)
    want = np.zeros_like(clean)
    np.put_along_axis(want, want_idx, want_gate, axis=1)
    nonzero = (gates != 0).sum(axis=1)
    if np.all(nonzero == clean.shape[1]):
        pytest.fail("every expert gets a gate: entries outside the top k must be -inf BEFORE "
                    "the softmax (a 0 logit still gets weight exp(0))")
    assert_close(gates, want, rtol=1e-10, atol=1e-14,
                  err_msg="with eps = 0 the gates are softmax over the clean "
                          "top k (tinymoe's top-k router, renormalised)")


@pytest.mark.exercise("11.2")
@pytest.mark.points(1)
def test_noisy_gates_scale_the_noise_by_softplus(m):
    clean, noise, eps, k = _noisy_case(205)
    gates = np.asarray(m.noisy_topk_gates(clean, noise, eps, k))
    assert gates.shape == clean.shape, f"gates must be (T, E) = {clean.shape}; got {gates.shape}"
    H = clean + eps * np.logaddexp(0.0, noise)
    for wrong, msg in (
        (_keep_topk_softmax(clean + eps * np.exp(noise), k),
         "your noise scale is exp(x W_noise): Shazeer uses softplus, log(1 + exp(.))"),
        (_keep_topk_softmax(clean + eps * noise, k),
         "your noise scale is x W_noise itself (it can be negative): use softplus(x W_noise)"),
        (_keep_topk_softmax(clean + eps, k),
         "your noise is not scaled: multiply eps by softplus(x W_noise), the learned scale"),
    ):
        if close(gates, wrong):
            pytest.fail(msg)
    clean_pick = np.argsort(-clean, axis=1, kind="stable")[:, :k]
    if np.array_equal(np.sort(np.argsort(-gates, 1, kind="stable")[:, :k], 1),
                      np.sort(clean_pick, 1)) and not close(gates, _keep_topk_softmax(H, k)):
        pytest.fail("you chose the top k of the CLEAN logits: select on the noisy H, so that "
                    "the noise can change which experts a token tries")
    assert_close((gates > 0).sum(axis=1), np.full(len(gates), k),
                  err_msg=f"each row must have exactly k = {k} nonzero gates")
    assert_close(gates, _keep_topk_softmax(H, k), rtol=1e-10, atol=1e-14,
                  err_msg="gates differ from softmax(KeepTopK(clean + eps "
                          "softplus(noise), k))")


@pytest.mark.exercise("11.2")
@pytest.mark.points(1)
def test_noisy_gates_survive_large_noise_logits(m):
    clean, noise, eps, k = _noisy_case(206)
    noise = 1e3 * noise
    with np.errstate(over="raise", invalid="raise"):
        try:
            gates = np.asarray(m.noisy_topk_gates(clean, noise, eps, k))
        except FloatingPointError as err:
            pytest.fail(f"noisy_topk_gates overflows for noise logits of 1e3 ({err}): "
                        "softplus(x) = max(x, 0) + log1p(exp(-|x|))")
    H = clean + eps * np.logaddexp(0.0, noise)
    assert_close(gates, _keep_topk_softmax(H, k), rtol=1e-9, atol=1e-300,
                  err_msg="wrong gates for noise logits of 1e3")


# ----------------------------------------------------------------------------- 11.3


def _switch_case(seed, n_experts=None):
    rng = np.random.default_rng(seed)
    n_tokens = int(rng.integers(6, 15))
    n_experts = n_experts or int(rng.integers(3, 8))
    probs = _softmax(2 * rng.standard_normal((n_tokens, n_experts)))
    return probs, probs.argmax(axis=1), float(rng.uniform(0.005, 0.5))


def _switch(m, probs, expert, alpha):
    """The learner's switch_loss; a broadcasting or index error means a short count vector."""
    try:
        return m.switch_loss(probs, expert, alpha)
    except (ValueError, IndexError) as err:
        pytest.fail(f"switch_loss fails when the last experts get no token ({err}): count "
                    "with np.bincount(expert, minlength=E)")


def _tinymoe_switch(probs, expert, alpha):
    leaf = _t(probs, True)
    loss = losses.switch_loss(leaf, expert) * alpha
    loss.backward()
    return loss.item(), leaf.grad


@pytest.mark.exercise("11.3")
@pytest.mark.points(1)
def test_switch_loss_is_alpha_when_balanced_and_alpha_e_when_collapsed(m):
    rng = np.random.default_rng(207)
    n_experts = int(rng.integers(3, 9))
    alpha = float(rng.uniform(0.01, 1.0))
    uniform = np.full((2 * n_experts, n_experts), 1.0 / n_experts)
    loss, _ = _switch(m, uniform, np.tile(np.arange(n_experts), 2), alpha)
    if np.isclose(loss, alpha / n_experts):
        pytest.fail(f"under perfect balance your loss is alpha / E = {loss:.4g}: multiply by E, "
                    "so that balance gives alpha whatever the number of experts")
    assert np.isclose(loss, alpha, rtol=1e-12), (
        f"under perfect balance (f_i = P_i = 1/E) the loss must be alpha = {alpha:.4g}; "
        f"got {loss:.4g}")
    collapsed = np.zeros((6, n_experts))
    collapsed[:, 0] = 1.0
    loss, _ = _switch(m, collapsed, np.zeros(6, dtype=np.int64), alpha)
    assert np.isclose(loss, alpha * n_experts, rtol=1e-12), (
        f"with every token and all probability on one expert the loss is alpha * E = "
        f"{alpha * n_experts:.4g}; got {loss:.4g}")


@pytest.mark.exercise("11.3")
@pytest.mark.points(2)
def test_switch_loss_and_gradient_match_tinymoe(m):
    probs, expert, alpha = _switch_case(208)
    n_tokens, n_experts = probs.shape
    loss, dprobs = _switch(m, probs.copy(), expert, alpha)
    want_loss, want_grad = _tinymoe_switch(probs, expert, alpha)
    f = np.bincount(expert, minlength=n_experts) / n_tokens
    P = probs.mean(axis=0)
    if np.isclose(loss, alpha * n_experts * np.sum(P * P)):
        pytest.fail("you used P_i for f_i: f_i is the fraction of tokens routed to expert i "
                    "(a count from the argmax), P_i the mean probability")
    assert_close(loss, want_loss, rtol=1e-10,
                  err_msg="the loss differs from tinymoe's alpha * E * sum f_i P_i")
    dprobs = np.asarray(dprobs)
    assert dprobs.shape == probs.shape, f"dprobs has shape {dprobs.shape}; expected {probs.shape}"
    through_f = np.broadcast_to(alpha * n_experts * (f + P) / n_tokens, probs.shape)
    if close(dprobs, through_f):
        pytest.fail("this gradient flows through f_i: f_i is a count and carries none; "
                    "dloss/dprobs[t, i] = alpha E f_i / T")
    if close(dprobs, n_tokens * want_grad):
        pytest.fail("your gradient is T times too large: P_i is a MEAN over the T tokens")
    if close(dprobs, want_grad / alpha):
        pytest.fail("your gradient misses the factor alpha")
    assert_close(dprobs, want_grad, rtol=1e-10, atol=1e-14,
                  err_msg="dprobs differs from tinymoe's autograd of the same loss")


@pytest.mark.exercise("11.3")
@pytest.mark.points(1)
def test_switch_loss_counts_experts_that_got_no_token(m):
    probs, expert, alpha = _switch_case(209, n_experts=6)
    expert = np.minimum(expert, 3)  # experts 4 and 5 get no token
    loss, dprobs = _switch(m, probs, expert, alpha)
    want_loss, want_grad = _tinymoe_switch(probs, expert, alpha)
    assert_close(loss, want_loss, rtol=1e-10,
                  err_msg="wrong loss when some experts get no token")
    assert_close(dprobs, want_grad, rtol=1e-10, atol=1e-14,
                  err_msg="wrong gradient when some experts get no token")


# ----------------------------------------------------------------------------- 11.4


def _sparse_gates(seed):
    rng = np.random.default_rng(seed)
    n_tokens, n_experts = int(rng.integers(6, 15)), int(rng.integers(3, 8))
    logits = rng.standard_normal((n_tokens, n_experts))
    idx, gate = _tinymoe_topk(logits, 2)
    gates = np.zeros_like(logits)
    np.put_along_axis(gates, idx, gate, axis=1)
    return gates


def _tinymoe_cv2(gates):
    leaf = _t(gates, True)
    loss = losses.cv_squared(leaf.sum(dim=0), eps=0.0)
    loss.backward()
    return loss.item(), leaf.grad


@pytest.mark.exercise("11.4")
@pytest.mark.points(1)
def test_importance_loss_invariants(m):
    loss, _ = m.importance_loss(np.array([[1.0, 0.0], [1.0, 0.0]]))
    if abs(loss) < 1e-12:
        pytest.fail("for gates [[1, 0], [1, 0]] your CV^2 is 0: importance is per EXPERT, the "
                    "sum over tokens (axis 0) = [2, 0], not each token's sum")
    if np.isclose(loss, 2.0):
        pytest.fail("for importance [2, 0] your CV^2 is 2: use the population variance "
                    "(divide by E), not the sample variance (E - 1)")
    assert np.isclose(loss, 1.0), f"importance [2, 0] has CV^2 = 1 / 1 = 1; got {loss}"
    rng = np.random.default_rng(210)
    gates = _sparse_gates(210)
    balanced = np.full((4, 3), 1.0 / 3)
    loss0, grad0 = m.importance_loss(balanced)
    assert abs(loss0) < 1e-12 and np.max(np.abs(grad0)) < 1e-12, (
        f"equal importance gives CV^2 = 0 and a zero gradient; got {loss0} and "
        f"{np.max(np.abs(grad0)):.3g}")
    scale = float(rng.uniform(2.0, 5.0))
    assert_close(m.importance_loss(scale * gates)[0], m.importance_loss(gates)[0],
                  rtol=1e-10, err_msg="CV^2 must not change when every gate is "
                                      "scaled by the same factor")


@pytest.mark.exercise("11.4")
@pytest.mark.points(2)
def test_importance_loss_and_gradient_match_tinymoe(m):
    gates = _sparse_gates(211)
    n_tokens, n_experts = gates.shape
    loss, dgates = m.importance_loss(gates.copy())
    want_loss, want_grad = _tinymoe_cv2(gates)
    imp = gates.sum(axis=0)
    if np.isclose(loss, imp.var(ddof=1) / imp.mean() ** 2):
        pytest.fail("use the population variance (divide by E), not the sample variance")
    if np.isclose(loss, np.sqrt(want_loss)):
        pytest.fail("you returned the coefficient of variation: square it (CV^2 = var / mean^2)")
    assert_close(loss, want_loss, rtol=1e-10,
                  err_msg="CV^2 of importance differs from tinymoe's cv_squared "
                          "of the gates' column sums")
    dgates = np.asarray(dgates)
    assert dgates.shape == gates.shape, f"dgates has shape {dgates.shape}; expected {gates.shape}"
    mean = imp.mean()
    frozen_mean = np.broadcast_to(2 * (imp - mean) / (n_experts * mean**2), gates.shape)
    if close(dgates, frozen_mean):
        pytest.fail("your gradient treats mean(importance) as a constant: it depends on every "
                    "gate too, add -2 Var / (E mean^3)")
    fd = numerical_gradient(lambda a: m.importance_loss(a)[0], gates.copy())
    assert_close(dgates, fd, rtol=1e-5, atol=1e-8,
                  err_msg="dgates differs from finite differences of your own loss")
    assert_close(dgates, want_grad, rtol=1e-9, atol=1e-12,
                  err_msg="dgates differs from tinymoe's autograd of the same loss")


# ----------------------------------------------------------------------------- 11.5


def _tinymoe_z(logits):
    leaf = _t(logits, True)
    loss = losses.z_loss(leaf)
    loss.backward()
    return loss.item(), leaf.grad


@pytest.mark.exercise("11.5")
@pytest.mark.points(1)
def test_z_loss_of_equal_logits(m):
    rng = np.random.default_rng(212)
    n_tokens, n_experts = int(rng.integers(3, 9)), int(rng.integers(2, 9))
    c = float(rng.uniform(-2.0, 2.0))
    loss, dlogits = m.z_loss(np.full((n_tokens, n_experts), c))
    lse = c + np.log(n_experts)
    if np.isclose(loss, n_tokens * lse**2):
        pytest.fail("your z-loss sums over tokens: it is the MEAN of logsumexp^2")
    if np.isclose(loss, lse):
        pytest.fail("your z-loss is the mean logsumexp: square it first")
    assert np.isclose(loss, lse**2, rtol=1e-12), (
        f"equal logits c = {c:.3f} over E = {n_experts} experts give logsumexp = c + log E, "
        f"so the loss is (c + log E)^2 = {lse**2:.6f}; got {loss:.6f}")
    want = np.full((n_tokens, n_experts), 2 * lse / (n_tokens * n_experts))
    if close(dlogits, want / 2):
        pytest.fail("your gradient misses the factor 2 of d(lse^2) = 2 lse d(lse)")
    assert_close(dlogits, want,
                  rtol=1e-10, err_msg="for equal logits dlogits = 2 lse (1/E) / T everywhere")


@pytest.mark.exercise("11.5")
@pytest.mark.points(1)
def test_z_loss_gradient_matches_tinymoe_and_finite_differences(m):
    rng = np.random.default_rng(213)
    logits = 2 * rng.standard_normal((int(rng.integers(3, 9)), int(rng.integers(2, 9))))
    loss, dlogits = m.z_loss(logits.copy())
    want_loss, want_grad = _tinymoe_z(logits)
    assert_close(loss, want_loss, rtol=1e-10,
                  err_msg="the z-loss differs from tinymoe's mean(logsumexp^2)")
    dlogits = np.asarray(dlogits)
    assert dlogits.shape == logits.shape, (
        f"dlogits has shape {dlogits.shape}; expected {logits.shape}")
    if close(dlogits, want_grad / 2):
        pytest.fail("your gradient misses the factor 2 of d(lse^2) = 2 lse d(lse)")
    if close(dlogits, want_grad * logits.shape[0]):
        pytest.fail("your gradient is T times too large: the loss is a mean over tokens")
    assert_close(dlogits, numerical_gradient(lambda a: m.z_loss(a)[0], logits.copy()),
                  rtol=1e-5, atol=1e-8,
                  err_msg="dlogits differs from finite differences of your loss")
    assert_close(dlogits, want_grad, rtol=1e-9, atol=1e-12,
                  err_msg="dlogits differs from tinymoe's autograd")


@pytest.mark.exercise("11.5")
@pytest.mark.points(1)
def test_z_loss_survives_large_logits(m):
    rng = np.random.default_rng(214)
    logits = 1e3 + rng.standard_normal((4, 6))
    with np.errstate(over="raise", invalid="raise"):
        try:
            loss, dlogits = m.z_loss(logits)
        except FloatingPointError as err:
            pytest.fail(f"z_loss overflows for logits near 1e3 ({err}): logsumexp = max + "
                        "log(sum(exp(z - max)))")
    want_loss, want_grad = _tinymoe_z(logits)
    assert_close(loss, want_loss, rtol=1e-10,
                  err_msg="wrong z-loss for logits near 1e3")
    assert_close(dlogits, want_grad, rtol=1e-9, atol=1e-12,
                  err_msg="wrong gradient for logits near 1e3")


# ----------------------------------------------------------------------------- 11.6


def _tinymoe_load(expert, n_experts):
    n = len(expert)
    stats = routing_stats(np.full((n, n_experts), 1.0 / n_experts), np.arange(n), expert,
                          np.ones(n), np.ones(n, dtype=bool), False, 0.0, 0.0)
    return stats.load, stats.max_load_ratio / n_experts


@pytest.mark.exercise("11.6")
@pytest.mark.points(1)
def test_collapse_stats_balanced_and_collapsed(m):
    rng = np.random.default_rng(215)
    n_experts = int(rng.integers(3, 9))
    load, busiest, entropy = m.collapse_stats(rng.permutation(np.repeat(np.arange(n_experts), 3)),
                                              n_experts)
    if np.isclose(entropy, np.log2(n_experts)):
        pytest.fail("your entropy is in bits (log2): use the natural log (nats)")
    assert np.isclose(busiest, 1.0 / n_experts), (
        f"balanced routing puts 1/E = {1 / n_experts:.4f} on the busiest expert; got {busiest}")
    assert np.isclose(entropy, np.log(n_experts)), (
        f"balanced routing has entropy ln E = {np.log(n_experts):.4f}; got {entropy}")
    with np.errstate(all="ignore"):
        load, busiest, entropy = m.collapse_stats(np.full(10, 2), n_experts)
    assert np.isfinite(entropy), (
        f"entropy is {entropy} when one expert takes everything: experts with load 0 "
        "contribute 0 (0 ln 0 = 0), leave them out of the sum")
    assert np.isclose(busiest, 1.0) and abs(entropy) < 1e-12, (
        f"collapse onto one expert gives busiest = 1 and entropy 0; got {busiest}, {entropy}")


@pytest.mark.exercise("11.6")
@pytest.mark.points(2)
def test_collapse_stats_match_tinymoe(m):
    rng = np.random.default_rng(216)
    n_experts = int(rng.integers(4, 9))
    weights = rng.dirichlet(np.full(n_experts, 0.5))
    expert = rng.choice(n_experts, size=int(rng.integers(20, 60)), p=weights)
    expert[0] = n_experts - 2  # at least two experts used, so the entropy is not trivially 0
    expert[1] = 0
    expert = np.where(expert == n_experts - 1, 0, expert)  # the last expert gets nothing
    try:
        load, busiest, entropy = m.collapse_stats(expert, n_experts)
    except (ValueError, IndexError) as err:
        pytest.fail(f"collapse_stats fails when the last expert gets nothing ({err})")
    load = np.asarray(load)
    want_load, want_busiest = _tinymoe_load(expert, n_experts)
    assert load.shape == (n_experts,), (
        f"load has shape {load.shape}; expected (E,) = ({n_experts},): experts that got "
        "nothing count too, np.bincount(expert, minlength=E)")
    assert_close(load, want_load, rtol=1e-12,
                  err_msg="load differs from tinymoe's routing stats")
    if np.isclose(busiest, np.bincount(expert).max()):
        pytest.fail("busiest is a count: report the busiest expert's FRACTION of assignments")
    assert np.isclose(busiest, want_busiest), (
        f"busiest must be the largest load {want_busiest:.4f}; got {busiest}")
    used = want_load[want_load > 0]
    want_entropy = -np.sum(used * np.log(used))
    if np.isclose(entropy, want_entropy / np.log(2)):
        pytest.fail("your entropy is in bits (log2): use the natural log (nats)")
    assert np.isclose(entropy, want_entropy, rtol=1e-10), (
        f"entropy must be -sum load ln load = {want_entropy:.6f}; got {entropy}")

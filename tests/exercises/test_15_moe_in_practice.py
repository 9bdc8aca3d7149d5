"""Graded tests for lesson 15: the multi-gate MoE forward, the embedding gradient as a one-hot
product, the LSTM output at the last real token, macro scores from a confusion matrix, and
a modality-aware router.

Oracles: tinymoe itself (``tinymoe.models.mmoe.MMoE`` with copied weights, the autograd of
``tinymoe.nn.functional.embedding`` and of Tensor indexing, ``tinymoe.metrics``, the top-k
router ``tinymoe.moe.routers.topk`` run on each modality's allowed experts) and invariants
(gates and routing probabilities are distributions, one-hot algebra). Every random draw is
seeded inside its test.
"""

import numpy as np
import pytest

import tinymoe as tm
from tinymoe import metrics
from tinymoe.grading.feedback import assert_close
from tinymoe.models.mmoe import MMoE
from tinymoe.moe.routers import topk
from tinymoe.nn import functional as F


@pytest.fixture
def m(load_exercise):
    return load_exercise("15_moe_in_practice")


def _same(a, b, **tol):
    """Whether a and b have the same shape and close values."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and np.allclose(a, b, **tol)


# ----------------------------------------------------------------------------- 15.1


def _mmoe_case(rng, batch, d_in, d_expert, n_experts, n_tasks, gate_scale=1.0):
    """An engine MMoE (float64) with random weights, its weights as arrays, and inputs."""
    tm.manual_seed(int(rng.integers(1 << 30)))
    model = MMoE(d_in, d_expert, n_experts, n_tasks, dtype=np.float64)
    for gate in model.gates:
        gate.weight.data[...] = gate_scale * rng.standard_normal(gate.weight.shape)
        gate.bias.data[...] = gate_scale * rng.standard_normal(gate.bias.shape)
    expert_w = np.stack([f.weight.data for f in model.experts])  # (E, H, D)
    expert_b = np.stack([f.bias.data for f in model.experts])  # (E, H)
    gate_w = np.stack([g.weight.data for g in model.gates])  # (K, E, D)
    gate_b = np.stack([g.bias.data for g in model.gates])  # (K, E)
    x = rng.standard_normal((batch, d_in))
    mixed, gates = model.mixtures(tm.tensor(x))
    want = np.stack([h.data for h in mixed]), np.stack([g.data for g in gates])
    return (x, expert_w, expert_b, gate_w, gate_b), want


@pytest.mark.exercise("15.1")
@pytest.mark.points(2)
def test_mmoe_forward_matches_engine(m, rng):
    for batch, d_in, d_expert, n_experts, n_tasks in [(9, 5, 4, 3, 2), (13, 3, 6, 5, 3),
                                                      (1, 4, 2, 4, 4)]:
        args, (want_mixed, want_gates) = _mmoe_case(rng, batch, d_in, d_expert, n_experts,
                                                    n_tasks)
        x, expert_w, expert_b, gate_w, gate_b = args
        mixed, gates = (np.asarray(a) for a in m.mmoe_forward(*args))
        case = f"B={batch}, D={d_in}, H={d_expert}, E={n_experts}, K={n_tasks}"
        assert gates.shape == (n_tasks, batch, n_experts), (
            f"gates must be (K, B, E) = {(n_tasks, batch, n_experts)}, one distribution over "
            f"the experts per task and input; got {gates.shape} ({case})"
        )
        assert mixed.shape == (n_tasks, batch, d_expert), (
            f"mixed must be (K, B, H) = {(n_tasks, batch, d_expert)}; got {mixed.shape} ({case})"
        )
        if batch > 1:
            assert not np.allclose(gates.sum(axis=1), 1.0), (
                "your gates sum to 1 over the batch: the softmax goes over the EXPERTS "
                f"(the last axis), so each input's weights sum to 1 ({case})"
            )
        assert np.allclose(gates.sum(axis=-1), 1.0), (
            "each task's gate must be a softmax over the experts (rows sum to 1); yours sum "
            f"to {np.round(gates.sum(axis=-1).ravel()[:3], 3).tolist()} ... ({case})"
        )
        assert not (np.allclose(gates, gates[:1]) and not np.allclose(want_gates,
                                                                      want_gates[:1])), (
            "every task got the same gate: task k must use its own gate_w[k], gate_b[k] "
            "(one gate shared by all tasks is OMoE, not the multi-gate MoE) "
            f"({case})"
        )
        assert_close(gates, want_gates, rtol=1e-9, atol=1e-12,
                     err_msg=f"gates[k] must be softmax(x @ gate_w[k].T + gate_b[k]) ({case})")
        linear = x @ expert_w.transpose(0, 2, 1) + expert_b[:, None, :]  # (E, B, H)
        no_relu = np.einsum("kbe,ebh->kbh", want_gates, linear)
        assert not (_same(mixed, no_relu) and not _same(no_relu, want_mixed)), (
            "the experts have no ReLU: f_e(x) = relu(x @ expert_w[e].T + expert_b[e]) "
            f"({case})"
        )
        assert_close(mixed, want_mixed, rtol=1e-9, atol=1e-12,
                     err_msg=f"mixed[k, b] must be sum_e gates[k, b, e] * f_e(x)[b] ({case})")


@pytest.mark.exercise("15.1")
@pytest.mark.points(1)
def test_mmoe_forward_large_gate_logits(m, rng):
    args, (want_mixed, want_gates) = _mmoe_case(rng, 7, 4, 3, 4, 2, gate_scale=400.0)
    with np.errstate(all="ignore"):
        mixed, gates = (np.asarray(a) for a in m.mmoe_forward(*args))
    assert np.all(np.isfinite(gates)) and np.all(np.isfinite(mixed)), (
        "the gate softmax overflowed (gate logits in the thousands give exp = inf): "
        "subtract each row's max before np.exp"
    )
    assert_close(gates, want_gates, rtol=1e-9, atol=1e-12,
                 err_msg="gates differ from tinymoe's MMoE for large gate logits")
    assert_close(mixed, want_mixed, rtol=1e-9, atol=1e-12,
                 err_msg="mixed differs from tinymoe's MMoE for large gate logits")


# ----------------------------------------------------------------------------- 15.2


def _engine_embedding_grad(ids, grad_out, num_embeddings):
    """dL/dweight of L = sum(grad_out * weight[ids]), by tinymoe's autograd."""
    weight = tm.tensor(np.zeros((num_embeddings, grad_out.shape[-1]), grad_out.dtype),
                       requires_grad=True)
    (F.embedding(ids, weight) * tm.tensor(grad_out)).sum().backward()
    return weight.grad


@pytest.mark.exercise("15.2")
@pytest.mark.points(2)
def test_embedding_backward_adds_repeated_ids(m, rng):
    for shape, vocab, dim in [((4, 6), 9, 3), ((25,), 7, 5), ((2, 3, 4), 30, 2)]:
        ids = rng.integers(0, vocab - 2, size=shape)  # repeats; the last two ids never occur
        grad_out = rng.standard_normal((*shape, dim))
        got = np.asarray(m.embedding_backward(ids, grad_out, vocab))
        case = f"ids {shape}, V={vocab}, D={dim}"
        assert got.shape != (dim, vocab) or dim == vocab, (
            f"grad_weight has the shape of weight, (V, D) = {(vocab, dim)}; yours is "
            f"transposed, {got.shape} ({case})"
        )
        assert got.shape == (vocab, dim), (
            f"grad_weight must be (V, D) = {(vocab, dim)}, like the table, also for ids "
            f"that never occur; got {got.shape} ({case})"
        )
        last_wins = np.zeros((vocab, dim))
        last_wins[ids.reshape(-1)] = grad_out.reshape(-1, dim)
        assert not _same(got, last_wins), (
            "repeated ids: each occurrence of an id adds its gradient, but yours keeps only "
            "the last (grad[ids] = g or grad[ids] += g is buffered); use np.add.at "
            f"({case})"
        )
        one_hot = np.eye(vocab)[ids.reshape(-1)]  # (N, V)
        want = _engine_embedding_grad(ids, grad_out, vocab)
        assert np.allclose(want, one_hot.T @ grad_out.reshape(-1, dim))  # the identity
        assert_close(got, want, rtol=1e-12, atol=1e-12,
                     err_msg=f"grad_weight must be one_hot(ids)^T @ grad_out: row v sums "
                             f"grad_out over the positions with id v ({case})")


@pytest.mark.exercise("15.2")
@pytest.mark.points(1)
def test_embedding_backward_keeps_dtype(m, rng):
    ids = np.array([3, 1, 3, 3, 0])
    grad_out = rng.standard_normal((5, 4)).astype(np.float32)
    got = np.asarray(m.embedding_backward(ids, grad_out, 6))
    assert got.dtype == np.float32, (
        f"float32 gradients gave a {got.dtype} result: create the zeros with grad_out.dtype"
    )
    assert_close(got, _engine_embedding_grad(ids, grad_out, 6), rtol=1e-5, atol=1e-6,
                 err_msg="row v must be the sum of grad_out over the positions with id v")


# ----------------------------------------------------------------------------- 15.3


def _padded_batch(rng, lengths, steps, hidden):
    outputs = rng.standard_normal((len(lengths), steps, hidden))
    return outputs, np.asarray(lengths)


@pytest.mark.exercise("15.3")
@pytest.mark.points(1)
def test_last_hidden_numpy(m, rng):
    for lengths, steps, hidden in [([3, 5, 1, 5, 2], 5, 4), ([1], 3, 2), ([7, 7], 7, 3)]:
        outputs, lengths = _padded_batch(rng, lengths, steps, hidden)
        case = f"lengths {lengths.tolist()}, T={steps}"
        try:
            got = np.asarray(m.last_hidden(outputs, lengths))
        except IndexError as err:
            raise AssertionError(
                "off by one: a sequence of length n has its last real token at position "
                f"n - 1, and outputs[b, n] is past the end when n = T ({case}): {err}"
            ) from err
        want = outputs[np.arange(len(lengths)), lengths - 1]
        assert got.shape == want.shape, (
            f"the result must be (B, H) = {want.shape}, one row per sequence; got {got.shape}"
            f" ({case}): index the batch axis AND the time axis together"
        )
        if not np.all(lengths == steps):
            assert not _same(got, outputs[:, -1]), (
                "outputs[:, -1] is the last STEP, which is padding for every sequence shorter "
                f"than T: take step lengths[b] - 1 of row b ({case})"
            )
            assert not _same(got, outputs.mean(axis=1)), (
                f"you average over all T steps, padding included ({case}); take step "
                "lengths[b] - 1 of row b"
            )
        shifted = outputs[np.arange(len(lengths)), np.minimum(lengths, steps - 1)]
        assert not (_same(got, shifted) and not _same(got, want)), (
            f"off by one: the last real token of a sequence of length n is at n - 1 ({case})"
        )
        assert_close(got, want, rtol=0, atol=0,
                     err_msg=f"row b must be outputs[b, lengths[b] - 1] ({case})")


@pytest.mark.exercise("15.3")
@pytest.mark.points(1)
def test_last_hidden_keeps_the_graph(m, rng):
    outputs_np, lengths = _padded_batch(rng, [2, 4, 1], 4, 3)
    outputs = tm.tensor(outputs_np, requires_grad=True)
    got = m.last_hidden(outputs, lengths)
    assert isinstance(got, tm.Tensor), (
        f"for a Tensor input the result must be a Tensor (got {type(got).__name__}) so the "
        "LSTM gets gradients: index the Tensor, do not convert it to NumPy"
    )
    upstream = rng.standard_normal((3, 3))
    (got * tm.tensor(upstream)).sum().backward()
    want = np.zeros_like(outputs_np)
    want[np.arange(3), lengths - 1] = upstream
    assert outputs.grad is not None, "no gradient reached the LSTM outputs"
    assert_close(outputs.grad, want, rtol=0, atol=1e-15,
                 err_msg="the gradient must reach step lengths[b] - 1 of each row and "
                         "nothing else")


# ----------------------------------------------------------------------------- 15.4


def _labels(rng, n, n_classes, never_predicted, absent):
    """y_true, y_pred over C classes: `never_predicted` occurs but is never predicted,
    `absent` neither occurs nor is predicted; about 60 % correct."""
    used = [c for c in range(n_classes) if c != absent]
    y_true = rng.choice(used, size=n, p=rng.dirichlet(np.ones(len(used)) * 2))
    others = [c for c in used if c != never_predicted]
    y_pred = np.where(rng.random(n) < 0.6, y_true, rng.choice(others, size=n))
    wrong = y_pred == never_predicted
    y_pred[wrong] = rng.choice(others, size=int(wrong.sum()))
    return y_true, y_pred


def _harmonic(p, r):
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


@pytest.mark.exercise("15.4")
@pytest.mark.points(2)
def test_macro_scores_match_tinymoe_metrics(m, rng):
    for n, n_classes, never, absent in [(200, 4, 2, None), (90, 5, 0, 3), (31, 3, 1, None)]:
        y_true, y_pred = _labels(rng, n, n_classes, never, absent)
        cm = metrics.confusion_matrix(y_true, y_pred, num_classes=n_classes)
        case = f"C={n_classes}, class {never} never predicted" + (
            f", class {absent} absent" if absent is not None else "")
        with np.errstate(all="ignore"):
            got = m.macro_scores(cm)
        assert isinstance(got, dict) and set(got) == {"accuracy", "precision", "recall", "f1"}, (
            "return a dict with the keys 'accuracy', 'precision', 'recall', 'f1'"
        )
        got = {k: float(v) for k, v in got.items()}
        want = {"accuracy": metrics.accuracy(y_true, y_pred)}
        for key, f in (("precision", metrics.precision), ("recall", metrics.recall),
                       ("f1", metrics.f1_score)):
            want[key] = f(y_true, y_pred, average="macro")
        assert all(np.isfinite(v) for v in got.values()), (
            f"a score is nan: class {never} is never predicted, so its precision is 0/0; "
            f"count it as 0 (np.divide with where=, or a test for 0) ({case})"
        )
        assert_close(got["accuracy"], want["accuracy"], rtol=1e-12,
                     err_msg=f"accuracy = trace(cm) / cm.sum() ({case})")
        swapped = (np.isclose(got["precision"], want["recall"])
                   and np.isclose(got["recall"], want["precision"]))
        assert not swapped, (
            "precision and recall are swapped: cm[i, j] counts TRUE class i predicted as j, "
            f"so precision divides by the COLUMN sums and recall by the ROW sums ({case})"
        )
        assert not np.isclose(got["f1"], want["accuracy"]) or np.isclose(want["f1"],
                                                                         want["accuracy"]), (
            "your F1 equals the accuracy: that is the MICRO average (pooled TP, FP, FN); "
            f"macro F1 is the mean of the per-class F1s, {want['f1']:.4f} ({case})"
        )
        harmonic = _harmonic(want["precision"], want["recall"])
        assert not np.isclose(got["f1"], harmonic) or np.isclose(want["f1"], harmonic), (
            "macro F1 is the mean of the per-class F1s, not 2PR / (P + R) of the macro "
            f"precision and recall ({case})"
        )
        if absent is not None:
            lowered = want["recall"] * (n_classes - 1) / n_classes
            assert not np.isclose(got["recall"], lowered), (
                f"class {absent} never occurs and is never predicted: leave it out of the "
                f"macro averages (divide by the {n_classes - 1} classes that occur) ({case})"
            )
        labels = np.union1d(y_true, y_pred)
        per_class = metrics.precision(y_true, y_pred, average=None)
        assert not np.isclose(got["precision"], per_class[np.isin(labels, y_pred)].mean()), (
            f"class {never} is never predicted: its precision is 0 (not nan) and it still "
            f"counts in the macro average; np.nanmean leaves it out ({case})"
        )
        for key in ("precision", "recall", "f1"):
            assert_close(got[key], want[key], rtol=1e-12,
                         err_msg=f"macro {key} must be the mean of the per-class {key} over "
                                 f"the classes that occur ({case})")


@pytest.mark.exercise("15.4")
@pytest.mark.points(1)
def test_macro_scores_docstring_case_and_integer_input(m):
    cm = [[3, 1, 0], [2, 2, 0], [1, 0, 0]]  # a list of Python ints
    got = m.macro_scores(cm)
    want = {"accuracy": 5 / 9, "precision": (3 / 6 + 2 / 3) / 3, "recall": (3 / 4 + 2 / 4) / 3,
            "f1": (6 / 10 + 4 / 7) / 3}
    for key, value in want.items():
        assert_close(float(got[key]), value, rtol=1e-12,
                     err_msg=f"{key} for the docstring's example: expected {value:.4f}, "
                             f"got {float(got[key]):.4f}")


# ----------------------------------------------------------------------------- 15.5


def _route_oracle(logits, modality, expert_modality, k):
    """probs (T, E) and experts (T, k) from tinymoe's top-k router run, for each modality,
    on the columns of the experts that modality may use."""
    n_tokens, n_experts = logits.shape
    probs, expert = np.zeros((n_tokens, n_experts)), np.zeros((n_tokens, k), np.int64)
    for mod in np.unique(modality):
        rows = np.flatnonzero(modality == mod)
        cols = np.flatnonzero((expert_modality == -1) | (expert_modality == mod))
        routing = topk(tm.tensor(logits[np.ix_(rows, cols)]), k)
        probs[np.ix_(rows, cols)] = routing.probs.data
        expert[rows] = cols[routing.expert.reshape(k, len(rows)).T]
    return probs, expert


def _route_case(rng, n_tokens, expert_modality, n_modalities, scale=1.5):
    logits = scale * rng.standard_normal((n_tokens, len(expert_modality)))
    modality = rng.integers(0, n_modalities, n_tokens)
    return logits, modality, np.asarray(expert_modality)


@pytest.mark.exercise("15.5")
@pytest.mark.points(2)
def test_modality_route_matches_engine(m, rng):
    for expert_modality, n_modalities, k in [([0, 0, 1, 1, -1], 2, 2),
                                             ([1, -1, 0, 2, 0, 1, 2, -1], 3, 1),
                                             ([0, 1, 0, 1, 0, 1], 2, 3)]:
        logits, modality, expert_modality = _route_case(rng, 23, expert_modality, n_modalities)
        before = logits.copy()
        probs, expert = (np.asarray(a) for a in
                         m.modality_route(logits, modality, expert_modality, k))
        case = f"expert_modality {expert_modality.tolist()}, k={k}"
        assert np.array_equal(logits, before), (
            "modality_route changed the logits you passed, in place (the router's output "
            f"is needed again for its gradient): mask a copy, e.g. np.where ({case})"
        )
        n_tokens, n_experts = logits.shape
        assert probs.shape == (n_tokens, n_experts) and expert.shape == (n_tokens, k), (
            f"probs must be (T, E) = {(n_tokens, n_experts)} and expert (T, k) = "
            f"{(n_tokens, k)}; got {probs.shape} and {expert.shape} ({case})"
        )
        allowed = (expert_modality == -1) | (expert_modality == modality[:, None])
        want_probs, want_expert = _route_oracle(logits, modality, expert_modality, k)
        multiplied = np.where(allowed, logits, 0.0)
        z = np.exp(multiplied - multiplied.max(axis=1, keepdims=True))
        assert not _same(probs, z / z.sum(axis=1, keepdims=True)), (
            "logits * mask sets the other modality's logits to 0, which still takes part in "
            f"the softmax (exp(0) = 1): use -inf for the masked logits ({case})"
        )
        if np.any(expert_modality == -1):
            own = expert_modality == modality[:, None]
            assert not np.allclose(probs[allowed & ~own], 0), (
                "shared experts (expert_modality -1) serve every token; yours give them "
                f"probability 0 ({case})"
            )
        assert np.allclose(probs[~allowed], 0), (
            "a token gave probability to an expert of another modality: probs must be "
            f"exactly 0 where expert_modality is neither -1 nor the token's modality ({case})"
        )
        assert not (np.all(probs.sum(axis=1) < 1 - 1e-6)), (
            "softmax over all experts and then zeroing the others leaves rows that sum to "
            "less than 1: mask the logits (-inf) BEFORE the softmax so each token's allowed "
            f"experts share all of the probability ({case})"
        )
        assert_close(probs, want_probs, rtol=1e-9, atol=1e-12,
                     err_msg=f"probs[t] must be the softmax of logits[t] over the experts "
                             f"token t may use ({case})")
        picked_ok = np.take_along_axis(allowed, expert, axis=1)
        assert picked_ok.all(), (
            "a token was routed to an expert of another modality: choose the top k of the "
            f"masked probabilities, not of the raw logits ({case})"
        )
        wrong = np.flatnonzero(np.any(expert != want_expert, axis=1))
        assert wrong.size == 0, (
            f"token {wrong[0] if wrong.size else 0} chose "
            f"{expert[wrong[0] if wrong.size else 0].tolist()}; its top-{k} allowed experts, "
            f"best first, are {want_expert[wrong[0] if wrong.size else 0].tolist()} ({case})"
        )


@pytest.mark.exercise("15.5")
@pytest.mark.points(1)
def test_modality_route_large_logits(m, rng):
    logits, modality, expert_modality = _route_case(rng, 17, [0, 1, -1, 0, 1, -1], 2)
    logits = logits + 750.0  # exp(750) overflows float64
    with np.errstate(all="ignore"):
        probs, expert = (np.asarray(a) for a in m.modality_route(logits, modality,
                                                                 expert_modality, 2))
    assert np.all(np.isfinite(probs)), (
        "the softmax overflowed (logits near 750 give exp = inf): subtract each row's "
        "largest ALLOWED logit before np.exp"
    )
    want_probs, want_expert = _route_oracle(logits, modality, expert_modality, 2)
    assert_close(probs, want_probs, rtol=1e-9, atol=1e-12,
                 err_msg="probs differ from tinymoe's router for large logits")
    assert np.array_equal(expert, want_expert), "experts differ for large logits"

"""Graded tests for lesson 12: capacity, sort-based dispatch, combine and its backward, the
grouped GEMM, expert-choice routing and DeepSeek-V3 routing with its bias update.

Oracles: tinymoe itself (``tinymoe.moe`` capacity, sort and routers; the grouped-GEMM and
combine kernels), invariants (each expert keeps min(count, C), offsets are the cumsum of
the counts, the sort is stable, expert choice gives every expert exactly C tokens,
DeepSeek's loads even out) and central finite differences in float64.
Every random draw is seeded inside its test; sizes are odd and some experts get no token.
"""

import math

import numpy as np
import pytest
from numba.core.errors import NumbaError

import tinymoe as tm
from tinymoe.kernels.grouped_gemm import grouped_matmul, scatter_add_rows
from tinymoe.moe import expert_capacity, sort_by_expert, within_capacity
from tinymoe.moe.routers import deepseek, expert_choice


@pytest.fixture
def m(load_exercise):
    return load_exercise("12_dispatch_capacity_and_modern_routers")


def _choices(rng, n_tokens, n_experts, k, skew=0.0):
    """(T, k) distinct experts per token, best first, from skewed random scores."""
    scores = rng.standard_normal((n_tokens, n_experts)) + skew * np.linspace(1, -1, n_experts)
    return np.argsort(-scores, axis=1, kind="stable")[:, :k]


def _same(a, b, **tol):
    """Whether a and b have the same shape and close values."""
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and np.allclose(a, b, **tol)


# ----------------------------------------------------------------------------- 12.1


@pytest.mark.exercise("12.1")
@pytest.mark.points(1)
def test_capacity_is_rounded_up(m, rng):
    for n_tokens, k, n_experts, factor in [(10, 1, 3, 1.0), (7, 2, 3, 1.25), (13, 2, 5, 1.0),
                                           (8, 2, 4, 1.0), (5, 1, 8, 0.5), (22, 3, 7, 0.75)]:
        expert = _choices(rng, n_tokens, n_experts, k)
        capacity, _ = m.capacity_keep(expert, n_experts, factor)
        want = expert_capacity(n_tokens, n_experts, k, factor)
        exact = factor * k * n_tokens / n_experts
        case = f"T={n_tokens}, k={k}, E={n_experts}, cf={factor}"
        assert capacity != math.floor(exact) or capacity == want, (
            f"capacity must be rounded up: ceil(cf*k*T/E) = ceil({exact:.4g}) = {want} for "
            f"{case}; yours is the floor, {capacity}"
        )
        assert capacity != round(exact) or capacity == want, (
            f"capacity must be rounded up, not to the nearest integer: ceil({exact:.4g}) = "
            f"{want} for {case}; yours is {capacity}"
        )
        assert capacity != math.ceil(factor * n_tokens / n_experts) or capacity == want, (
            f"capacity counts every choice: C = ceil(cf * k * T / E) = {want} for {case}; "
            f"yours, {capacity}, leaves out k (there are k * T assignments to place)"
        )
        assert capacity == want, f"C = ceil(cf * k * T / E) = {want} for {case}; got {capacity}"


@pytest.mark.exercise("12.1")
@pytest.mark.points(2)
def test_keep_mask_first_choices_first(m, rng):
    for n_tokens, n_experts, k, factor, skew in [(37, 5, 2, 1.0, 2.0), (41, 7, 1, 1.25, 3.0),
                                                 (29, 6, 3, 0.5, 1.0), (16, 4, 2, 2.0, 0.0)]:
        expert = _choices(rng, n_tokens, n_experts, k, skew)
        expert[expert == n_experts - 1] = 0  # the last expert gets no assignment at all
        capacity, keep = m.capacity_keep(expert, n_experts, factor)
        keep = np.asarray(keep)
        case = f"T={n_tokens}, E={n_experts}, k={k}, cf={factor} (C={capacity})"
        assert keep.shape == expert.shape and keep.dtype == bool, (
            f"keep must be a bool array shaped like expert {expert.shape}; got {keep.dtype} "
            f"{keep.shape} for {case}"
        )
        counts = np.bincount(expert.ravel(), minlength=n_experts)
        kept = np.bincount(expert[keep], minlength=n_experts)
        one_extra = np.any(counts > capacity) and np.array_equal(
            kept, np.minimum(counts, capacity + 1))
        assert not one_extra, (
            f"off by one: each expert keeps C + 1 = {capacity + 1} assignments; a slot is "
            f"free while slots used < C (strict), {case}"
        )
        for e in range(n_experts):
            assert kept[e] == min(counts[e], capacity), (
                f"expert {e} keeps {kept[e]} of its {counts[e]} assignments; it must keep "
                f"exactly min(count, C) = {min(counts[e], capacity)}, {case}"
            )
        want = within_capacity(expert.T.reshape(-1), n_experts, capacity)
        want = want.reshape(k, n_tokens).T
        token_major = within_capacity(expert.reshape(-1), n_experts, capacity)
        token_major = token_major.reshape(n_tokens, k)
        assert not (np.array_equal(keep, token_major) and not np.array_equal(keep, want)), (
            "first choices first: you hand out slots token by token (token 0's k choices, "
            "then token 1's ...), so a second choice can take the slot of a later token's "
            f"first choice; go over all first choices, then all second choices ({case})"
        )
        wrong = np.argwhere(keep != want)
        assert wrong.size == 0, (
            f"keep[{wrong[0][0]}, {wrong[0][1]}] is {keep[tuple(wrong[0])]}: each expert "
            "keeps its first C assignments in priority order (all first choices by token, "
            f"then all second choices ...), {case}"
        )


# ----------------------------------------------------------------------------- 12.2


def _sort_cases(rng):
    """Flat expert ids with empty experts in the middle and at the end, and a tiny case."""
    yield np.array([2, 0, 2, 0]), 4
    for n_assign, n_experts in [(500, 9), (333, 6), (1, 3)]:
        used = np.array([e for e in range(n_experts) if e % 3 != 2])  # 2, 5, 8 get nothing
        yield rng.choice(used, size=n_assign, p=rng.dirichlet(np.ones(len(used)))), n_experts


@pytest.mark.exercise("12.2")
@pytest.mark.points(1)
def test_sort_order_is_stable(m, rng):
    for expert, n_experts in _sort_cases(rng):
        order, _ = m.sort_by_expert(expert, n_experts)
        order = np.asarray(order)
        assert np.array_equal(np.sort(order), np.arange(len(expert))), (
            f"order must be a permutation of the {len(expert)} assignment positions"
        )
        assert np.all(np.diff(expert[order]) >= 0), (
            "expert[order] must be non-decreasing: sort the positions by expert id"
        )
        want, _ = sort_by_expert(expert, n_experts)
        assert np.array_equal(order, want), (
            "your sort is not stable: assignments of the same expert must keep their "
            "priority order (first choices before second choices); use "
            "np.argsort(expert, kind='stable')"
        )


@pytest.mark.exercise("12.2")
@pytest.mark.points(1)
def test_offsets_are_the_cumsum_of_counts(m, rng):
    for expert, n_experts in _sort_cases(rng):
        _, offsets = m.sort_by_expert(expert, n_experts)
        offsets = np.asarray(offsets)
        counts = np.bincount(expert, minlength=n_experts)
        assert not _same(offsets, np.cumsum(counts)), (
            "offsets needs E + 1 entries starting with 0: expert e owns "
            "offsets[e]:offsets[e + 1]; yours is the cumsum without the leading 0"
        )
        missing = sorted(set(range(n_experts)) - set(expert.tolist()))
        skipped = [np.concatenate([[0], np.cumsum(np.bincount(expert))]),
                   np.concatenate([[0], np.cumsum(counts[counts > 0])])]
        assert not any(_same(offsets, wrong) for wrong in skipped) or not missing, (
            f"experts {missing} chose nobody and your offsets {offsets.tolist()} have "
            f"{offsets.size} entries, not E + 1 = {n_experts + 1}: count with "
            "np.bincount(expert, minlength=E) so every expert, chosen or not, has a segment"
        )
        assert offsets.shape == (n_experts + 1,), (
            f"offsets must have E + 1 = {n_experts + 1} entries; got shape {offsets.shape}"
        )
        assert offsets[0] == 0 and np.array_equal(np.diff(offsets), counts), (
            f"offsets must be [0, cumsum(counts)] with counts {counts.tolist()}; got "
            f"{offsets.tolist()}"
        )


# ----------------------------------------------------------------------------- 12.3


def _assignments(rng, n_tokens, n_experts, k, dim, dtype=np.float64):
    """Choice-major token ids (tokens repeat k times; the last 3 tokens have none), values,
    gates and expert ids."""
    routed = n_tokens - 3
    token = np.tile(np.arange(routed), k)
    expert = _choices(rng, routed, n_experts, k).T.reshape(-1)
    values = rng.standard_normal((len(token), dim)).astype(dtype)
    gate = rng.uniform(0.1, 1.0, len(token)).astype(dtype)
    return token, expert, values, gate


def _combine_oracle(values, gate, token, n_tokens, keep=None):
    weight = gate if keep is None else np.where(keep, gate, 0)
    return scatter_add_rows(values, weight, token, n_tokens)


@pytest.mark.exercise("12.3")
@pytest.mark.points(1)
def test_combine_adds_repeated_tokens(m, rng):
    n_tokens, dim = 11, 5
    token, _, values, gate = _assignments(rng, n_tokens, 4, 2, dim)
    y = np.asarray(m.combine(values, gate, token, n_tokens))
    assert y.shape == (n_tokens, dim), (
        f"y must be (T, D) = {(n_tokens, dim)} (tokens without an assignment get a zero row); "
        f"got {y.shape}"
    )
    last_wins = np.zeros((n_tokens, dim))
    last_wins[token] += gate[:, None] * values
    assert not _same(y, last_wins), (
        "repeated token ids: use np.add.at, y[idx] += v keeps only the last: a token chosen "
        "by k experts must receive the sum of all k gate-weighted outputs"
    )
    assert not _same(y, _combine_oracle(values, np.ones_like(gate), token, n_tokens)), (
        "weight each expert output by its gate: y[token[a]] += gate[a] * values[a]"
    )
    np.testing.assert_allclose(
        y, _combine_oracle(values, gate, token, n_tokens), rtol=1e-12, atol=1e-12,
        err_msg="y[t] must be the sum of gate[a] * values[a] over the assignments of token t",
    )


@pytest.mark.exercise("12.3")
@pytest.mark.points(1)
def test_combine_drops_and_keeps_dtype(m, rng):
    n_tokens, dim = 13, 3
    token, _, values, gate = _assignments(rng, n_tokens, 5, 2, dim, np.float32)
    keep = rng.random(len(token)) < 0.7
    y = np.asarray(m.combine(values, gate, token, n_tokens, keep))
    assert y.dtype == np.float32, (
        f"float32 inputs gave a {y.dtype} output: create y with np.zeros((T, D), values.dtype)"
    )
    want = _combine_oracle(values, gate, token, n_tokens, keep)
    assert not (_same(y, _combine_oracle(values, gate, token, n_tokens), rtol=1e-5)
                and not _same(y, want, rtol=1e-5)), (
        "dropped assignments must contribute 0, yours contribute their expert output "
        "(use the gate only where keep is True)"
    )
    np.testing.assert_allclose(
        y, want, rtol=1e-5, atol=1e-6,
        err_msg="y[t] must sum gate[a] * values[a] over the KEPT assignments of token t",
    )


# ----------------------------------------------------------------------------- 12.4


@pytest.mark.exercise("12.4")
@pytest.mark.points(2)
def test_combine_backward_matches_finite_differences(m, rng):
    n_tokens, dim = 9, 4
    token, _, values, gate = _assignments(rng, n_tokens, 4, 3, dim)
    keep = rng.random(len(token)) < 0.75
    grad_y = rng.standard_normal((n_tokens, dim))  # a random upstream gradient, not ones

    def loss(v, g):
        return float(np.sum(grad_y * _combine_oracle(v, g, token, n_tokens, keep)))

    eps = 1e-6
    fd_values = np.zeros_like(values)
    for idx in np.ndindex(values.shape):
        step = np.zeros_like(values)
        step[idx] = eps
        fd_values[idx] = (loss(values + step, gate) - loss(values - step, gate)) / (2 * eps)
    fd_gate = np.zeros_like(gate)
    for a in range(len(gate)):
        step = np.zeros_like(gate)
        step[a] = eps
        fd_gate[a] = (loss(values, gate + step) - loss(values, gate - step)) / (2 * eps)

    grad_values, grad_gate = (np.asarray(g) for g in
                              m.combine_backward(grad_y, values, gate, token, keep))
    assert grad_values.shape == values.shape and grad_gate.shape == gate.shape, (
        f"expected grad_values {values.shape} and grad_gate {gate.shape}; got "
        f"{grad_values.shape} and {grad_gate.shape}"
    )
    rows = grad_y[token]
    dropped = ~keep
    assert np.allclose(grad_values[dropped], 0) and np.allclose(grad_gate[dropped], 0), (
        "a dropped assignment contributed nothing, so its gradients are 0; yours are not "
        "(zero them where keep is False)"
    )
    assert not _same(grad_values[keep], rows[keep]), (
        "grad_values must be scaled by the gate: gate[a] * grad_y[token[a]]; yours is "
        "grad_y[token[a]] alone"
    )
    np.testing.assert_allclose(
        grad_values, fd_values, rtol=1e-6, atol=1e-8,
        err_msg="grad_values[a] must be gate[a] * grad_y[token[a]] (finite differences differ)",
    )
    assert not _same(grad_gate[keep], rows[keep].sum(axis=1)), (
        "grad_gate is the dot product <grad_y[token[a]], values[a]>; yours sums grad_y's row "
        "without the values"
    )
    np.testing.assert_allclose(
        grad_gate, fd_gate, rtol=1e-6, atol=1e-8,
        err_msg="grad_gate[a] must be <grad_y[token[a]], values[a]> (finite differences differ)",
    )


# ----------------------------------------------------------------------------- 12.5


def _segments(rng, n_experts, n_rows, empty):
    """offsets (E + 1,) for n_rows rows, with the experts in `empty` getting none."""
    weights = np.array([0.0 if e in empty else 1.0 for e in range(n_experts)])
    counts = rng.multinomial(n_rows, weights / weights.sum())
    return np.concatenate([[0], np.cumsum(counts)])


def _skip_empty(x, w, offsets):
    """What a kernel computes that numbers only the non-empty segments 0, 1, 2, ..."""
    out = np.zeros((x.shape[0], w.shape[1]))
    g = 0
    for e in range(w.shape[0]):
        lo, hi = offsets[e], offsets[e + 1]
        if hi > lo:
            out[lo:hi] = x[lo:hi] @ w[g].T
            g += 1
    return out


@pytest.mark.exercise("12.5")
@pytest.mark.points(1)
def test_grouped_matmul_plain_python(m, rng):
    for n_rows, kdim, n_out, n_experts, empty in [(6, 3, 3, 4, {1}), (7, 4, 3, 5, {0, 4}),
                                                  (1, 2, 5, 2, {0}), (0, 3, 2, 3, set())]:
        x = rng.standard_normal((n_rows, kdim))
        w = rng.standard_normal((n_experts, n_out, kdim))
        offsets = _segments(rng, n_experts, n_rows, empty)
        out = np.asarray(m.grouped_matmul(x, w, offsets))
        case = f"x {x.shape}, w {w.shape}, offsets {offsets.tolist()}"
        assert out.shape == (n_rows, n_out), f"out must be (A, N) = {(n_rows, n_out)} for {case}"
        want = grouped_matmul(x, w, offsets)
        if n_out == kdim:
            transposed = grouped_matmul(x, w.transpose(0, 2, 1), offsets)
            assert not _same(out, transposed), (
                "out = x @ w[e].T: w is (E, N, K) in Linear's (out, in) layout; yours "
                f"multiplies by w[e] ({case})"
            )
        assert not (_same(out, _skip_empty(x, w, offsets)) and not _same(out, want)), (
            "an expert with zero rows shifted the weights of the experts after it: segment e "
            f"always uses w[e], empty segments included ({case})"
        )
        np.testing.assert_allclose(
            out, want, rtol=1e-12, atol=1e-12,
            err_msg=f"out[seg_e] must be x[seg_e] @ w[e].T for every expert e ({case})",
        )


@pytest.mark.exercise("12.5")
@pytest.mark.points(2)
def test_grouped_matmul_compiled(m, rng):
    fast = m.jit(m.grouped_matmul)
    for n_rows, kdim, n_out, n_experts, empty in [(67, 19, 13, 6, {0, 3}), (40, 8, 8, 7, {6}),
                                                  (5, 33, 2, 9, {1, 2, 4, 8})]:
        for dtype, tol in ((np.float64, 1e-12), (np.float32, 1e-4)):
            x = rng.standard_normal((n_rows, kdim)).astype(dtype)
            w = rng.standard_normal((n_experts, n_out, kdim)).astype(dtype)
            offsets = _segments(rng, n_experts, n_rows, empty)
            try:
                out = fast(x, w, offsets)
            except (NumbaError, ImportError) as err:
                raise AssertionError(
                    "Numba could not compile your grouped_matmul: write it with plain loops, "
                    "range, indexing and np.zeros((A, N), x.dtype) (np.matmul and @ inside "
                    f"Numba need SciPy). Numba said: {str(err).splitlines()[0]}"
                ) from err
            assert out.dtype == dtype, (
                f"{np.dtype(dtype).name} inputs gave {out.dtype}: create the output with "
                "np.zeros((A, N), x.dtype)"
            )
            np.testing.assert_allclose(
                out, grouped_matmul(x.astype(np.float64), w.astype(np.float64),
                                              offsets),
                rtol=tol, atol=tol,
                err_msg=f"compiled grouped_matmul differs from a per-expert matmul for x "
                        f"{x.shape}, w {w.shape}, offsets {offsets.tolist()}",
            )


# ----------------------------------------------------------------------------- 12.6


def _engine_expert_choice(logits, capacity):
    routing = expert_choice(tm.tensor(logits), capacity)
    n_experts = logits.shape[1]
    return (routing.token.reshape(n_experts, -1), routing.gate.data.reshape(n_experts, -1),
            routing.probs.data)


@pytest.mark.exercise("12.6")
@pytest.mark.points(1)
def test_expert_choice_matches_engine(m, rng):
    for n_tokens, n_experts, capacity in [(23, 5, 5), (17, 3, 1), (9, 4, 9), (31, 7, 10)]:
        logits = 1.5 * rng.standard_normal((n_tokens, n_experts))
        token, gate = (np.asarray(a) for a in m.expert_choice(logits, capacity))
        case = f"T={n_tokens}, E={n_experts}, C={capacity}"
        assert token.shape == (n_experts, capacity) and gate.shape == (n_experts, capacity), (
            f"every expert takes exactly C tokens: token and gate must be (E, C) = "
            f"{(n_experts, capacity)}; got {token.shape} and {gate.shape} ({case})"
        )
        want_token, want_gate, probs = _engine_expert_choice(logits, capacity)
        over_tokens = np.exp(logits - logits.max(axis=0)) / np.exp(
            logits - logits.max(axis=0)).sum(axis=0)
        if np.array_equal(token, np.argsort(-over_tokens.T, axis=1)[:, :capacity]):
            assert not _same(gate, np.take_along_axis(over_tokens.T, token, axis=1)), (
                "p is a softmax over the experts (axis 1: each token's row sums to 1); yours "
                f"normalises over the tokens ({case})"
            )
        by_logit = np.argsort(-logits.T, axis=1, kind="stable")[:, :capacity]
        assert not (np.array_equal(token, by_logit) and not np.array_equal(token, want_token)), (
            "experts pick tokens by probability p[:, e] = softmax(logits)[:, e], not by the "
            "raw logits: each token's row has its own normaliser, which changes the order "
            f"({case})"
        )
        for e in range(n_experts):
            assert len(set(token[e].tolist())) == capacity, (
                f"expert {e} picked the same token twice: {token[e].tolist()} ({case})"
            )
            picked = probs[token[e], e]
            assert np.all(np.diff(picked) <= 0), (
                f"expert {e}'s tokens must be best first (largest p[:, e] first); their "
                f"probabilities are {np.round(picked, 3).tolist()} ({case})"
            )
            rest = np.delete(probs[:, e], token[e])
            assert rest.size == 0 or picked.min() >= rest.max(), (
                f"expert {e} must take the C tokens with the LARGEST p[:, e]: it left out a "
                f"token with p = {rest.max():.3f} and took one with {picked.min():.3f} ({case})"
            )
        assert np.array_equal(token, want_token), f"tokens differ from tinymoe's ({case})"
        np.testing.assert_allclose(
            gate, want_gate, rtol=1e-9, atol=1e-12,
            err_msg=f"gate[e, c] must be p[token[e, c], e] with p = softmax over experts ({case})",
        )


@pytest.mark.exercise("12.6")
@pytest.mark.points(1)
def test_expert_choice_large_logits(m, rng):
    logits = 720.0 + 3.0 * rng.standard_normal((15, 4))  # exp(720) overflows float64
    with np.errstate(all="ignore"):
        token, gate = (np.asarray(a) for a in m.expert_choice(logits, 4))
    assert np.all(np.isfinite(gate)), (
        "softmax overflowed (logits near 720 give exp = inf): subtract each row's max "
        "before np.exp"
    )
    want_token, want_gate, _ = _engine_expert_choice(logits, 4)
    assert np.array_equal(token, want_token), "tokens differ from tinymoe's for large logits"
    np.testing.assert_allclose(gate, want_gate, rtol=1e-9, atol=1e-12,
                               err_msg="gates differ from tinymoe's for large logits")


# ----------------------------------------------------------------------------- 12.7


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


@pytest.mark.exercise("12.7")
@pytest.mark.points(1)
def test_deepseek_routing_matches_engine(m, rng):
    for n_tokens, n_experts, k in [(29, 8, 3), (11, 5, 2), (7, 16, 8)]:
        logits = 2.0 * rng.standard_normal((n_tokens, n_experts))
        bias = 0.5 * rng.standard_normal(n_experts)
        expert, gate, _ = (np.asarray(a) for a in
                           m.deepseek_route(logits, bias.copy(), k, 0.01))
        case = f"T={n_tokens}, E={n_experts}, k={k}"
        routing = deepseek(tm.tensor(logits), bias, k)
        want_expert = routing.expert.reshape(k, n_tokens).T
        want_gate = routing.gate.data.reshape(k, n_tokens).T
        assert expert.shape == (n_tokens, k) and gate.shape == (n_tokens, k), (
            f"expert and gate must be (T, k) = {(n_tokens, k)}; got {expert.shape}, "
            f"{gate.shape} ({case})"
        )
        wrong = np.flatnonzero(np.any(expert != want_expert, axis=1))
        assert wrong.size == 0, (
            f"token {wrong[0] if wrong.size else 0} chose experts "
            f"{expert[wrong[0] if wrong.size else 0].tolist()}; the top-k of sigmoid(logits) "
            f"+ bias, best first, is {want_expert[wrong[0] if wrong.size else 0].tolist()} "
            f"({case})"
        )
        s = _sigmoid(logits)
        chosen = np.take_along_axis(s, expert, axis=1)
        biased = chosen + bias[expert]
        assert not _same(gate, biased / biased.sum(axis=1, keepdims=True)), (
            "the bias is for selection only: gates come from the unbiased affinities s, "
            f"normalised over the chosen k; yours include the bias ({case})"
        )
        assert not _same(gate, chosen), (
            "gates must be normalised over the chosen k: g = s / sum of the chosen s; your "
            f"gates of token 0 sum to {gate[0].sum():.3f} ({case})"
        )
        np.testing.assert_allclose(
            gate, want_gate, rtol=1e-9, atol=1e-12,
            err_msg=f"gate[t, i] must be s[t, e_i] / sum_j s[t, e_j] with s = sigmoid(logits) "
                    f"({case})",
        )


@pytest.mark.exercise("12.7")
@pytest.mark.points(1)
def test_deepseek_bias_update(m, rng):
    n_tokens, n_experts, k, gamma = 40, 6, 2, 0.05
    logits = rng.standard_normal((n_tokens, n_experts)) + np.linspace(1.5, -1.5, n_experts)
    bias = rng.uniform(-0.2, 0.2, n_experts)
    before = bias.copy()
    expert, _, new_bias = m.deepseek_route(logits, bias, k, gamma)
    assert np.array_equal(bias, before), (
        "deepseek_route changed the bias you passed, in place: return a new array "
        "(new_bias = bias + ...), the caller decides when to apply it"
    )
    load = np.bincount(np.asarray(expert).ravel(), minlength=n_experts)
    step = gamma * np.sign(load.mean() - load)
    new_bias = np.asarray(new_bias)
    assert not _same(new_bias, bias - step), (
        "the sign is flipped: an over-loaded expert (load > mean) must get a LOWER bias, "
        "b_i += gamma * sign(mean_load - load_i)"
    )
    np.testing.assert_allclose(
        new_bias, bias + step, rtol=1e-12, atol=1e-12,
        err_msg=f"new_bias must be bias + gamma * sign(mean(load) - load) with load (tokens per "
                f"expert) = {load.tolist()}",
    )


@pytest.mark.exercise("12.7")
@pytest.mark.points(1)
def test_deepseek_bias_balances_the_load(m, rng):
    n_tokens, n_experts, k, gamma = 128, 8, 2, 0.02
    skew = np.linspace(2.0, -2.0, n_experts)  # expert 0 is far more attractive than expert 7
    bias = np.zeros(n_experts)
    imbalance = []
    for _ in range(150):
        logits = rng.standard_normal((n_tokens, n_experts)) + skew
        expert, _, bias = m.deepseek_route(logits, bias, k, gamma)
        load = np.bincount(np.asarray(expert).ravel(), minlength=n_experts)
        imbalance.append(load.max() / load.mean())
    start, end = imbalance[0], float(np.mean(imbalance[-20:]))
    assert start > 2.5, f"the skewed router should start unbalanced; max/mean load = {start:.2f}"
    assert end < 1.5, (
        f"after 150 bias updates the busiest expert still gets {end:.2f}x the mean load "
        f"(started at {start:.2f}x): the bias must push tokens away from busy experts"
    )

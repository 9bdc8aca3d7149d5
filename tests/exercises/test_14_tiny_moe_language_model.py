"""Graded tests for lesson 14: causal attention and its backward, heads, the MoE block, the
training step with the aux loss, sampling with temperature and top-k, and perplexity.

Oracles: tinymoe's autograd (attention composed from engine ops, its gradients), the
engine's layers (TransformerBlock, MoE, cross-entropy, optimisers), central finite differences
in float64, invariants (rows of weights sum to 1, the future cannot change the past,
split then merge is the identity, a uniform guess has perplexity V) and, for sampling,
observed frequencies against the probabilities with seeded generators.
"""

import copy
import math
import re

import numpy as np
import pytest

import tinymoe as tm
from tinymoe import nn
from tinymoe.gradcheck import numerical_gradient
from tinymoe.grading.feedback import assert_close, close, diagnose
from tinymoe.moe import update_bias
from tinymoe.nn import functional as F


@pytest.fixture
def m(load_exercise):
    return load_exercise("14_tiny_moe_language_model")


@pytest.fixture(autouse=True)
def numpy_backend():
    """The engine's NumPy reference ops: no Numba compilation, and no OpenMP thread pool
    (the mutant runner forks after the reference run, and GNU OpenMP aborts a forked child
    of a process that used it)."""
    with tm.use_backend("numpy"):
        yield


def _future(n):
    """(T, T) bool, True where key j lies in query i's future (j > i)."""
    return np.triu(np.ones((n, n), dtype=bool), k=1)


def _softmax(s, axis=-1):
    z = np.exp(s - s.max(axis=axis, keepdims=True))
    return z / z.sum(axis=axis, keepdims=True)


def _weights(q, k, causal=True, scale=True, axis=-1):
    """The attention weights p (..., T, T) in NumPy (a mistake's prediction when changed)."""
    s = q @ np.swapaxes(k, -1, -2) / (math.sqrt(q.shape[-1]) if scale else 1.0)
    if causal:
        s = np.where(_future(q.shape[-2]), -np.inf, s)
    return _softmax(s, axis)


def _engine_attention(q, k, v, causal=True):
    """Attention from tinymoe ops: the engine's autograd is the oracle for the backward."""
    s = q @ k.transpose(-1, -2) * (1.0 / math.sqrt(q.shape[-1]))
    if causal:
        s = tm.where(_future(q.shape[-2]), float("-inf"), s)
    return F.softmax(s, dim=-1) @ v


def _qkv(rng, shape, dv, scale=1.0):
    lead, n, d = shape[:-2], shape[-2], shape[-1]
    return (scale * rng.standard_normal((*lead, n, d)), scale * rng.standard_normal((*lead, n, d)),
            rng.standard_normal((*lead, n, dv)))


# ----------------------------------------------------------------------------- 14.1


@pytest.mark.exercise("14.1")
@pytest.mark.points(2)
def test_attention_forward_matches_the_engine(m, rng):
    for shape, dv, causal in [((2, 3, 6, 4), 5, True), ((1, 7, 8), 3, True),
                              ((2, 5, 4), 4, False)]:
        q, k, v = _qkv(rng, shape, dv)
        case = f"q {q.shape}, v {v.shape}, causal={causal}"
        want = _engine_attention(*(tm.tensor(a) for a in (q, k, v)), causal=causal).data
        originals = [a.copy() for a in (q, k, v)]
        out, cache = m.attention_forward(q, k, v, causal=causal)
        out = np.asarray(out)
        assert all(np.array_equal(a, b) for a, b in zip((q, k, v), originals)), (
            "attention_forward changed its inputs q, k or v in place (e.g. q /= sqrt(D)): "
            "compute new arrays instead"
        )
        assert out.shape == want.shape, f"out must be (..., T, Dv) = {want.shape} for {case}"
        assert not np.isnan(out).any(), (
            f"NaN in the output for {case}: a row whose scores are all -inf gives 0/0 "
            "(does your causal mask hide the diagonal? position i must see itself)"
        )
        p_mask_after = _weights(q, k, causal=False) * ~_future(shape[-2])
        mistakes = {
            "scores must be divided by sqrt(D) before the softmax (yours are not scaled)":
                _weights(q, k, causal, scale=False) @ v,
            "the softmax must run over the keys (the last axis, j): yours normalises over "
            "the queries": _weights(q, k, causal, axis=-2) @ v,
            "the mask must be applied before the softmax (-inf scores): zeroing the weights "
            "afterwards leaves rows that no longer sum to 1": p_mask_after @ v,
        }
        if causal:
            mistakes["causal=True must hide the future (j > i): yours lets every position "
                     "see every other"] = _weights(q, k, causal=False) @ v
        assert_close(out, want, rtol=1e-9, atol=1e-12,
                     err_msg=diagnose(out, want, mistakes, f"attention output differs for "
                                                           f"{case}"))
        q2, k2, v2, p = (np.asarray(a) for a in cache)
        assert all(a is b or np.array_equal(a, b) for a, b in ((q2, q), (k2, k), (v2, v))), (
            "cache must be (q, k, v, p) with the inputs unchanged"
        )
        assert_close(p, _weights(q, k, causal), rtol=1e-9, atol=1e-12,
                     err_msg=f"cache[3] must be the attention weights p (..., T, T), rows "
                             f"summing to 1, for {case}")


@pytest.mark.exercise("14.1")
@pytest.mark.points(1)
def test_attention_never_looks_at_the_future(m, rng):
    q, k, v = _qkv(rng, (2, 9, 4), 3)
    out = np.asarray(m.attention_forward(q, k, v)[0])
    for t in (0, 4, 7):
        k2, v2 = k.copy(), v.copy()
        k2[:, t + 1:] = rng.standard_normal(k2[:, t + 1:].shape)
        v2[:, t + 1:] = 10 * rng.standard_normal(v2[:, t + 1:].shape)
        changed = np.asarray(m.attention_forward(q, k2, v2)[0])
        assert_close(changed[:, : t + 1], out[:, : t + 1], rtol=1e-9, atol=1e-12,
                     err_msg=f"changing keys and values after position {t} changed the "
                             f"outputs at positions <= {t}: the mask must hide j > i")


@pytest.mark.exercise("14.1")
@pytest.mark.points(1)
def test_attention_is_stable_for_large_scores(m, rng):
    q, k, v = _qkv(rng, (2, 6, 8), 4, scale=40.0)  # scores of order 1e3 to 1e4
    with np.errstate(all="ignore"):
        out = np.asarray(m.attention_forward(q, k, v)[0])
    assert np.isfinite(out).all(), (
        "non-finite outputs for scores of order 1e4: exp overflows; subtract each row's "
        "max before exp (the masked -inf entries stay -inf and give 0)"
    )
    want = _engine_attention(tm.tensor(q), tm.tensor(k), tm.tensor(v)).data
    assert_close(out, want, rtol=1e-9, atol=1e-12,
                 err_msg="attention with large scores differs from the stable softmax's")


# ----------------------------------------------------------------------------- 14.2


def _cache(q, k, v, causal=True):
    return q, k, v, _weights(q, k, causal)


def _backward_mistakes(q, k, v, grad_out, causal=True):
    """Predicted (dq, dk, dv) of the usual mistakes, by name."""
    p = _weights(q, k, causal)
    scale = 1 / math.sqrt(q.shape[-1])
    dp = grad_out @ np.swapaxes(v, -1, -2)
    ds = p * (dp - np.sum(dp * p, axis=-1, keepdims=True))
    diag_only = p * dp
    return {
        "dq and dk must carry the forward's 1/sqrt(D) factor":
            (ds @ k, np.swapaxes(ds, -1, -2) @ q),
        "the softmax backward is p * (dp - sum_j dp * p): yours lacks the row sum":
            (diag_only @ k * scale, np.swapaxes(diag_only, -1, -2) @ q * scale),
        "dk must use ds transposed, ds^T q: yours multiplies ds by q":
            (ds @ k * scale, ds @ q * scale),
    }, p


@pytest.mark.exercise("14.2")
@pytest.mark.points(2)
def test_attention_backward_matches_finite_differences(m, rng):
    for shape, dv, causal in [((1, 2, 4, 3), 2, True), ((5, 2), 3, False)]:
        q, k, v = _qkv(rng, shape, dv)
        grad_out = rng.standard_normal((*shape[:-1], dv))  # any upstream gradient, not ones
        grads = [np.asarray(g) for g in m.attention_backward(grad_out, _cache(q, k, v, causal))]
        case = f"q {q.shape}, v {v.shape}, causal={causal}"

        def loss(_, q=q, k=k, v=v, grad_out=grad_out, causal=causal):
            return float(np.sum(grad_out * (_weights(q, k, causal) @ v)))

        want = [numerical_gradient(loss, a) for a in (q, k, v)]
        mistakes, p = _backward_mistakes(q, k, v, grad_out, causal)
        if close(grads[2], p @ grad_out, 1e-6, 1e-9) and not close(grads[2], want[2], 1e-6):
            raise AssertionError(f"dv = p^T grad_out (transpose p's last two axes); yours is "
                                 f"p grad_out ({case})")
        assert_close(grads[2], want[2], rtol=1e-5, atol=1e-7,
                     err_msg=f"dv differs from finite differences ({case})")
        for message, (dq, dk) in mistakes.items():
            if close(grads[0], dq, 1e-6, 1e-9) and not close(grads[0], want[0], 1e-5, 1e-7) or \
                    close(grads[1], dk, 1e-6, 1e-9) and not close(grads[1], want[1], 1e-5, 1e-7):
                raise AssertionError(f"{message} ({case})")
        assert_close(grads[0], want[0], rtol=1e-5, atol=1e-7,
                     err_msg=f"dq differs from finite differences ({case})")
        assert_close(grads[1], want[1], rtol=1e-5, atol=1e-7,
                     err_msg=f"dk differs from finite differences ({case})")


@pytest.mark.exercise("14.2")
@pytest.mark.points(1)
def test_attention_backward_matches_engine_autograd(m, rng):
    q, k, v = _qkv(rng, (2, 3, 7, 4), 5)
    grad_out = rng.standard_normal((2, 3, 7, 5))
    tq, tk, tv = (tm.tensor(a, requires_grad=True) for a in (q, k, v))
    (_engine_attention(tq, tk, tv) * tm.tensor(grad_out)).sum().backward()
    grads = [np.asarray(g) for g in m.attention_backward(grad_out, _cache(q, k, v))]
    for name, got, want in zip(("dq", "dk", "dv"), grads, (tq.grad, tk.grad, tv.grad)):
        assert_close(got, want, rtol=1e-8, atol=1e-10,
                     err_msg=f"{name} differs from tinymoe autograd's for (B, H, T, D) = "
                             f"{q.shape}, causal")


# ----------------------------------------------------------------------------- 14.3 / 14.4


def _heads_by_slicing(x, n_heads):
    dim = x.shape[-1] // n_heads
    return np.stack([x[:, :, h * dim:(h + 1) * dim] for h in range(n_heads)], axis=1)


@pytest.mark.exercise("14.3")
@pytest.mark.points(2)
def test_split_heads_gives_each_head_its_channels(m, rng):
    for batch, n, channels, n_heads in [(2, 5, 12, 3), (1, 4, 8, 2), (3, 2, 6, 6)]:
        x = rng.standard_normal((batch, n, channels))
        out = np.asarray(m.split_heads(x, n_heads))
        want = _heads_by_slicing(x, n_heads)
        dim = channels // n_heads
        case = f"x {x.shape}, H = {n_heads}"
        assert out.shape == want.shape, (
            f"split_heads must return (B, H, T, D) = {want.shape} for {case}; got {out.shape}"
        )
        mistakes = {
            "reshape alone to (B, H, T, D) mixes positions into heads: reshape to "
            "(B, T, H, D) first, then swap the T and H axes": x.reshape(batch, n_heads, n, dim),
            "head h must hold the contiguous channels h*D .. (h+1)*D - 1: yours takes every "
            "H-th channel (reshape to (B, T, H, D), not (B, T, D, H))":
                x.reshape(batch, n, dim, n_heads).transpose(0, 3, 1, 2),
        }
        assert_close(out, want, rtol=0, atol=0,
                     err_msg=diagnose(out, want, mistakes, f"wrong heads for {case}"))
    try:
        m.split_heads(np.zeros((1, 2, 10)), 3)
    except ValueError as err:
        named = re.search(r"\b10\b", str(err)) and re.search(r"\b3\b", str(err))
        assert named, (f"C = 10 channels and H = 3 heads: raise a ValueError that names both "
                       f"numbers; yours says {str(err)!r}")
    else:
        raise AssertionError("C = 10 channels do not split into H = 3 heads: raise ValueError")


@pytest.mark.exercise("14.4")
@pytest.mark.points(2)
def test_merge_heads_inverts_split(m, rng):
    for batch, n_heads, n, dim in [(2, 3, 5, 4), (1, 2, 7, 3), (2, 4, 1, 2)]:
        x = rng.standard_normal((batch, n_heads, n, dim))
        out = np.asarray(m.merge_heads(x))
        want = np.concatenate([x[:, h] for h in range(n_heads)], axis=-1)
        case = f"x (B, H, T, D) = {x.shape}"
        assert out.shape == want.shape, (
            f"merge_heads must return (B, T, H * D) = {want.shape} for {case}; got {out.shape}"
        )
        mistakes = {
            "reshape alone mixes heads into positions: swap the H and T axes first, then "
            "reshape to (B, T, H * D)": x.reshape(batch, n, n_heads * dim),
            "position t must hold head 0's D channels, then head 1's ...: yours interleaves "
            "the heads channel by channel": x.transpose(0, 2, 3, 1).reshape(batch, n, -1),
        }
        assert_close(out, want, rtol=0, atol=0,
                     err_msg=diagnose(out, want, mistakes, f"wrong merge for {case}"))
        assert_close(_heads_by_slicing(out, n_heads), x, rtol=0, atol=0,
                     err_msg="merge_heads must invert split_heads")


# ----------------------------------------------------------------------------- 14.5


def _block(rng, channels, ffn, n_heads=2):
    """The engine's pre-norm block (tinymoe.nn.TransformerBlock, causal attention) with
    random LayerNorm affines; the learner's moe_block gets its parts."""
    block = nn.TransformerBlock(channels, n_heads, ffn, dtype=np.float64)
    for ln in (block.ln1, block.ln2):
        ln.weight.data[...] = rng.uniform(0.5, 1.5, channels)
        ln.bias.data[...] = 0.1 * rng.standard_normal(channels)
    return block, (block.ln1, block.attn, block.ln2, block.ffn)


def _moe(channels, **options):
    return nn.MoE(channels, 2 * channels, 4, top_k=2, aux_loss_coef=0.5, dtype=np.float64,
                  **options)


@pytest.mark.exercise("14.5")
@pytest.mark.points(2)
def test_block_is_pre_norm_with_residuals(m, rng):
    tm.manual_seed(0)
    channels = 8
    block, parts = _block(rng, channels, _moe(channels))
    ln1, attn, ln2, ffn = parts
    x = tm.tensor(rng.standard_normal((2, 5, channels)), requires_grad=True)
    y, _ = m.moe_block(x, *parts)
    with tm.no_grad():
        want = block(x)
        h = x + attn(ln1(x))
        post = ln1(x + attn(x))
        mistakes = {
            "post-norm: normalise the INPUT of each sub-layer (h = x + attn(ln1(x))), not "
            "the sum": ln2(post + ffn(post)),
            "the feed-forward must read ln2(h), the stream after attention; yours reads "
            "ln2(x)": h + ffn(ln2(x)),
            "residuals missing: each sub-layer's output is ADDED to its input":
                ffn(ln2(attn(ln1(x)))),
            "the residual must carry x itself, not ln1(x): h = x + attn(ln1(x))":
                ln1(x) + attn(ln1(x)) + ffn(ln2(ln1(x) + attn(ln1(x)))),
        }
        ffn.aux_loss()
    assert isinstance(y, tm.Tensor), "y must be a tinymoe Tensor (so gradients flow)"
    assert_close(y.data, want.data, rtol=1e-10, atol=1e-12,
                 err_msg=diagnose(y.data, want.data, {k: v.data for k, v in mistakes.items()},
                                  "block output differs from tinymoe.nn.TransformerBlock's "
                                  "(h = x + attn(ln1(x)), y = h + ffn(ln2(h)))"))
    y2, _ = m.moe_block(x, *parts)
    grad = rng.standard_normal(y2.shape)
    (y2 * tm.tensor(grad)).sum().backward()
    mine = [x.grad.copy()] + [p.grad.copy() for p in (ln1.weight, ffn.router.weight)]
    x.grad = None
    block.zero_grad()
    (block(x) * tm.tensor(grad)).sum().backward()
    block.aux_loss()
    for name, got, want in zip(("x", "ln1.weight", "the router weight"), mine,
                               (x.grad, ln1.weight.grad, ffn.router.weight.grad)):
        assert_close(got, want, rtol=1e-9, atol=1e-12,
                     err_msg=f"the gradient of {name} through your block differs from "
                             "TransformerBlock's (are all the ops tinymoe ops?)")


@pytest.mark.exercise("14.5")
@pytest.mark.points(2)
def test_block_reports_this_forwards_aux_loss(m, rng):
    tm.manual_seed(0)
    channels = 8
    block, parts = _block(rng, channels, _moe(channels))
    ln1, attn, ln2, ffn = parts
    other = tm.tensor(5 * rng.standard_normal((3, 4, channels)))
    x = tm.tensor(rng.standard_normal((2, 6, channels)))
    with tm.no_grad():
        ffn(other)  # an earlier forward leaves its aux loss in the layer
        stale = ffn.aux_loss().item()
    y, aux = m.moe_block(x, *parts)
    with tm.no_grad():
        block(x)
        want = block.aux_loss().item()
    assert isinstance(aux, tm.Tensor) and aux.shape == (), (
        f"aux must be a 0-d tinymoe Tensor (ffn.aux_loss()) so the router gets its gradient; "
        f"got {type(aux).__name__} {getattr(aux, 'shape', '')}"
    )
    assert not (aux.item() == 0 and want != 0), (
        "aux is 0 but the MoE's balancing loss is not: return ffn.aux_loss() after the "
        "forward (the model adds it to its loss)"
    )
    assert not (close(aux.item(), stale) and not close(want, stale)), (
        "aux is the PREVIOUS forward's balancing loss: call ffn.aux_loss() after calling ffn"
    )
    assert_close(aux.item(), want, rtol=1e-10,
                 err_msg="aux must be the feed-forward's aux loss from this forward")
    dense = nn.MLP([channels, 2 * channels, channels], dtype=np.float64)
    _, aux = m.moe_block(x, ln1, attn, ln2, dense)
    assert float(np.asarray(aux.data if isinstance(aux, tm.Tensor) else aux)) == 0.0, (
        "a dense feed-forward has no aux loss: aux must be 0"
    )


# ----------------------------------------------------------------------------- 14.6


class _TinyLM(nn.Module):
    """Embedding -> MoE (top-k, balancing loss) -> MoE (DeepSeek, bias) -> Linear."""

    def __init__(self, vocab, channels):
        super().__init__()
        self.embed = nn.Embedding(vocab, channels, dtype=np.float64)
        self.moe1 = _moe(channels)
        self.moe2 = nn.MoE(channels, channels, 4, top_k=2, router="deepseek",
                           bias_update_rate=0.05, dtype=np.float64)
        self.head = nn.Linear(channels, vocab, dtype=np.float64)

    def forward(self, idx):
        h = self.embed(idx)
        h = h + self.moe1(h)
        h = h + self.moe2(h)
        return self.head(h)


def _reference_step(model, opt, x, y, aux=True, zero=True, bias=True):
    logits = model(x)
    task = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
    extra = model.aux_loss()
    if zero:
        opt.zero_grad()
    (task + extra if aux else task).backward()
    opt.step()
    if bias:
        update_bias(model)
    return task.item(), extra.item()


def _state(model):
    return {name: value.copy() for name, value in model.state_dict().items()}


@pytest.mark.exercise("14.6")
@pytest.mark.points(3)
def test_train_step_adds_the_aux_loss(m, rng):
    tm.manual_seed(0)
    vocab, channels = 11, 8
    model = _TinyLM(vocab, channels)
    x, y = rng.integers(0, vocab, (3, 7)), rng.integers(0, vocab, (3, 7))
    x2, y2 = rng.integers(0, vocab, (3, 7)), rng.integers(0, vocab, (3, 7))
    variants = {"reference": {}, "no aux": {"aux": False}, "no zero_grad": {"zero": False},
                "no bias update": {"bias": False}}
    states, losses = {}, {}
    for name, options in variants.items():
        twin = copy.deepcopy(model)
        opt = tm.optim.SGD(twin.parameters(), lr=0.5)
        losses[name] = [_reference_step(twin, opt, x, y, **options)]
        losses[name].append(_reference_step(twin, opt, x2, y2, **options))
        states[name] = _state(twin)
    mine = copy.deepcopy(model)
    opt = tm.optim.SGD(mine.parameters(), lr=0.5)
    got = [m.train_step(mine, opt, x, y), m.train_step(mine, opt, x2, y2)]
    got_state = _state(mine)
    want = states["reference"]
    for step, ((task, aux), (want_task, want_aux)) in enumerate(zip(got[:1],
                                                                    losses["reference"])):
        assert not close(task, want_task + want_aux, 1e-9) or close(want_aux, 0), (
            "return the task loss (the cross-entropy) and the aux loss separately; your "
            "task_loss includes the aux loss"
        )
        assert_close(task, want_task, rtol=1e-9,
                     err_msg=f"task_loss of step {step + 1} must be the mean cross-entropy "
                             "over all B * T positions")
        assert_close(aux, want_aux, rtol=1e-9,
                     err_msg=f"aux of step {step + 1} must be model.aux_loss()")

    def matches(name):
        return all(close(got_state[key], states[name][key], 1e-9, 1e-12) for key in want)

    if not matches("reference"):
        named = {"no aux": "the aux loss was not added: loss = task_loss + model.aux_loss() "
                           "before backward (the router is not balanced)",
                 "no zero_grad": "gradients accumulate across steps: call optimizer.zero_grad() "
                                 "before backward",
                 "no bias update": "the DeepSeek bias did not move: call "
                                   "tinymoe.moe.update_bias(model) after optimizer.step()"}
        if np.array_equal(got_state["moe1.router.weight"], model.moe1.router.weight.data):
            raise AssertionError("the parameters did not change: backward must come after "
                                 "zero_grad and before optimizer.step()")
        for name, message in named.items():
            if matches(name):
                raise AssertionError(message)
        worst = max(got_state, key=lambda key: np.abs(got_state[key] - want[key]).max())
        raise AssertionError(f"after two steps {worst} differs from the engine's training "
                             "step (CE + aux, zero_grad, backward, step, update_bias)")
    assert_close(got[1], losses["reference"][1], rtol=1e-9,
                 err_msg="the (task_loss, aux) of step 2 differ from the engine's")


# ----------------------------------------------------------------------------- 14.7


def _frequencies(tokens, vocab):
    return np.bincount(np.asarray(tokens).ravel(), minlength=vocab) / np.size(tokens)


@pytest.mark.exercise("14.7")
@pytest.mark.points(1)
def test_sample_greedy_and_reproducible(m, rng):
    logits = 3 * rng.standard_normal((40, 13))
    got = np.asarray(m.sample_next(logits, temperature=0))
    assert got.shape == (40,) and np.array_equal(got, logits.argmax(axis=1)), (
        "temperature 0 is greedy decoding: return each row's argmax (do not divide by 0)"
    )
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        try:
            cold = np.asarray(m.sample_next(logits, 1e-6, rng=np.random.default_rng(0)))
        except FloatingPointError as err:
            raise AssertionError(f"temperature 1e-6 overflowed ({err}): subtract each row's "
                                 "max before exp") from None
    assert np.array_equal(cold, logits.argmax(axis=1)), (
        "as the temperature goes to 0 sampling must become the argmax: logits / T, then "
        "softmax (dividing, not multiplying, by T)"
    )
    original = logits.copy()
    m.sample_next(logits, 0.5, 3, rng=np.random.default_rng(0))
    assert np.array_equal(logits, original), (
        "sample_next changed the caller's logits in place (logits /= temperature): compute "
        "a new array"
    )
    np.random.seed(0)  # noqa: NPY002 (the global state must stay untouched)
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    first = np.asarray(m.sample_next(logits, 1.0, 5, rng=np.random.default_rng(7)))
    again = np.asarray(m.sample_next(logits, 1.0, 5, rng=np.random.default_rng(7)))
    untouched = np.array_equal(before, np.random.get_state()[1])  # noqa: NPY002
    assert untouched and np.array_equal(first, again), (
        "draw with the rng you are given, never np.random's global state: the same seed "
        "must give the same tokens"
    )


@pytest.mark.exercise("14.7")
@pytest.mark.points(2)
def test_sample_frequencies_match_the_probabilities(m, rng):
    vocab, draws = 8, 20000
    row = rng.standard_normal(vocab)
    logits = np.tile(row, (draws, 1))
    for temperature in (1.0, 0.5, 2.0):
        got = _frequencies(m.sample_next(logits, temperature, rng=np.random.default_rng(1)),
                           vocab)
        want = _softmax(row / temperature)
        if not np.allclose(got, want, atol=0.015) and np.allclose(
                got, _softmax(row * temperature), atol=0.015):
            raise AssertionError(f"temperature {temperature}: divide the logits by the "
                                 "temperature; yours multiplies")
        assert_close(got, want, atol=0.015,
                     err_msg=f"at temperature {temperature} the token frequencies of {draws} "
                             "draws differ from softmax(logits / temperature)")


@pytest.mark.exercise("14.7")
@pytest.mark.points(2)
def test_top_k_never_samples_outside_the_k(m, rng):
    vocab, draws = 10, 20000
    row = rng.standard_normal(vocab)
    order = np.argsort(-row)
    for top_k, temperature in ((3, 1.0), (1, 1.0), (5, 0.7)):
        tokens = m.sample_next(np.tile(row, (draws, 1)), temperature, top_k,
                               rng=np.random.default_rng(2))
        got = _frequencies(tokens, vocab)
        outside = np.setdiff1d(np.flatnonzero(got), order[:top_k])
        assert outside.size == 0, (
            f"top_k={top_k} drew tokens {outside.tolist()} outside the {top_k} largest logits "
            f"({sorted(order[:top_k].tolist())})"
            + (": you keep k + 1 tokens" if set(np.flatnonzero(got)) <= set(order[:top_k + 1])
               else "")
        )
        want = np.zeros(vocab)
        want[order[:top_k]] = _softmax(row[order[:top_k]] / temperature)
        assert_close(got, want, atol=0.015,
                     err_msg=f"top_k={top_k}: the kept tokens must be drawn with their "
                             "renormalised probabilities softmax(top-k logits / temperature)")
    mixed = np.stack([row, -row, 10 * row])  # rows on different scales: top-k is per row
    tokens = np.stack([m.sample_next(mixed, 1.0, 2, rng=np.random.default_rng(s))
                       for s in range(200)])
    allowed = np.argsort(-mixed, axis=1)[:, :2]
    for b in range(3):
        assert set(np.unique(tokens[:, b])) <= set(allowed[b]), (
            f"row {b} drew tokens outside its own top-2 {allowed[b].tolist()}: choose the k "
            "largest of each row separately"
        )


# ----------------------------------------------------------------------------- 14.8


def _nll(logits, targets):
    t = tm.tensor(logits.reshape(-1, logits.shape[-1]))
    return F.cross_entropy(t, targets.reshape(-1), reduction="none").data.reshape(targets.shape)


@pytest.mark.exercise("14.8")
@pytest.mark.points(2)
def test_perplexity_is_exp_of_the_mean_nll(m, rng):
    batch, n, vocab = 4, 6, 7
    logits = rng.standard_normal((batch, n, vocab)) * np.array([0.3, 1.0, 2.0, 4.0])[:, None,
                                                                                     None]
    targets = rng.integers(0, vocab, (batch, n))
    original = logits.copy()
    got = m.perplexity(logits, targets)
    assert np.array_equal(logits, original), (
        "perplexity changed the caller's logits in place (logits -= max): subtract into a "
        "new array"
    )
    assert isinstance(got, float), f"return a Python float, not {type(got).__name__}"
    nll = _nll(logits, targets)
    want = math.exp(nll.mean())
    mistakes = {
        "exp of the SUM of the NLLs: perplexity is exp of the MEAN per token":
            math.exp(nll.sum()) if nll.sum() < 700 else math.inf,
        "the NLL is in nats (natural log): exp(mean(-log2 p)) mixes bases (2 ** mean bits "
        "would be right too)": math.exp(nll.mean() / math.log(2)),
        "average over all B * T tokens at once: the mean of per-sequence perplexities is not "
        "the perplexity": float(np.mean(np.exp(nll.mean(axis=1)))),
    }
    assert_close(got, want, rtol=1e-9,
                 err_msg=diagnose(got, want, mistakes, "perplexity must be exp(mean NLL per "
                                                       "token)", rtol=1e-9))
    uniform = m.perplexity(np.zeros((2, 3, vocab)), targets[:2, :3])
    assert_close(uniform, vocab, rtol=1e-12,
                 err_msg=f"uniform logits over V = {vocab} tokens have perplexity exactly V")


@pytest.mark.exercise("14.8")
@pytest.mark.points(1)
def test_perplexity_is_stable_for_large_logits(m, rng):
    logits = 1e4 + 3 * rng.standard_normal((2, 5, 6))  # exp(1e4) overflows float64
    targets = rng.integers(0, 6, (2, 5))
    with np.errstate(all="ignore"):
        got = m.perplexity(logits, targets)
    want = math.exp(_nll(logits, targets).mean())
    assert not math.isnan(got), (
        "perplexity is NaN for logits of 1e4: exp overflows; use a stable log-softmax "
        "(subtract each row's max, or logsumexp)"
    )
    assert_close(got, want, rtol=1e-9,
                 err_msg="perplexity for logits near 1e4 must equal exp(mean NLL), as for "
                         "the same logits minus 1e4 (softmax is shift-invariant)")

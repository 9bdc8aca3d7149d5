"""Multi-task models (tinymoe.models.mmoe): MMoE and the shared bottom against PyTorch twins
with copied weights (outputs and gradients, float64), finite differences, the gates'
invariants, OMoE's single gate, and clear errors. Also the generated text tasks
(tinymoe.data.text_classification)."""

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.data.text_classification import (
    WordTokenizer,
    caption_digits,
    caption_tokenizer,
    make_reviews,
)
from tinymoe.errors import ShapeError
from tinymoe.models.mmoe import MMoE, SharedBottom


def _mmoe(shared_gate=False, seed=0):
    tm.manual_seed(seed)
    return MMoE(5, 4, 3, 2, d_tower=6, n_outputs=[2, 1], shared_gate=shared_gate,
                dtype=np.float64)


def _torch_linear(torch, linear):
    twin = torch.nn.Linear(*linear.weight.shape[::-1])
    with torch.no_grad():
        twin.weight.copy_(torch.tensor(linear.weight.data))
        twin.bias.copy_(torch.tensor(linear.bias.data))
    return twin


def _torch_tower(torch, tower):
    return torch.nn.Sequential(_torch_linear(torch, tower[0]), torch.nn.ReLU(),
                               _torch_linear(torch, tower[2]))


def _torch_mmoe(torch, model):
    experts = [_torch_linear(torch, f) for f in model.experts]
    gates = [_torch_linear(torch, g) for g in model.gates]
    towers = [_torch_tower(torch, t) for t in model.towers]

    def forward(x):
        f = torch.stack([torch.relu(e(x)) for e in experts], dim=1)  # (B, E, H)
        outs = []
        for k, tower in enumerate(towers):
            g = torch.softmax(gates[0 if model.shared_gate else k](x), dim=-1)
            outs.append(tower(torch.einsum("be,beh->bh", g, f)))
        return outs

    params = [p for m in (*experts, *gates, *towers) for p in m.parameters()]
    return forward, params


@pytest.mark.parametrize("shared_gate", [False, True])
def test_mmoe_matches_torch_outputs_and_gradients(torch, rng, shared_gate):
    model = _mmoe(shared_gate)
    x_np = rng.standard_normal((7, 5))
    upstream = [rng.standard_normal((7, 2)), rng.standard_normal((7, 1))]
    x = tm.tensor(x_np, requires_grad=True)
    outs = model(x)
    sum((o * tm.tensor(u)).sum() for o, u in zip(outs, upstream)).backward()

    forward, params = _torch_mmoe(torch, model)
    xt = torch.tensor(x_np, requires_grad=True)
    outs_t = forward(xt)
    sum((o * torch.tensor(u)).sum() for o, u in zip(outs_t, upstream)).backward()
    for mine, theirs in zip(outs, outs_t):
        np.testing.assert_allclose(mine.data, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    for mine, theirs in zip(model.parameters(), params):
        np.testing.assert_allclose(mine.grad, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_shared_bottom_matches_torch(torch, rng):
    tm.manual_seed(1)
    model = SharedBottom(4, 6, 3, d_tower=5, n_outputs=2, dtype=np.float64)
    x_np = rng.standard_normal((9, 4))
    x = tm.tensor(x_np, requires_grad=True)
    sum(o.sum() * (k + 1) for k, o in enumerate(model(x))).backward()
    bottom = _torch_linear(torch, model.bottom)
    towers = [_torch_tower(torch, t) for t in model.towers]
    xt = torch.tensor(x_np, requires_grad=True)
    h = torch.relu(bottom(xt))
    outs_t = [t(h) for t in towers]
    sum(o.sum() * (k + 1) for k, o in enumerate(outs_t)).backward()
    for mine, theirs in zip(model(tm.tensor(x_np)), outs_t):
        np.testing.assert_allclose(mine.data, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(model.bottom.weight.grad, bottom.weight.grad.numpy(),
                               rtol=1e-10, atol=1e-12)


def test_mmoe_gradcheck(rng):
    model = _mmoe()
    x = tm.tensor(rng.standard_normal((4, 5)), requires_grad=True)
    params = list(model.parameters())
    tm.gradcheck(lambda *inputs: tm.cat([o.reshape(-1) for o in model(x)]), [x, *params],
                 atol=1e-6, rtol=1e-4)


def test_gates_are_distributions_and_differ_per_task(rng):
    model = _mmoe()
    x = tm.tensor(rng.standard_normal((11, 5)))
    probs = model.gate_probs(x)
    assert probs.shape == (2, 11, 3)
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0, rtol=1e-12)
    assert np.all(probs > 0)
    assert not np.allclose(probs[0], probs[1])  # two gates, two different initialisations
    omoe = _mmoe(shared_gate=True).gate_probs(x)
    assert len(_mmoe(shared_gate=True).gates) == 1
    np.testing.assert_array_equal(omoe[0], omoe[1])


def test_mixture_is_the_gate_weighted_sum_of_the_experts(rng):
    model = _mmoe()
    x = tm.tensor(rng.standard_normal((6, 5)))
    mixed, gates = model.mixtures(x)
    experts = np.stack([np.maximum(f(x).data, 0) for f in model.experts], axis=1)
    for k in range(2):
        np.testing.assert_allclose(mixed[k].data, np.einsum("be,beh->bh", gates[k].data,
                                                            experts), rtol=1e-12)


def test_mmoe_bad_inputs():
    with pytest.raises(ValueError, match="MMoE: n_outputs has 3 entries for 2 tasks"):
        MMoE(4, 4, 2, 2, n_outputs=[1, 1, 1])
    with pytest.raises(ValueError, match="MMoE: n_experts must be >= 1"):
        MMoE(4, 4, 0, 2)
    with pytest.raises(ShapeError, match=r"MMoE: expected input \(B, 5\)"):
        _mmoe()(tm.tensor(np.zeros((3, 4))))
    with pytest.raises(tm.DTypeError):
        _mmoe()(tm.tensor(np.zeros((3, 5), np.float32)))


def test_reviews_are_deterministic_and_labelled_by_the_last_clause():
    a, b = make_reviews(300, seed=3), make_reviews(300, seed=3)
    assert a.texts == b.texts and np.array_equal(a.labels, b.labels)
    assert a.ids.dtype == np.int64 and a.ids.shape[0] == 300
    assert np.array_equal(a.lengths, [len(t.split()) for t in a.texts])
    assert np.all(a.ids[np.arange(300), a.lengths - 1] != 0)  # the last real word
    assert all(a.ids[i, n:].sum() == 0 for i, n in enumerate(a.lengths))  # right padding
    counts = np.bincount(a.labels, minlength=3)
    assert counts.min() > 20 and counts.max() < 200  # imbalanced but all present
    assert a.tokenizer.decode(a.ids[0]) == a.texts[0]


def test_reviews_label_noise_is_small():
    task = make_reviews(2000, seed=0)
    clean = {"awful": 0, "bad": 0, "good": 2, "great": 2, "okay": 1, "fine": 1}
    agree = [label == clean[t.split()[-1]] for t, label in zip(task.texts, task.labels)
             if t.split()[-1] in clean and "not" not in t.split("but")[-1].split()]
    assert 0.95 < np.mean(agree) < 1.0


def test_captions_match_their_digits():
    digits = np.arange(200) % 10
    captions, match = caption_digits(digits, seed=1)
    assert 0.35 < match.mean() < 0.65
    for d, c, m in zip(digits, captions, match):
        truth = {"even": d % 2 == 0, "odd": d % 2 == 1, "small": d < 5, "large": d >= 5}
        word = c.split()[1]
        holds = truth[word] if word in truth else ["zero", "one", "two", "three", "four",
                                                   "five", "six", "seven", "eight",
                                                   "nine"].index(word) == d
        assert holds == bool(m), (d, c, m)
        assert c.startswith("an ") == (word in ("eight", "even", "odd")), c  # "a one"
    ids, lengths = caption_tokenizer().encode(captions)
    assert ids.shape == (200, 3) and set(lengths.tolist()) <= {2, 3}


def test_tokenizer_pads_unknowns_and_errors():
    tok = WordTokenizer(["b", "a"])
    assert tok.vocab == ["<pad>", "<unk>", "a", "b"]
    ids, lengths = tok.encode(["a b", "zzz", ""])
    np.testing.assert_array_equal(ids, [[2, 3], [1, 0], [0, 0]])
    np.testing.assert_array_equal(lengths, [2, 1, 0])
    assert tok.encode(["a b a"], max_len=2)[0].tolist() == [[2, 3]]
    with pytest.raises(TypeError, match="list of texts"):
        tok.encode("a b")
    with pytest.raises(ValueError, match="caption_digits"):
        caption_digits(np.array([3, 10]))
    with pytest.raises(ValueError, match="make_reviews: n_samples must be >= 1"):
        make_reviews(0)

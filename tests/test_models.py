"""MoEGPT: the whole model against a PyTorch twin (logits, loss with the balancing losses,
every gradient; float64), parameter counts, generation and clear errors."""

import warnings

import numpy as np
import pytest
from test_attention import torch_block, torch_layer_norm

import tinymoe as tm
from tinymoe.errors import ShapeError
from tinymoe.models import CONFIGS, GPTConfig, MoEGPT, get_config
from tinymoe.models.routing import expert_token_counts, plot_expert_tokens
from tinymoe.nn import MoE

SMALL = GPTConfig(vocab_size=11, block_size=6, n_layers=2, n_heads=2, d_model=8,
                  moe_every=2, n_experts=4, top_k=2, d_expert=6, d_ff=12,
                  aux_loss_coef=0.1, dtype=tm.float64)


def _model(config=SMALL):
    tm.manual_seed(0)
    model = MoEGPT(config)
    for p in model.parameters():  # move off the zero biases / unit norms of the init
        p.data += np.random.default_rng(p.data.size).standard_normal(p.shape) * 0.05
    return model


def torch_gpt(torch, w, config, idx, targets):
    """The twin: GPT-2 layout from the same named weights -> (logits, ce, aux)."""
    steps = idx.shape[1]
    x = w["tok_emb.weight"][idx] + w["pos_emb.weight"][torch.arange(steps)]
    aux_total = 0.0
    for i in range(config.n_layers):
        moe = (config.top_k, config.aux_loss_coef) if config.is_moe(i) else None
        x, aux = torch_block(torch, w, f"blocks.{i}", x, config.n_heads, moe)
        aux_total = aux_total + aux
    logits = torch_layer_norm(torch, w, "ln_f", x) @ w["lm_head.weight"].T
    ce = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                           targets.reshape(-1))
    return logits, ce, aux_total


def test_moegpt_matches_pytorch_logits_loss_and_gradients(torch, rng):
    model = _model()
    assert [type(b.ffn).__name__ for b in model.blocks] == ["MLP", "MoE"]
    idx = rng.integers(0, SMALL.vocab_size, (3, SMALL.block_size))
    targets = rng.integers(0, SMALL.vocab_size, (3, SMALL.block_size))
    logits, loss = model(idx, targets)
    loss.backward()

    w = {name: torch.tensor(p.data, requires_grad=True) for name, p in model.named_parameters()}
    logits_t, ce_t, aux_t = torch_gpt(torch, w, SMALL, torch.tensor(idx), torch.tensor(targets))
    (ce_t + aux_t).backward()

    np.testing.assert_allclose(logits.data, logits_t.detach().numpy(), atol=1e-5)
    assert model.last_ce == pytest.approx(ce_t.item(), abs=1e-5)
    assert loss.item() == pytest.approx((ce_t + aux_t).item(), abs=1e-5)
    assert aux_t.item() > 0  # the balancing loss is really in the compared loss
    for name, p in model.named_parameters():
        np.testing.assert_allclose(p.grad, w[name].grad.numpy(), atol=1e-5, err_msg=name)


def test_the_dense_gpt_is_the_same_class_with_no_moe_layer(rng):
    model = _model(get_config("nano-dense", dtype=tm.float64))
    assert model.moe_layers == [] and not any(isinstance(m, MoE) for m in model.modules())
    idx = rng.integers(0, model.config.vocab_size, (2, 8))
    _, loss = model(idx, idx)
    assert loss.item() == model.last_ce  # nothing added without MoE layers


def test_loss_is_cross_entropy_plus_every_moe_layers_balancing_loss(rng):
    config = GPTConfig(vocab_size=11, block_size=6, n_layers=3, n_heads=2, d_model=8,
                       moe_every=1, d_expert=6, dtype=tm.float64)
    model = _model(config)
    idx = rng.integers(0, 11, (2, 6))
    _, loss = model(idx, idx)
    aux = sum(moe._aux.item() for moe in model.moe_layers)
    assert len(model.moe_layers) == 3 and aux > 0
    assert loss.item() == pytest.approx(model.last_ce + aux, abs=1e-12)
    with warnings.catch_warnings():  # the forward collected the aux losses itself
        warnings.simplefilter("error")
        model(idx, idx)[1].backward()


def test_moe_every_places_the_moe_layers():
    config = GPTConfig(n_layers=4, moe_every=2)
    assert config.moe_layers == [1, 3]
    assert GPTConfig(n_layers=3, moe_every=1).moe_layers == [0, 1, 2]
    assert GPTConfig(moe_every=0).moe_layers == []


def _count(config):
    """Closed-form parameter counts (total, active) of a MoEGPT with ``config``."""
    c, v, t = config.d_model, config.vocab_size, config.block_size
    attn = 3 * c * c + 3 * c + c * c + c
    norms = 2 * 2 * c
    dense = 2 * c * config.dense_width + config.dense_width + c
    expert = 2 * c * config.d_expert + config.d_expert + c
    total = active = v * c + t * c + 2 * c + c * v
    for i in range(config.n_layers):
        total += attn + norms
        active += attn + norms
        if config.is_moe(i):
            total += config.n_experts * c + config.n_experts * expert
            active += config.n_experts * c + config.top_k * expert
        else:
            total += dense
            active += dense
    return total, active


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_num_params_matches_the_closed_form(name):
    config = CONFIGS[name]
    model = MoEGPT(config)
    assert (model.num_params(), model.num_params(active=True)) == _count(config)


def test_tiny_moe_and_tiny_dense_have_equal_active_parameters_up_to_routers_and_biases():
    """Two experts of width 128 against one MLP of width 256: the same weights and first
    biases; each extra active expert adds its output bias (d_model) and the router."""
    moe, dense = MoEGPT(CONFIGS["tiny-moe"]), MoEGPT(CONFIGS["tiny-dense"])
    config = moe.config
    extra = len(moe.moe_layers) * (config.n_experts * config.d_model
                                   + (config.top_k - 1) * config.d_model)
    assert moe.num_params(active=True) - extra == dense.num_params(active=True)
    assert moe.num_params() > 1.5 * dense.num_params()


def test_generate_greedy_follows_the_argmax_and_keeps_the_prompt(rng):
    model = _model()
    prompt = rng.integers(0, 11, (2, 3))
    out = model.generate(prompt, 5, temperature=0)
    assert out.shape == (2, 8) and out.dtype == np.int64
    np.testing.assert_array_equal(out[:, :3], prompt)
    logits, _ = model(out[:, :-1][:, -SMALL.block_size:])
    np.testing.assert_array_equal(out[:, -1], logits.data[:, -1].argmax(axis=1))
    np.testing.assert_array_equal(model.generate(prompt, 5, top_k=1), out)  # top-1 = greedy


def test_generate_is_reproducible_with_a_seeded_rng_and_crops_the_context(rng):
    model = _model()
    prompt = rng.integers(0, 11, (1, 4))
    a = model.generate(prompt, 20, temperature=1.5, rng=np.random.default_rng(7))
    b = model.generate(prompt, 20, temperature=1.5, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)
    assert a.shape == (1, 24) and a.min() >= 0 and a.max() < 11  # 24 > block_size 6
    assert model.training  # restored


def test_generate_top_k_samples_only_among_the_k_most_likely(rng):
    model = _model()
    prompt = rng.integers(0, 11, (1, 2))
    model.eval()
    top3 = np.argsort(-model(prompt)[0].data[0, -1])[:3]
    draws = {int(model.generate(prompt, 1, temperature=5.0, top_k=3,
                                rng=np.random.default_rng(s))[0, -1]) for s in range(60)}
    assert draws <= set(top3.tolist()) and len(draws) > 1


def test_bad_inputs_are_named(rng):
    model = _model()
    with pytest.raises(ShapeError, match="T=7 exceeds block_size=6"):
        model(rng.integers(0, 11, (1, 7)))
    with pytest.raises(ShapeError, match=r"targets \(1, 5\) must have the shape of idx"):
        model(rng.integers(0, 11, (1, 6)), rng.integers(0, 11, (1, 5)))
    with pytest.raises(IndexError, match=r"outside \[0, 11\)"):
        model(np.array([[3, 11]]))
    with pytest.raises(ShapeError, match=r"idx must be a \(B, T\) array of token ids, got "
                       r"shape \(3,\)"):
        model(np.arange(3))
    with pytest.raises(tm.DTypeError, match="MoEGPT: idx must be an integer tensor"):
        model(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="top_k must lie in"):
        model.generate(np.array([[1]]), 2, top_k=0)
    with pytest.raises(TypeError, match="GPTConfig"):
        MoEGPT({"vocab_size": 3})
    with pytest.raises(KeyError, match="unknown config 'huge'"):
        get_config("huge")


def test_expert_token_counts_add_up_to_top_k_per_token(rng):
    model = _model()
    ids = rng.integers(0, 11, 40)
    (counts,) = expert_token_counts(model, ids, batch_size=3)
    windows = len(ids) // SMALL.block_size
    assert counts.shape == (11, 4)
    np.testing.assert_array_equal(counts.sum(axis=1),
                                  SMALL.top_k * np.bincount(ids[: windows * 6], minlength=11))
    assert model.training
    ax = plot_expert_tokens(counts, [chr(97 + i) for i in range(11)])
    assert len(ax.get_yticklabels()) == np.count_nonzero(counts.sum(axis=1))


def test_the_lm_bench_twin_is_the_same_model(torch, rng):
    """``python -m tinymoe.bench lm`` times a PyTorch twin: it must compute the same loss
    and gradients from the same weights, or the ratio compares different work."""
    from tinymoe.bench.lm import torch_model

    model = _model()
    twin = torch_model(SMALL, model.state_dict()).double()
    idx = rng.integers(0, SMALL.vocab_size, (3, SMALL.block_size))
    _, loss = model(idx, idx)
    loss.backward()
    _, loss_t = twin(torch.tensor(idx), torch.tensor(idx))
    loss_t.backward()
    assert loss.item() == pytest.approx(loss_t.item(), abs=1e-9)
    grads = {name: p.grad.numpy() for name, p in twin.named_parameters()}
    for name, p in model.named_parameters():
        np.testing.assert_allclose(p.grad, grads[name], atol=1e-9, err_msg=name)


def test_the_lm_bench_prints_a_ratio_from_equal_first_losses(torch, capsys):
    from tinymoe.bench.__main__ import main

    main(["lm", "--config", "nano-moe", "--steps", "1", "--warmup", "0", "--rounds", "1",
          "--batch-size", "2", "--threads", "1"])
    out = capsys.readouterr().out
    losses = [float(line.split("first loss ")[1].split(";")[0])
              for line in out.splitlines() if "first loss" in line]
    assert len(losses) == 2 and losses[0] == pytest.approx(losses[1], abs=1e-4)
    assert float(out.split("ratio tinymoe / pytorch = ")[1].split()[0]) > 0

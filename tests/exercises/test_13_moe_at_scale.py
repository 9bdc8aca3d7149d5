"""Graded tests for lesson 13: parameter counts, FLOPs, training cost and memory of an MoE
transformer, and expert parallelism (send counts, dispatch, combine) simulated in one process.

Oracles: ``tinymoe.scale.count_params`` (its norm weights and routing biases, which the
exercise leaves out, subtracted) and ``flops_per_token(causal=False)``,
``tinymoe.distributed.plan`` (expert owners, send
counts), the single-process ``tinymoe.nn.MoE`` (outputs of the simulated expert-parallel
layer), invariants (top_k = E means active = total, row and column sums of the send counts,
every received row is the sender's token) and closed forms worked out by hand in comments.
Every random draw is seeded inside its test.
"""

import dataclasses

import numpy as np
import pytest

import tinymoe as tm
from tinymoe import nn
from tinymoe.distributed.plan import expert_owner
from tinymoe.distributed.plan import send_counts as plan_send_counts
from tinymoe.grading.feedback import assert_close, diagnose
from tinymoe.scale import MODELS, ModelConfig
from tinymoe.scale import count_params as scale_count_params
from tinymoe.scale import flops_per_token as scale_flops


@pytest.fixture
def m(load_exercise):
    return load_exercise("13_moe_at_scale")


def _cfg(**fields):
    """A small MoE ModelConfig: 3 blocks, d 8, GQA 4 heads of 2 (2 KV heads), vocab 11,
    6 routed experts of width 5, top-2, SwiGLU, untied."""
    base = dict(name="test", n_layers=3, d_model=8, vocab_size=11, n_heads=4, n_kv_heads=2,
                head_dim=2, attention="gqa", n_routed_experts=6, d_expert=5, top_k=2,
                ffn_matrices=3)
    return ModelConfig(**{**base, **fields})


MLA = dict(attention="mla", n_kv_heads=0, head_dim=0, q_lora_rank=6, kv_lora_rank=4,
           qk_nope_head_dim=3, qk_rope_head_dim=2, v_head_dim=3)

CONFIGS = [
    _cfg(),
    _cfg(tied_embeddings=True, n_shared_experts=2, n_dense_layers=1, d_ff_dense=12),
    _cfg(**MLA, n_layers=4, n_dense_layers=1, d_ff_dense=9, n_shared_experts=1),
    _cfg(**{**MLA, "q_lora_rank": 0}, top_k=1),
    _cfg(n_layers=6, moe_every=2, ffn_matrices=2, dense_ffn_matrices=3, d_ff_dense=16,
         attention="mha", n_kv_heads=4),
    _cfg(n_layers=4, n_cross_attn_layers=2, attention="mha", n_kv_heads=4, ffn_matrices=2,
         tied_embeddings=True, top_k=1),
]


def _oracle(cfg):
    """tinymoe.scale's (total, active) without norms and routing biases (the exercise's
    convention)."""
    p = scale_count_params(cfg)
    left_out = p.by_part["norms"] + (cfg.n_moe_layers * cfg.n_routed_experts
                                     if cfg.router_bias else 0)
    return p.total - left_out, p.active - left_out


def _attention(cfg):
    """One attention's weights, for the mistakes' predictions."""
    p = scale_count_params(cfg)
    return p.by_part["attention"] // (cfg.n_layers + cfg.n_cross_attn_layers)


def _describe(cfg):
    return (f"{cfg.attention} model, {cfg.n_layers} blocks, d={cfg.d_model}, "
            f"E={cfg.n_routed_experts}, top_k={cfg.top_k}, shared={cfg.n_shared_experts}, "
            f"tied={cfg.tied_embeddings}")


# ----------------------------------------------------------------------------- 13.1


@pytest.mark.exercise("13.1")
@pytest.mark.points(1)
def test_count_params_small_model_by_hand(m):
    # the docstring's model: embeddings 2 * 10 * 4 = 80, attention 4 * 4 * 4 = 64, router
    # 4 * 4 = 16, experts 4 * (2 * 4 * 8) = 256: total 416; active 416 - 3 * 64 = 224
    cfg = ModelConfig(name="hand", n_layers=1, d_model=4, vocab_size=10, n_heads=2,
                      n_kv_heads=2, head_dim=2, n_routed_experts=4, d_expert=8, top_k=1,
                      ffn_matrices=2)
    total, active = m.count_params(cfg)
    assert (total, active) != (416, 416), (
        "active counts every routed expert: a token only runs top_k of them, so active = "
        "total - (E - top_k) experts per MoE layer = 224 here"
    )
    assert total != 416 - 40, (
        "the output projection (vocab x d) is a second matrix unless tied_embeddings: "
        "total 416, yours leaves it out"
    )
    assert int(total) == 416, diagnose(total, 416, {
        "the router's d x E = 16 weights are missing": 400,
        "the attention (q, k, v, o: 64 weights) is missing": 352,
    }, "expected total 416 for the docstring's example (80 + 64 + 16 + 256)", rtol=0, atol=0.5)
    assert int(active) == 224, (
        f"expected active 224 for the docstring's example (416 - 3 unused experts of 64); "
        f"got {active}"
    )
    # a GQA block: q and o 2 * 8 * 4 * 2 = 128, k and v 2 * 8 * 2 * 2 = 64: 192 per block
    gqa = _cfg(n_layers=1, n_routed_experts=2, top_k=2)
    total, active = m.count_params(gqa)
    # embeddings 2 * 11 * 8 = 176, router 16, experts 2 * 3 * 8 * 5 = 240
    assert total != 176 + 256 + 16 + 240, (
        "GQA: W_k and W_v have n_kv_heads * head_dim outputs, not n_heads * head_dim "
        "(the key/value heads are shared by groups of query heads)"
    )
    assert (int(total), int(active)) == (624, 624), (
        f"a one-block GQA model with top_k = E = 2 has total = active = 176 + 192 + 16 + 240 "
        f"= 624; got ({total}, {active})"
    )


@pytest.mark.exercise("13.1")
@pytest.mark.points(2)
def test_count_params_matches_the_calculator(m):
    for cfg in CONFIGS:
        total, active = m.count_params(cfg)
        want_total, want_active = _oracle(cfg)
        attention = _attention(cfg)
        blocks = cfg.n_layers + cfg.n_cross_attn_layers
        expert = cfg.ffn_matrices * cfg.d_model * cfg.d_expert
        table = cfg.vocab_size * cfg.d_model
        mistakes = {
            "tied_embeddings: the output projection reuses the embedding matrix, count it "
            "once": want_total + table,
            "the router (d_model x n_routed_experts per MoE layer) is missing":
                want_total - cfg.n_moe_layers * cfg.d_model * cfg.n_routed_experts,
            "the shared experts are missing: n_shared_experts per MoE layer, each "
            "ffn_matrices * d * d_expert": want_total - cfg.n_moe_layers
            * cfg.n_shared_experts * expert,
            "the dense FFN layers (cfg.n_dense_layers_total of them, cfg.dense_matrices "
            "matrices each) are missing": want_total - cfg.n_dense_layers_total
            * cfg.dense_matrices * cfg.d_model * cfg.d_ff_dense,
            "the cross-attention of the decoder blocks (n_cross_attn_layers) is missing":
                want_total - cfg.n_cross_attn_layers * attention,
        }
        if cfg.attention == "gqa":
            wider = dataclasses.replace(cfg, n_kv_heads=cfg.n_heads)
            mistakes["GQA: k and v have n_kv_heads heads, not n_heads"] = _oracle(wider)[0]
        if cfg.attention == "mla":
            mistakes["MLA: the key/value down-projection is d * (kv_lora_rank + "
                     "qk_rope_head_dim): the one RoPE key shared by the heads is missing"] = (
                want_total - blocks * cfg.d_model * cfg.qk_rope_head_dim)
        assert int(total) == want_total, diagnose(
            total, want_total, {k: v for k, v in mistakes.items() if v != want_total},
            f"total parameters of the {_describe(cfg)}: expected {want_total}, got {total}",
            rtol=0, atol=0.5)
        active_mistakes = {
            "active: a token runs top_k routed experts per MoE layer, not all of them":
                want_total,
            "active: a token also runs the shared experts (every token, weight 1)":
                want_active - cfg.n_moe_layers * cfg.n_shared_experts * expert,
            "active: embeddings, attention and routers are used by every token, count them":
                cfg.n_moe_layers * cfg.top_k * expert,
        }
        assert int(active) == want_active, diagnose(
            active, want_active, {k: v for k, v in active_mistakes.items()
                                  if v != want_active},
            f"active parameters of the {_describe(cfg)}: expected {want_active}, got {active}",
            rtol=0, atol=0.5)


@pytest.mark.exercise("13.1")
@pytest.mark.points(1)
def test_count_params_invariants_and_published_models(m):
    for cfg in CONFIGS:
        everything = dataclasses.replace(cfg, top_k=cfg.n_routed_experts)
        total, active = m.count_params(everything)
        assert total == active, (
            f"with top_k = n_routed_experts every expert is active, so active must equal "
            f"total; got {active} and {total} ({_describe(everything)})"
        )
    # published (see tinymoe/scale/config.py for the sources): within 2%
    for name, total_b, active_b in (("mixtral-8x7b", 46.7, 12.9), ("deepseek-v3", 671, 37)):
        total, active = m.count_params(MODELS[name])
        assert abs(total / 1e9 / total_b - 1) < 0.02 and abs(active / 1e9 / active_b - 1) < 0.02, (
            f"{name}: published {total_b}B total / {active_b}B active; yours "
            f"{total / 1e9:.4g}B / {active / 1e9:.4g}B"
        )


# ----------------------------------------------------------------------------- 13.2


def _attention_flops(cfg, seq_len):
    """Per token: 2 * H * (d_qk + d_v) * seq_len per block (no causal halving; the
    calculator also counts an encoder-decoder's cross-attention, the exercise does not)."""
    if cfg.attention == "mla":
        width = cfg.qk_nope_head_dim + cfg.qk_rope_head_dim + cfg.v_head_dim
    else:
        width = 2 * cfg.head_dim
    return cfg.n_layers * 2 * cfg.n_heads * width * seq_len


@pytest.mark.exercise("13.2")
@pytest.mark.points(1)
def test_flops_small_model_by_hand(m, monkeypatch):
    monkeypatch.setattr(m, "count_params", _oracle)  # 13.1's mistakes cost no points here
    cfg = ModelConfig(name="hand", n_layers=1, d_model=4, vocab_size=10, n_heads=2,
                      n_kv_heads=2, head_dim=2, n_routed_experts=4, d_expert=8, top_k=1,
                      ffn_matrices=2)
    matmul, attention = m.flops_per_token(cfg, 8)
    # active 224 without the 40-entry input table: 2 * 184 = 368; 2 * 2 heads * (2 + 2) * 8
    assert matmul != 2 * 224, (
        "the input embedding is a table lookup, not a matmul: leave its vocab x d weights out "
        "(2 * (224 - 40) = 368)"
    )
    assert matmul != 224 - 40, "a multiply-add is 2 FLOPs: matmul = 2 * 184 = 368"
    assert matmul == 368, f"expected matmul FLOPs 2 * (224 - 40) = 368; got {matmul}"
    assert attention != 128 * 8, (
        "FLOPs per TOKEN: each token's query meets seq_len keys (2 * H * d_qk * seq_len), "
        "not seq_len**2"
    )
    assert attention == 128, (
        f"expected attention FLOPs 2 * H * (d_qk + d_v) * seq_len = 2 * 2 * 4 * 8 = 128; "
        f"got {attention}"
    )


@pytest.mark.exercise("13.2")
@pytest.mark.points(2)
def test_flops_closed_forms(m, monkeypatch):
    monkeypatch.setattr(m, "count_params", _oracle)
    for cfg in CONFIGS:
        for seq_len in (1, 7, 64):
            matmul, attention = m.flops_per_token(cfg, seq_len)
            total, active = _oracle(cfg)
            table = cfg.vocab_size * cfg.d_model
            want = scale_flops(cfg, seq_len, causal=False).matmul  # 2 * (active - lookup)
            case = f"{_describe(cfg)}, seq_len={seq_len}"
            assert matmul == want, diagnose(matmul, want, {
                "matmul FLOPs follow the ACTIVE parameters (what one token runs), not the "
                "total": 2 * (total - (0 if cfg.tied_embeddings else table)),
                "tied_embeddings: the one table IS the output projection, a matmul: do not "
                "subtract it": want - 2 * table,
                "a multiply-add is 2 FLOPs": want / 2,
            }, f"matmul FLOPs of the {case}: expected {want}", rtol=0, atol=0.5)
            want = (_attention_flops(cfg, seq_len) if cfg.n_cross_attn_layers else
                    scale_flops(cfg, seq_len, causal=False).attention)
            mistakes = {"attention FLOPs scale with seq_len per token, not seq_len**2":
                        want * seq_len} if seq_len > 1 else {}
            if cfg.attention == "gqa":
                mistakes["GQA shares keys and values, but every QUERY head still does its "
                         "own products: use n_heads"] = want * cfg.n_kv_heads / cfg.n_heads
            assert attention == want, diagnose(
                attention, want, mistakes, f"attention FLOPs of the {case}: expected {want} "
                "= n_layers * 2 * n_heads * (d_qk + d_v) * seq_len", rtol=1e-12, atol=0.5)


# ----------------------------------------------------------------------------- 13.3


@pytest.mark.exercise("13.3")
@pytest.mark.points(1)
def test_training_cost_closed_form(m):
    for fwd, tokens, peak, mfu in ((2e9, 1e12, 1e15, 0.5), (7.3e10, 1.48e13, 9.895e14, 0.4),
                                   (350, 1000, 100, 1.0)):
        train_flops, hours = m.training_cost(fwd, tokens, peak, mfu)
        want = 3 * fwd * tokens  # forward + backward (2 products per forward product)
        assert_close(train_flops, want, rtol=1e-12, err_msg=diagnose(train_flops, want, {
            "training is 3 forwards per token (forward + a backward twice as expensive), "
            "not 2": 2 * fwd * tokens,
            "training FLOPs = 3 * forward FLOPs per token * tokens; yours is one forward":
                fwd * tokens,
        }, f"train_flops for forward {fwd:g}/token, {tokens:g} tokens"))
        want_h = want / (peak * mfu) / 3600
        assert_close(hours, want_h, rtol=1e-12, err_msg=diagnose(hours, want_h, {
            "a GPU delivers peak * mfu FLOP/s: divide by mfu, do not multiply":
                want * mfu / peak / 3600,
            "the MFU is missing: a GPU never runs at its peak": want / peak / 3600,
            "that is seconds: divide by 3600 for hours": want_h * 3600,
            "that is days: the answer is in GPU-hours": want_h / 24,
        }, f"gpu_hours for {want:g} FLOPs at peak {peak:g} FLOP/s and mfu {mfu}"))


@pytest.mark.exercise("13.3")
@pytest.mark.points(1)
def test_training_cost_deepseek_v3_and_bad_mfu(m):
    # 6ND with N = 37e9 active, D = 14.8e12 tokens, H800 dense BF16 peak 989.5 TFLOP/s at
    # 35% MFU: 3.29e24 FLOPs, 2.6M GPU-hours; DeepSeek-V3's report: 2.788M H800 GPU-hours
    _, hours = m.training_cost(2 * 37e9, 14.8e12, 989.5e12, 0.35)
    assert 2.788e6 / 2 < hours < 2 * 2.788e6, (
        f"DeepSeek-V3 from 6ND at 35% MFU is about 2.6M GPU-hours (published 2.788M); "
        f"yours {hours:.3g}"
    )
    for mfu in (0, -0.2, 1.5):
        with pytest.raises(ValueError, match="mfu") as caught:
            m.training_cost(1e9, 1e9, 1e15, mfu)
        assert str(mfu) in str(caught.value), (
            f"the ValueError should show the bad mfu ({mfu}); it says: {caught.value}"
        )


# ----------------------------------------------------------------------------- 13.4


def _memory_mistakes(n_rep, n_routed, n_dev, ep, pb, gb, ob, shard):
    local = n_rep + n_routed / ep
    opt = (n_rep + n_routed) * ob / n_dev if shard else local * ob
    return {
        "routed experts are split over ep devices: each holds n_routed / ep of them":
            (n_rep + n_routed) * pb,
        "only the ROUTED experts are split over ep; the replicated part (embeddings, "
        "attention, shared experts) is on every device": (n_rep + n_routed) / ep * pb,
    }, local, opt


@pytest.mark.exercise("13.4")
@pytest.mark.points(1)
def test_memory_without_zero(m):
    # docstring: 10 + 80 / 4 = 30 parameters: 60 + 60 + 360 = 480 bytes
    got = m.memory_per_device(10, 80, 8, 4)
    assert set(got) >= {"params", "grads", "optimizer", "total"}, (
        f"return a dict with keys params, grads, optimizer, total; got keys {sorted(got)}"
    )
    for args in ((10, 80, 8, 4, 2, 2, 12), (3e9, 6.4e11, 64, 8, 2, 4, 8), (5, 7, 3, 1, 4, 4, 8),
                 (1.2e10, 6.6e11, 256, 64, 2, 2, 12)):
        n_rep, n_routed, n_dev, ep, pb, gb, ob = args
        got = m.memory_per_device(n_rep, n_routed, n_dev, ep, pb, gb, ob)
        mistakes, local, _ = _memory_mistakes(*args, False)
        case = (f"n_replicated={n_rep:g}, n_routed={n_routed:g}, P={n_dev}, ep={ep}, bytes "
                f"{pb}/{gb}/{ob}")
        assert_close(got["params"], local * pb, rtol=1e-12, err_msg=diagnose(
            got["params"], local * pb, mistakes, f"params bytes ({case})"))
        assert_close(got["grads"], local * gb, rtol=1e-12, err_msg=(
            f"grads: one gradient of grad_bytes per local parameter ({case})"))
        assert_close(got["optimizer"], local * ob, rtol=1e-12, err_msg=(
            f"optimizer: optim_bytes per local parameter without ZeRO ({case})"))
        assert_close(got["total"], local * (pb + gb + ob), rtol=1e-12,
                     err_msg=f"total must be params + grads + optimizer ({case})")


@pytest.mark.exercise("13.4")
@pytest.mark.points(1)
def test_memory_with_zero1(m):
    for args in ((10, 80, 8, 4, 2, 2, 12), (3e9, 6.4e11, 64, 8, 2, 4, 8), (5, 7, 3, 1, 4, 4, 8),
                 (1.2e10, 6.6e11, 256, 256, 2, 2, 12)):
        n_rep, n_routed, n_dev, ep, pb, gb, ob = args
        got = m.memory_per_device(n_rep, n_routed, n_dev, ep, pb, gb, ob,
                                  shard_optimizer=True)
        _, local, opt = _memory_mistakes(*args, True)
        case = f"n_replicated={n_rep:g}, n_routed={n_routed:g}, P={n_dev}, ep={ep}"
        # each parameter's state is split over its replicas: P for the replicated part,
        # P / ep for an expert, so opt = (n_rep / P + (n_routed / ep) / (P / ep)) * ob
        assert_close(got["optimizer"], opt, rtol=1e-12, err_msg=diagnose(got["optimizer"], opt, {
            "ZeRO-1 splits an expert's state over ITS replicas, P / ep devices, not all P":
                (n_rep / n_dev + n_routed / ep / n_dev) * ob,
            "shard_optimizer splits the optimizer state over the replicas; yours is whole":
                local * ob,
        }, f"ZeRO-1 optimizer bytes ({case})"))
        assert_close(got["params"], local * pb, rtol=1e-12, err_msg=(
            f"ZeRO stage 1 splits only the optimizer state: weights stay whole ({case})"))
        assert_close(got["grads"], local * gb, rtol=1e-12, err_msg=(
            f"ZeRO stage 1 splits only the optimizer state: gradients stay whole ({case})"))
        assert_close(got["total"], local * (pb + gb) + opt, rtol=1e-12,
                     err_msg=f"total must be params + grads + optimizer ({case})")


@pytest.mark.exercise("13.4")
@pytest.mark.points(1)
def test_memory_rejects_ep_not_dividing_devices(m):
    for n_dev, ep in ((8, 3), (6, 4), (4, 0)):
        with pytest.raises(ValueError) as caught:
            m.memory_per_device(10, 80, n_dev, ep)
        text = str(caught.value)
        assert str(n_dev) in text and str(ep) in text, (
            f"the ValueError for P={n_dev}, ep={ep} must name both sizes; it says: {text}"
        )


# ----------------------------------------------------------------------------- 13.5


def _routing(rng, sizes, n_experts, k, drop=0.0):
    """Per rank (n_r, k) distinct experts per token; a fraction `drop` set to -1."""
    out = []
    for n in sizes:
        expert = np.argsort(rng.random((n, n_experts)), axis=1)[:, :k]
        expert[rng.random(expert.shape) < drop] = -1
        out.append(expert)
    return out


@pytest.mark.exercise("13.5")
@pytest.mark.points(1)
def test_send_counts_example_and_calculator(m, rng):
    got = np.asarray(m.send_counts([np.array([[0, 3]]), np.array([[1, 2], [3, 0]])],
                                   np.array([0, 0, 1, 1]), 2))
    assert got.tolist() != [[1, 2], [1, 2]], (
        "counts is [src, dst] (row = sender); yours is transposed"
    )
    assert got.tolist() == [[1, 1], [2, 2]], (
        f"docstring example: expected [[1, 1], [2, 2]]; got {got.tolist()}"
    )
    for sizes, n_experts, k in (([9, 0, 13, 6], 8, 2), ([5, 7], 6, 3), ([11, 4, 3], 3, 1),
                                ([17] * 8, 16, 4)):
        n_ranks = len(sizes)
        expert = _routing(rng, sizes, n_experts, k)
        got = np.asarray(m.send_counts(expert, expert_owner(n_experts, n_ranks), n_ranks))
        want = plan_send_counts(expert, n_experts, n_ranks)
        assert got.shape == (n_ranks, n_ranks), (
            f"counts must be (P, P) = {(n_ranks, n_ranks)} even when a rank receives or sends "
            f"nothing (bincount needs minlength=P); got {got.shape}"
        )
        assert np.array_equal(got, want), diagnose(got, want, {
            "counts is [src, dst] (row = sender): yours is transposed": want.T,
        }, f"send counts for ranks of {sizes} tokens, E={n_experts}, top-{k}", rtol=0, atol=0)


@pytest.mark.exercise("13.5")
@pytest.mark.points(2)
def test_send_counts_any_owner_map_and_drops(m, rng):
    for sizes, n_experts, n_ranks, k in (([12, 7, 0, 9], 8, 4, 2), ([20, 15, 3], 9, 3, 3),
                                         ([6, 6], 5, 2, 2)):
        owner = rng.permutation(np.arange(n_experts) % n_ranks)  # an arbitrary map
        expert = _routing(rng, sizes, n_experts, k, drop=0.25)
        got = np.asarray(m.send_counts(expert, owner, n_ranks))
        case = f"ranks of {sizes} tokens, owner {owner.tolist()}, top-{k}, some -1 (dropped)"
        kept = [e[e >= 0] for e in expert]
        assert got.shape == (n_ranks, n_ranks), f"counts must be (P, P); got {got.shape}"
        with_drops = np.array([np.bincount(owner[e.ravel()], minlength=n_ranks)
                               for e in expert])
        assert not np.array_equal(got, with_drops), (
            "an expert id of -1 (dropped by capacity) is not sent anywhere; owner[-1] "
            f"silently counts it for the last expert's rank ({case})"
        )
        assert np.array_equal(got.sum(axis=1), [len(e) for e in kept]), (
            f"row src must sum to the kept assignments of rank src, {[len(e) for e in kept]}; "
            f"yours {got.sum(axis=1).tolist()} ({case})"
        )
        blocks = [np.bincount((e * n_ranks) // n_experts, minlength=n_ranks) for e in kept]
        want = np.array([np.bincount(owner[e], minlength=n_ranks) for e in kept])
        assert not (np.array_equal(got, blocks) and not np.array_equal(got, want)), (
            f"use the owner map: expert e lives on rank owner[e], which need not be the "
            f"contiguous block e // (E / P) ({case})"
        )
        assert np.array_equal(got.sum(axis=0), want.sum(axis=0)), (
            f"column dst must sum to the assignments whose expert lives on dst, "
            f"{want.sum(axis=0).tolist()}; yours {got.sum(axis=0).tolist()} ({case})"
        )
        assert np.array_equal(got, want), f"counts[src, dst] differ ({case})"


# ----------------------------------------------------------------------------- 13.6 / 13.7


def _moe_case(seed, sizes, n_experts, k, d_model=5, d_hidden=7):
    """A float64 top-k nn.MoE, a global batch split over ranks (sizes), its routing, and
    the single-process output (computed with NumPy kernels: nothing to compile)."""
    g = np.random.default_rng(seed)
    moe = nn.MoE(d_model, d_hidden, n_experts, top_k=k, router="topk", aux_loss_coef=0.0,
                 dtype=np.float64).eval()
    x = g.standard_normal((sum(sizes), d_model))
    with tm.use_backend("numpy"), tm.no_grad():
        y = moe(tm.tensor(x)).data
        routing = moe.router(tm.tensor(x))
    n_tokens = x.shape[0]
    expert = routing.expert.reshape(k, n_tokens).T  # (T, k) from choice-major
    gate = routing.gate.data.reshape(k, n_tokens).T
    cuts = np.cumsum(sizes)[:-1]
    return (moe, np.split(x, cuts), np.split(expert, cuts), np.split(gate, cuts),
            np.split(y, cuts))


def _run_experts(moe, recv_x, recv_expert):
    """Every rank runs its received rows through their experts (tinymoe's expert bank)."""
    out = []
    with tm.use_backend("numpy"), tm.no_grad():
        for rows, ids in zip(recv_x, recv_expert):
            res = np.zeros_like(rows)
            for e in np.unique(ids):
                sel = ids == e
                res[sel] = moe.experts.one(tm.tensor(rows[sel]), int(e)).data
            out.append(res)
    return out


def _counts_of(send_order, expert_per_rank, owner, n_ranks):
    return np.array([np.bincount(owner[np.asarray(e).T.reshape(-1)[o]], minlength=n_ranks)
                     for o, e in zip(send_order, expert_per_rank)]).reshape(n_ranks, n_ranks)


def _bring_home(out, send_order, gates, counts):
    """The test's reverse all-to-all and weighted sum (13.6's check needs one)."""
    start = np.cumsum(counts, axis=0) - counts
    ys = []
    for s, (order, gate) in enumerate(zip(send_order, gates)):
        back = np.concatenate([o[start[s, d]:start[s, d] + counts[s, d]]
                               for d, o in enumerate(out)])
        y = np.zeros((gate.shape[0], out[0].shape[1]))
        for row, a in zip(back, order):
            y[a % gate.shape[0]] += gate.T.reshape(-1)[a] * row
        ys.append(y)
    return ys


def _check_dispatch(m, x_per_rank, expert_per_rank, owner, n_ranks, case):
    recv_x, recv_expert, send_order = m.ep_dispatch(x_per_rank, expert_per_rank, owner,
                                                    n_ranks)
    assert len(recv_x) == len(recv_expert) == len(send_order) == n_ranks, (
        f"return one array per rank: recv_x, recv_expert ({n_ranks} receivers), send_order "
        f"({n_ranks} senders) ({case})"
    )
    send_order = [np.asarray(o) for o in send_order]
    dim = x_per_rank[0].shape[1]
    for s, (expert, order) in enumerate(zip(expert_per_rank, send_order)):
        flat = expert.T.reshape(-1)
        assert np.array_equal(np.sort(order), np.arange(flat.size)), (
            f"send_order[{s}] must be a permutation of rank {s}'s {flat.size} flat "
            f"assignments ({case})"
        )
        dest = owner[flat[order]]
        token_major = owner[expert.reshape(-1)[order]]
        assert np.all(np.diff(dest) >= 0) or not np.all(np.diff(token_major) >= 0), (
            f"send_order indexes the flat assignments in priority order, a = c * n + t "
            f"(expert.T.reshape(-1)); yours indexes them token by token ({case})"
        )
        assert np.all(np.diff(dest) >= 0), (
            f"rank {s}'s send buffer must be grouped by destination rank owner[expert] "
            f"(0 first, then 1, ...): its destinations are {dest.tolist()} ({case})"
        )
    counts = _counts_of(send_order, expert_per_rank, owner, n_ranks)
    for d in range(n_ranks):
        rows, ids = np.asarray(recv_x[d]), np.asarray(recv_expert[d])
        n_recv = int(counts[:, d].sum())
        assert rows.shape == (n_recv, dim), (
            f"rank {d} receives {n_recv} rows of width {dim}: recv_x[{d}] must be "
            f"{(n_recv, dim)}, also when nothing arrives; got {rows.shape} ({case})"
        )
        assert rows.dtype == x_per_rank[0].dtype, (
            f"recv_x must keep x's dtype {x_per_rank[0].dtype}; got {rows.dtype} ({case})"
        )
        assert np.all(owner[ids] == d), (
            f"rank {d} received rows for experts {sorted(set(ids[owner[ids] != d].tolist()))} "
            f"that it does not own: send each row to owner[expert] ({case})"
        )
        want_rows, want_ids = [], []
        for x, expert, order in zip(x_per_rank, expert_per_rank, send_order):
            flat = expert.T.reshape(-1)
            mine = order[owner[flat[order]] == d]
            want_rows.append(x[mine % max(x.shape[0], 1)])
            want_ids.append(flat[mine])
        want_rows, want_ids = np.concatenate(want_rows), np.concatenate(want_ids)
        by_expert = np.argsort(want_ids, kind="stable")
        assert not (len(np.unique(want_ids)) > 1 and np.array_equal(ids, want_ids[by_expert])
                    and not np.array_equal(ids, want_ids)), (
            f"rank {d}'s receive buffer must stay source-major (rank 0's chunk, then rank "
            f"1's, ...), as Alltoallv delivers it: combine finds each source's rows by the "
            f"counts; yours is re-sorted by expert ({case})"
        )
        assert np.array_equal(ids, want_ids) and np.array_equal(rows, want_rows), (
            f"rank {d}'s receive buffer must be the chunks sent to it by ranks 0, 1, ..., "
            f"P-1 in turn, each in its sender's send_order, with row x_s[a % n_s] for "
            f"assignment a ({case})"
        )
    return recv_x, recv_expert, send_order, counts


@pytest.mark.exercise("13.6")
@pytest.mark.points(2)
def test_dispatch_buffers(m, rng):
    for sizes, n_experts, n_ranks, k in (([6, 0, 9, 4], 8, 4, 2), ([13, 5], 4, 2, 3),
                                         ([7, 3, 5], 9, 3, 1)):
        owner = rng.permutation(np.arange(n_experts) % n_ranks)
        x_per_rank = [rng.standard_normal((n, 3)).astype(np.float32) for n in sizes]
        expert_per_rank = _routing(rng, sizes, n_experts, k)
        _check_dispatch(m, x_per_rank, expert_per_rank, owner, n_ranks,
                        f"ranks of {sizes} tokens, owner {owner.tolist()}, top-{k}")
    # nobody chooses experts 2 and 3, so rank 1 receives nothing: recv_x[1] is (0, D)
    x_per_rank = [rng.standard_normal((n, 3)).astype(np.float32) for n in (4, 3)]
    expert_per_rank = [np.array([[0, 1], [1, 0], [0, 1], [1, 0]]), np.array([[1, 0]] * 3)]
    _check_dispatch(m, x_per_rank, expert_per_rank, np.array([0, 0, 1, 1]), 2,
                    "2 ranks, owner [0, 0, 1, 1], only experts 0 and 1 chosen")


@pytest.mark.exercise("13.6")
@pytest.mark.points(1)
def test_dispatch_reproduces_the_single_process_moe(m):
    for seed, sizes, n_experts, k in ((0, [7, 0, 6, 5], 8, 2), (1, [9, 8], 6, 3)):
        n_ranks = len(sizes)
        moe, xs, experts, gates, ys = _moe_case(seed, sizes, n_experts, k)
        owner = expert_owner(n_experts, n_ranks)
        case = f"{n_ranks} ranks of {sizes} tokens, E={n_experts}, top-{k}"
        recv_x, recv_expert, send_order, counts = _check_dispatch(
            m, xs, experts, owner, n_ranks, case)
        out = _run_experts(moe, recv_x, recv_expert)
        for r, (y, want) in enumerate(zip(_bring_home(out, send_order, gates, counts), ys)):
            assert_close(y, want, rtol=1e-10, atol=1e-12, err_msg=(
                f"rank {r}: your dispatch, the experts and the way back do not give nn.MoE's "
                f"output for its tokens ({case})"))


def _shuffled_dispatch(rng, x_per_rank, expert_per_rank, owner, n_ranks):
    """A valid dispatch whose rows for one destination come in a random order."""
    send_order = []
    chunks = [[] for _ in range(n_ranks)]
    for x, expert in zip(x_per_rank, expert_per_rank):
        flat = expert.T.reshape(-1)
        order = np.lexsort((rng.permutation(flat.size), owner[flat]))
        send_order.append(order)
        for d in range(n_ranks):
            mine = order[owner[flat[order]] == d]
            chunks[d].append((x[mine % max(x.shape[0], 1)], flat[mine]))
    recv_x = [np.concatenate([c[0] for c in chunk]) for chunk in chunks]
    recv_expert = [np.concatenate([c[1] for c in chunk]) for chunk in chunks]
    counts = _counts_of(send_order, expert_per_rank, owner, n_ranks)
    return recv_x, recv_expert, send_order, counts


@pytest.mark.exercise("13.7")
@pytest.mark.points(2)
def test_combine_reproduces_the_single_process_moe(m, rng):
    for seed, sizes, n_experts, k in ((2, [6, 0, 8, 5], 8, 2), (3, [9, 4, 7], 9, 3),
                                      (4, [11, 10], 4, 1)):
        n_ranks = len(sizes)
        moe, xs, experts, gates, ys = _moe_case(seed, sizes, n_experts, k)
        owner = rng.permutation(np.arange(n_experts) % n_ranks)
        recv_x, recv_expert, send_order, counts = _shuffled_dispatch(
            rng, xs, experts, owner, n_ranks)
        out = _run_experts(moe, recv_x, recv_expert)
        got = m.ep_combine(out, send_order, gates, counts)
        case = f"{n_ranks} ranks of {sizes} tokens, E={n_experts}, top-{k}"
        assert len(got) == n_ranks, f"return one output per rank ({n_ranks}); got {len(got)}"
        start = np.cumsum(counts, axis=0) - counts
        for r, (y, want) in enumerate(zip(got, ys)):
            y = np.asarray(y)
            n = sizes[r]
            flat_gate = gates[r].T.reshape(-1)
            back = (np.concatenate([o[start[r, d]:start[r, d] + counts[r, d]]
                                    for d, o in enumerate(out)]) if n else np.zeros((0, 5)))
            last_wins = np.zeros_like(want)
            if n:
                last_wins[send_order[r] % n] += flat_gate[send_order[r]][:, None] * back
            unpermuted = np.zeros_like(want)
            if n:
                np.add.at(unpermuted, send_order[r] % n, flat_gate[:back.shape[0], None] * back)
            assert_close(y, want, rtol=1e-10, atol=1e-12, err_msg=diagnose(y, want, {
                "a token gets k results: they must ADD up (np.add.at); y[idx] += v keeps "
                "only the last one": last_wins,
                "the gates must follow the send buffer: row i is assignment send_order[i], "
                "so its gate is gate.T.reshape(-1)[send_order[i]]": unpermuted,
            }, f"rank {r}'s output differs from nn.MoE's for its {n} tokens ({case})"))


@pytest.mark.exercise("13.7")
@pytest.mark.points(1)
def test_combine_uneven_counts_and_dtype(m, rng):
    # rank 1 sends nothing to rank 0 and rank 0 receives only from itself: the chunk of
    # source s in d's buffer starts after the chunks of sources 0..s-1 (counts[:s, d])
    sizes, n_experts, n_ranks, k = [5, 4, 6], 6, 3, 2
    owner = np.array([0, 1, 1, 2, 2, 2])
    expert_per_rank = [_routing(rng, [5], n_experts, k)[0],
                       np.array([[1, 3], [4, 2], [3, 5], [2, 1]]),
                       _routing(rng, [6], n_experts, k)[0]]
    x_per_rank = [rng.standard_normal((n, 4)).astype(np.float32) for n in sizes]
    gates = [rng.uniform(0.1, 1, (n, k)).astype(np.float32) for n in sizes]
    recv_x, _, send_order, counts = _shuffled_dispatch(rng, x_per_rank, expert_per_rank,
                                                       owner, n_ranks)
    out = [2 * r + 1 for r in recv_x]  # the "experts": y = 2x + 1, elementwise
    got = m.ep_combine(out, send_order, gates, counts)
    for r, (x, gate) in enumerate(zip(x_per_rank, gates)):
        want = gate.sum(axis=1, keepdims=True) * (2 * x + 1)
        y = np.asarray(got[r])
        assert y.dtype == np.float32, (
            f"float32 outputs gave a {y.dtype} result: create y with the outputs' dtype"
        )
        wrong = _bring_home(out, send_order, gates, counts.T) if np.any(counts != counts.T) \
            else None
        assert_close(y, want, rtol=1e-5, atol=1e-6, err_msg=diagnose(y, want, {
            "counts[s, d] is what s SENT to d: the rows coming back from d to s are "
            "counts[s, d], starting after counts[:s, d]; yours reads it transposed":
                wrong[r] if wrong is not None else np.full_like(want, np.nan),
        }, f"rank {r}: with experts y = 2x + 1 every token must get sum(gates) * (2x + 1), "
           f"counts {counts.tolist()}"))

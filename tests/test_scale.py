"""tinymoe.scale: parameter counts against published figures and hand-derived small models,
FLOPs, memory, all-to-all traffic, GPU-hours, the CLI and the plot."""

import dataclasses
import math
import re
import subprocess
import sys

import numpy as np
import pytest

from tinymoe.scale import (
    MODELS,
    PARTS,
    ModelConfig,
    alltoall_bytes_per_token,
    count_params,
    flops_per_token,
    gpu_hours,
    matmul_weights_per_token,
    memory_per_device,
    training_flops,
)
from tinymoe.scale.__main__ import main
from tinymoe.scale.plot import plot_params

B = 1e9

# (model, published total, published active or None, tolerance on the total). Sources are
# named at each config in tinymoe/scale/config.py.
PUBLISHED = [
    ("mixtral-8x7b", 46.7 * B, 12.9 * B),
    ("deepseek-v3", 671 * B, 37 * B),
    ("switch-c", 1571 * B, None),
    ("glam", 1.2e12, 96.6 * B),
    ("kimi-k2", 1.04e12, 32 * B),
]


def rel(a, b):
    return abs(a - b) / b


@pytest.mark.parametrize("name, total, active", PUBLISHED)
def test_total_matches_published(name, total, active):
    params = count_params(MODELS[name])
    if name == "glam":
        # "1.2T" carries two significant digits: the count must round to it. It does
        # (1.162T, 3.2% below 1.2T); see the GLaM comment in config.py for why.
        assert round(params.total / 1e12, 1) == 1.2, params.total
    else:
        assert rel(params.total, total) < 0.02, (name, params.total, total)


@pytest.mark.parametrize("name, total, active", [p for p in PUBLISHED if p[2]])
def test_active_matches_published(name, total, active):
    # Convention: the parameters taking part in a matmul (the untied input embedding is a
    # lookup). All four published figures fall within 2% under this one convention.
    params = count_params(MODELS[name])
    assert rel(params.active_matmul, active) < 0.02, (name, params.active_matmul, active)
    assert params.active_matmul <= params.active <= params.total


def test_deepseek_v3_main_model_excludes_mtp():
    # DeepSeek's README: 685B on Hugging Face = 671B main model + 14B MTP module. Our count
    # is the main model alone: 671.03B, far from 685B.
    total = count_params(MODELS["deepseek-v3"]).total
    assert rel(total, 671 * B) < 0.001 and rel(total, 685 * B) > 0.015


def test_the_structures_we_did_not_choose_miss_the_published_figures():
    # Switch-C with MoE in every other layer (as Switch-Base/-Large/-XXL) is half the size.
    switch = dataclasses.replace(MODELS["switch-c"], moe_every=2, d_ff_dense=6144)
    assert rel(count_params(switch).total, 1571 * B) > 0.4
    # GLaM with gated (3-matrix) experts: far above both published figures.
    glam = count_params(dataclasses.replace(MODELS["glam"], ffn_matrices=3))
    assert glam.total > 1.6e12 and rel(glam.active_matmul, 96.6 * B) > 0.15


def test_one_layer_dense_model_by_hand():
    cfg = ModelConfig(name="tiny", n_layers=1, d_model=8, vocab_size=10, n_heads=2,
                      n_kv_heads=2, head_dim=4, attention="mha", d_ff_dense=16,
                      ffn_matrices=2, tied_embeddings=False)
    embedding = 10 * 8
    unembedding = 10 * 8
    attention = 4 * 8 * (2 * 4)  # W_q, W_k, W_v, W_o, each (8, 8)
    norms = 2 * 8 + 8  # two per block + the final one
    ffn = 2 * 8 * 16
    params = count_params(cfg)
    assert params.total == embedding + unembedding + attention + norms + ffn == 696
    assert params.active == params.total
    assert params.active_matmul == params.total - embedding
    tied = count_params(dataclasses.replace(cfg, tied_embeddings=True))
    assert tied.total == 696 - 80 and tied.active_matmul == tied.total


def test_gqa_attention_by_hand():
    cfg = ModelConfig(name="gqa", n_layers=1, d_model=8, vocab_size=1, n_heads=4,
                      n_kv_heads=2, head_dim=2, attention="gqa", d_ff_dense=1, ffn_matrices=2)
    # W_q (8, 4*2), W_o (4*2, 8), W_k and W_v (8, 2*2) each
    assert count_params(cfg).by_part["attention"] == 8 * 8 + 8 * 8 + 2 * (8 * 4) == 192


def test_one_layer_mla_moe_by_hand():
    cfg = ModelConfig(name="mla", n_layers=1, d_model=16, vocab_size=10, n_heads=2,
                      attention="mla", q_lora_rank=4, kv_lora_rank=6, qk_nope_head_dim=3,
                      qk_rope_head_dim=2, v_head_dim=5, n_routed_experts=4,
                      n_shared_experts=1, d_expert=8, top_k=2, ffn_matrices=3,
                      router_bias=True)
    query = 16 * 4 + 4 * 2 * (3 + 2)  # down to rank 4, up to 2 heads of nope+rope
    key_value = 16 * (6 + 2) + 6 * 2 * (3 + 5)  # latent + ONE shared rope key; up to k_nope, v
    output = 2 * 5 * 16
    norms = 2 * 16 + 4 + 6 + 16  # block norms, the two latent norms, final norm
    router = 4 * 16 + 4  # weights + per-expert bias
    expert = 3 * 16 * 8
    params = count_params(cfg)
    assert params.by_part["attention"] == query + key_value + output == 488
    assert params.by_part["norms"] == norms
    total = 10 * 16 * 2 + 488 + norms + router + expert * (1 + 4)
    assert params.total == total == 2854
    assert params.active == total - 2 * expert  # 2 of the 4 routed experts idle


def test_mla_without_query_compression():
    cfg = ModelConfig(name="mla", n_layers=1, d_model=16, vocab_size=1, n_heads=2,
                      attention="mla", q_lora_rank=0, kv_lora_rank=6, qk_nope_head_dim=3,
                      qk_rope_head_dim=2, v_head_dim=5, d_ff_dense=1, ffn_matrices=2)
    assert count_params(cfg).by_part["attention"] == 16 * 2 * 5 + 224 + 160


def moe(**over):
    base = dict(name="moe", n_layers=4, d_model=32, vocab_size=50, n_heads=4, n_kv_heads=4,
                head_dim=8, n_routed_experts=8, d_expert=16, top_k=2, ffn_matrices=3)
    return ModelConfig(**{**base, **over})


def test_top_k_equal_to_experts_activates_everything():
    params = count_params(moe(top_k=8))
    assert params.active == params.total


def test_active_grows_with_top_k_and_total_with_experts():
    actives = [count_params(moe(top_k=k)).active for k in range(1, 9)]
    assert all(a < b for a, b in zip(actives, actives[1:]))
    totals = [count_params(moe(n_routed_experts=e, top_k=1)).total for e in (1, 2, 4, 8)]
    assert all(a < b for a, b in zip(totals, totals[1:]))
    for name, cfg in MODELS.items():
        params = count_params(cfg)
        assert 0 < params.active_matmul <= params.active <= params.total, name
        assert sum(params.by_part.values()) == params.total
        assert tuple(params.by_part) == tuple(params.active_by_part) == PARTS


def test_one_expert_moe_equals_dense_plus_its_router():
    one = count_params(moe(n_routed_experts=1, top_k=1))
    dense = count_params(moe(n_routed_experts=0, top_k=0, d_ff_dense=16))
    assert one.total == dense.total + 4 * 32  # one router column of d_model per layer
    assert one.active == one.total


def test_moe_every_other_layer_and_leading_dense_layers():
    cfg = moe(n_layers=7, n_dense_layers=1, moe_every=2, d_ff_dense=64)
    assert cfg.n_moe_layers == 3 and cfg.n_dense_layers_total == 4
    params = count_params(cfg)
    assert params.by_part["dense_ffn"] == 4 * 3 * 32 * 64
    assert params.by_part["routed_experts"] == 3 * 8 * 3 * 32 * 16


@pytest.mark.parametrize("over, field", [
    (dict(top_k=9), "top_k"), (dict(n_layers=0), "n_layers"), (dict(attention="x"), "attention"),
    (dict(ffn_matrices=4), "ffn_matrices"), (dict(n_kv_heads=3), "n_kv_heads"),
    (dict(n_routed_experts=0), "n_routed_experts"), (dict(d_model=2.5), "d_model"),
])
def test_bad_config_names_the_field(over, field):
    with pytest.raises(ValueError, match=f"ModelConfig.*{field}"):
        moe(**over)


# ---------------------------------------------------------------- FLOPs and GPU-hours

def tiny_dense():
    return ModelConfig(name="tiny", n_layers=1, d_model=8, vocab_size=10, n_heads=2,
                       n_kv_heads=2, head_dim=4, attention="mha", d_ff_dense=16,
                       ffn_matrices=2, tied_embeddings=False)


def test_flops_of_one_layer_dense_model_by_hand():
    weights = 4 * 8 * 8 + 2 * 8 * 16 + 10 * 8  # attention, FFN, output projection
    per_key = 2 * 2 * (4 + 4)  # 2 heads, q.k over 4 and the value sum over 4, 2 FLOPs each
    causal = flops_per_token(tiny_dense(), seq_len=5)
    assert causal.matmul == 2 * weights == 1184
    assert causal.attention == per_key * (5 + 1) / 2  # 3 keys on average
    assert causal.total == causal.matmul + causal.attention
    assert flops_per_token(tiny_dense(), seq_len=5, causal=False).attention == per_key * 5


def test_encoder_decoder_params_by_hand():
    cfg = dataclasses.replace(tiny_dense(), n_layers=2, n_cross_attn_layers=1)
    by_part = count_params(cfg).by_part
    assert by_part["attention"] == 3 * (4 * 8 * 8)  # 2 self-attentions + 1 cross-attention
    # 2 norms per block, 1 more before the cross-attention, a final norm per stack
    assert by_part["norms"] == 2 * (2 * 8) + 8 + 2 * 8
    assert by_part["dense_ffn"] == 2 * (2 * 8 * 16)


def test_encoder_decoder_attention_by_hand():
    cfg = dataclasses.replace(tiny_dense(), n_layers=2, n_cross_attn_layers=1)
    per_key = 2 * 2 * (4 + 4)
    # encoder self-attention: 5 keys; decoder self-attention: 3 on average; cross: 5
    assert flops_per_token(cfg, seq_len=5).attention == per_key * (5 + 3 + 5)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_matmul_weights_are_active_parameters_less_norms_and_router_biases(name):
    cfg = MODELS[name]
    params = count_params(cfg)
    biases = cfg.n_moe_layers * cfg.n_routed_experts * int(cfg.router_bias)
    assert matmul_weights_per_token(cfg) == (params.active_matmul - params.by_part["norms"]
                                             - biases)


def test_training_is_6nd_plus_attention():
    cfg = MODELS["mixtral-8x7b"]
    n, tokens = matmul_weights_per_token(cfg), 1e9
    attention = flops_per_token(cfg, 2048).attention
    assert math.isclose(training_flops(cfg, tokens, 2048), 6 * n * tokens + 3 * attention * tokens)
    long, short = (flops_per_token(cfg, t, causal=False).attention for t in (4096, 2048))
    assert math.isclose(long, 2 * short)


def test_deepseek_v3_gpu_hours_within_2x_of_published():
    # DeepSeek-V3 Technical Report, Table 1: 2.788M H800 GPU-hours in all (2.664M of them
    # for pre-training on 14.8T tokens, the rest context extension and post-training).
    # Stated here: H800 dense bf16 peak 989 TFLOP/s, MFU 0.3, pre-training length 4096.
    published = 2.788e6
    hours = gpu_hours(training_flops(MODELS["deepseek-v3"], 14.8e12, 4096), 989e12, 0.3)
    assert 0.5 < hours / published < 2, hours
    plain_6nd = 6 * 37e9 * 14.8e12  # the 6 N_active D with the published N
    assert 0.5 < gpu_hours(plain_6nd, 989e12, 0.3) / published < 2


def test_gpu_hours_by_hand_and_bad_input():
    assert gpu_hours(3600e12, 1e12, 0.5) == 2.0
    for bad in (dict(mfu=0), dict(mfu=1.5), dict(peak_flops=0), dict(flops=-1.0)):
        kwargs = {**dict(flops=1e15, peak_flops=1e12, mfu=0.5), **bad}
        with pytest.raises(ValueError, match=f"gpu_hours: {next(iter(bad))}"):
            gpu_hours(**kwargs)
    with pytest.raises(ValueError, match="seq_len"):
        flops_per_token(tiny_dense(), 0)
    with pytest.raises(ValueError, match="tokens"):
        training_flops(tiny_dense(), -5, 16)


# ---------------------------------------------------------------- memory and all-to-all

def test_memory_without_sharding_is_a_full_replica():
    cfg = moe()
    total = count_params(cfg).total
    mem = memory_per_device(cfg, dp=4, ep=1, param_bytes=2, grad_bytes=4, optim_bytes=12)
    assert mem["params"] == total
    assert (mem["weights"], mem["gradients"], mem["optimizer"]) == (2 * total, 4 * total,
                                                                      12 * total)
    assert mem["total"] == 18 * total


def test_expert_parallel_memory_by_hand():
    cfg = moe()  # 4 MoE layers of 8 experts, each 3 x 32 x 16
    params = count_params(cfg)
    routed = 4 * 8 * 3 * 32 * 16
    assert params.by_part["routed_experts"] == routed
    mem = memory_per_device(cfg, dp=4, ep=2)
    assert mem["expert_params"] == routed / 2
    assert mem["params"] == params.total - routed + routed / 2
    # ZeRO-1 over dp = 4: replicated state / 4, expert state over its dp / ep = 2 copies
    zero1 = memory_per_device(cfg, dp=4, ep=2, zero=1)
    assert zero1["optimizer"] == 12 * ((params.total - routed) / 4 + routed / 2 / 2)
    assert zero1["weights"] == mem["weights"]


@pytest.mark.parametrize("dp, ep, pp", [(4, 2, 1), (8, 8, 2), (2, 1, 3)])
def test_zero3_stores_every_parameter_once(dp, ep, pp):
    cfg = moe()
    mem = memory_per_device(cfg, dp=dp, ep=ep, pp=pp, zero=3, param_bytes=2)
    assert math.isclose(mem["weights"] * dp * pp, 2 * count_params(cfg).total)


def test_memory_shrinks_with_ep_and_zero():
    cfg = MODELS["deepseek-v3"]
    by_ep = [memory_per_device(cfg, dp=256, ep=ep)["total"] for ep in (1, 8, 64, 256)]
    assert all(a > b for a, b in zip(by_ep, by_ep[1:]))
    by_zero = [memory_per_device(cfg, dp=256, ep=8, zero=z)["total"] for z in range(4)]
    assert all(a > b for a, b in zip(by_zero, by_zero[1:]))


@pytest.mark.parametrize("kwargs, match", [
    (dict(dp=4, ep=3), "ep=3 must divide dp=4"), (dict(dp=16, ep=16), "n_routed_experts=8"),
    (dict(dp=0), "dp"), (dict(dp=2, zero=4), "zero"), (dict(dp=2, param_bytes=-1), "param_bytes"),
])
def test_memory_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=f"memory_per_device: .*{match}"):
        memory_per_device(moe(), **kwargs)


def test_alltoall_by_hand():
    cfg = moe()  # d_model 32, top-2
    assert alltoall_bytes_per_token(cfg, 2, ep=4) == 2 * 2 * 32 * 2 * 3 / 4 == 192
    assert alltoall_bytes_per_token(cfg, 2, ep=1) == 0
    dense = moe(n_routed_experts=0, top_k=0, d_ff_dense=16)
    assert alltoall_bytes_per_token(dense, 2, ep=1) == 0
    with pytest.raises(ValueError, match="ep=3 must divide n_routed_experts=8"):
        alltoall_bytes_per_token(cfg, 2, ep=3)


@pytest.mark.parametrize("n_experts, ep", [(8, 2), (8, 4), (16, 8), (6, 3)])
def test_alltoall_off_rank_fraction_matches_counting(n_experts, ep):
    """Under uniform routing every (source rank, expert) pair is equally likely: count the
    pairs whose expert lives on another rank, with experts in contiguous blocks."""
    owner = np.arange(n_experts) // (n_experts // ep)
    off_rank = np.mean([owner[e] != rank for rank in range(ep) for e in range(n_experts)])
    cfg = moe(n_routed_experts=n_experts, top_k=1)
    per_copy = 2 * cfg.d_model * 4  # dispatch + combine of one copy, fp32
    assert math.isclose(alltoall_bytes_per_token(cfg, 4, ep), per_copy * off_rank)


# ---------------------------------------------------------------- CLI and plot

def test_cli_example_command():
    cmd = [sys.executable, "-m", "tinymoe.scale", "deepseek-v3", "--tokens", "14.8e12",
           "--gpus", "2048", "--mfu", "0.3"]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    for label in ("parameters, total / active", "forward FLOPs per token", "training FLOPs",
                  "GPU-hours", "days on 2048 GPUs", "memory per device", "all-to-all"):
        assert label in out, out
    total, active = map(float, re.search(r"([\d.]+)B / ([\d.]+)B", out).groups())
    assert rel(total, 671) < 0.02 and rel(active, 37) < 0.03
    hours = float(re.search(r"GPU-hours.*?([\d.]+)M", out).group(1)) * 1e6
    assert 0.5 < hours / 2.788e6 < 2
    days = float(re.search(r"days on 2048 GPUs\s+([\d.]+)", out).group(1))
    assert math.isclose(days, hours / 2048 / 24, rel_tol=0.01)


@pytest.mark.parametrize("argv, message", [
    (["gpt-5"], "unknown model 'gpt-5'; known models: deepseek-v3, glam, kimi-k2, "
                "mixtral-8x7b, switch-c"),
    (["glam", "--mfu", "0"], "--mfu must be in (0, 1], got 0.0"),
    (["glam", "--mfu", "1.5"], "--mfu must be in (0, 1], got 1.5"),
    (["glam", "--tokens", "-1"], "--tokens must be a finite number >= 0, got -1.0"),
    (["glam", "--gpus", "0"], "--gpus must be >= 1"),
    (["glam", "--ep", "3"], "ep=3 must divide"),
    ([], "give a model"),
])
def test_cli_bad_input(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_cli_plot(tmp_path, capsys):
    path = tmp_path / "params.png"
    assert main(["--plot", str(path)]) == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(path) in capsys.readouterr().out


def test_plot_points_are_the_counts():
    fig = plot_params()
    ax = fig.axes[0]
    points = ax.collections[0].get_offsets()
    expected = sorted((count_params(c).total / 1e9, count_params(c).active / 1e9)
                      for c in MODELS.values())
    assert np.allclose(sorted(map(tuple, points)), expected)
    assert sorted(t.get_text() for t in ax.texts) == sorted(MODELS)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"

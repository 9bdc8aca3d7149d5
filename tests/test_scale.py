"""tinymoe.scale: parameter counts against published figures and hand-derived small models,
FLOPs, memory, all-to-all traffic, GPU-hours, the CLI and the plot."""

import dataclasses

import pytest

from tinymoe.scale import MODELS, ModelConfig, count_params

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

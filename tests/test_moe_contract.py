"""The MoE layer's contract: aux losses collected by Module.aux_loss() (fit adds them, a
forgotten one warns), routers behind one interface in one registry, no state changed by
forward, MoEConfig validation, the stats summary, and edge inputs."""

import math
import warnings

import numpy as np
import pytest

import tinymoe as tm
from tinymoe import nn
from tinymoe.data import DataLoader, TensorDataset, make_multitask
from tinymoe.moe import ROUTERS, MoEConfig, Router, update_bias
from tinymoe.moe.routers import topk
from tinymoe.nn import functional as F
from tinymoe.nn.moe import AuxLossWarning, MoE
from tinymoe.train import fit

# router -> options exercising its losses
LOSSY = {
    "dense": {"z_loss_coef": 0.1},
    "topk": {"aux_loss_coef": 0.5, "z_loss_coef": 0.1},
    "noisy_topk": {"aux_loss_coef": 0.5},
    "switch": {"aux_loss_coef": 0.5, "capacity_factor": 1.0},
    "expert_choice": {"z_loss_coef": 0.1},
    "deepseek": {"bias_update_rate": 0.01},
}


def _x(rng, n=12, d=4, dtype=np.float32):
    return tm.tensor(rng.standard_normal((n, d)).astype(dtype))


def _net(moe, d_in=5, d_out=2):
    return nn.Sequential(nn.Linear(d_in, moe.d_model), moe, nn.Linear(moe.d_model, d_out))


# ---------------------------------------------------------------- aux losses


def _fit_multitask(aux_loss_coef, seed=0):
    """Linear -> switch MoE -> Linear trained by fit on the multi-task data; the stats of
    one eval forward over the whole training set."""
    tm.manual_seed(seed)
    X, y, _ = make_multitask(600, n_tasks=3, seed=0)
    moe = MoE(16, 32, 4, router="switch", aux_loss_coef=aux_loss_coef)
    model = _net(moe)
    loader = DataLoader(TensorDataset(X, y), batch_size=64, shuffle=True, seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("error", AuxLossWarning)  # fit collects every aux loss
        fit(model, F.cross_entropy, tm.optim.Adam(model.parameters(), lr=0.01), loader, 5,
            progress=False)
    model.eval()
    with tm.no_grad():
        model(tm.tensor(X))
    return moe.stats


def test_fit_adds_the_balancing_loss_and_keeps_the_experts_loaded(record_property):
    balanced = _fit_multitask(aux_loss_coef=0.3)  # seeds 0-2 gave 1.15, 1.13, 1.24
    assert balanced.max_load_ratio <= 1.5, (
        f"fit with aux_loss_coef=0.3 left max_load_ratio {balanced.max_load_ratio:.2f} > 1.5: "
        f"is model.aux_loss() added to the loss? {balanced}")
    assert balanced.dead_experts == 0, balanced
    unbalanced = _fit_multitask(aux_loss_coef=0.0)  # reported, not asserted
    record_property("max_load_ratio_without_balancing", unbalanced.max_load_ratio)
    print(f"with aux_loss_coef=0.3: {balanced}\nwithout: {unbalanced}")


def test_aux_loss_sums_every_moe_layer_and_is_zero_without_one(rng):
    tm.manual_seed(0)
    first, second = MoE(4, 6, 3, **LOSSY["topk"]), MoE(4, 6, 3, **LOSSY["noisy_topk"])
    model = nn.Sequential(first, nn.Linear(4, 4), second)
    assert model.aux_loss().item() == 0.0  # no forward yet
    model(_x(rng))
    parts = [first._aux.item(), second._aux.item()]
    assert all(p > 0 for p in parts)
    total = model.aux_loss()
    assert total.shape == () and total.item() == pytest.approx(sum(parts))
    assert first.aux_loss().item() == pytest.approx(parts[0])  # a bare layer works too
    plain = nn.MLP([4, 3, 2], dtype=np.float64)
    zero = plain.aux_loss()
    assert zero.shape == () and zero.item() == 0.0 and zero.dtype == np.float64


def test_aux_loss_is_the_weighted_balancing_plus_z_loss(rng):
    tm.manual_seed(0)
    moe = MoE(4, 6, 3, router="topk", aux_loss_coef=0.5, z_loss_coef=0.1, dtype=np.float64)
    x = _x(rng, dtype=np.float64)
    moe(x)
    logits = x.data @ moe.router.weight.data.T
    routing = topk(tm.tensor(logits), 2)
    lse = np.log(np.exp(logits).sum(1))
    expected = 0.5 * routing.balance.item() + 0.1 * np.mean(lse**2)
    assert moe.aux_loss().item() == pytest.approx(expected, rel=1e-12)


def test_a_forgotten_aux_loss_warns_once_naming_the_layer(rng):
    tm.manual_seed(0)
    model = _net(MoE(4, 6, 3, router="switch", aux_loss_coef=0.1), d_in=4)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(4):  # a loop that forgets model.aux_loss()
            model(_x(rng)).sum().backward()
    found = [w for w in caught if issubclass(w.category, AuxLossWarning)]
    assert len(found) == 1, [str(w.message) for w in caught]
    message = str(found[0].message)
    assert message.startswith("MoE '1'") and "model.aux_loss()" in message, message


def test_a_bare_layer_is_named_by_its_repr_and_a_collecting_loop_never_warns(rng):
    tm.manual_seed(0)
    moe = MoE(4, 6, 3, aux_loss_coef=0.1)
    with pytest.warns(AuxLossWarning, match=r"MoE\(d_model=4, n_experts=3"):
        moe(_x(rng))
        moe(_x(rng))
    tm.manual_seed(0)
    moe = MoE(4, 6, 3, aux_loss_coef=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", AuxLossWarning)
        for _ in range(3):
            (moe(_x(rng)).sum() + moe.aux_loss()).backward()
        with tm.no_grad():  # forwards without a graph have nothing to collect
            moe(_x(rng))
            moe(_x(rng))
        moe.eval()
        moe(_x(rng))
        moe(_x(rng))
        moe.train()
        no_loss = MoE(4, 6, 3, aux_loss_coef=0.0)  # nothing to forget
        no_loss(_x(rng))
        no_loss(_x(rng))


# ---------------------------------------------------------------- routers and state


def test_every_registered_router_is_a_router_class():
    assert set(ROUTERS) == {"dense", "topk", "noisy_topk", "switch", "expert_choice",
                            "deepseek"}
    for name, cls in ROUTERS.items():
        assert issubclass(cls, Router), name
        layer = MoE(4, 6, 3, router=name)
        assert type(layer.router) is cls
        assert layer.router.weight.shape == (3, 4)


def test_a_new_router_is_one_class_and_one_registry_line(rng, monkeypatch):
    class LastExpert(Router):
        """Every token to the last expert with gate 1 (a toy)."""

        uses_capacity = False

        def route(self, x):
            logits = self.logits(x)
            n = x.shape[0]
            gate = tm.ones(n, dtype=x.dtype)
            return tm.moe.Routing(np.arange(n), np.full(n, self.n_experts - 1), gate,
                                  F.softmax(logits, dim=-1), logits=logits)

    monkeypatch.setitem(ROUTERS, "last", LastExpert)
    moe = MoE(4, 6, 3, router="last")
    x = _x(rng)
    y = moe(x)
    np.testing.assert_array_equal(moe.stats.tokens_per_expert, [0, 0, 12])
    np.testing.assert_allclose(y.data, moe.experts.one(x, 2).data, atol=1e-6)


@pytest.mark.parametrize("router", list(LOSSY))
def test_an_eval_forward_changes_no_state(router, rng):
    tm.manual_seed(0)
    moe = MoE(4, 6, 3, router=router, n_shared=1, **LOSSY[router])
    moe(_x(rng))
    update_bias(moe)
    before = moe.state_dict()
    buffers = {name: np.copy(b) for name, b in moe.named_buffers()}
    moe.eval()
    for _ in range(3):
        moe(_x(rng))
    assert update_bias(moe) == 0  # an eval forward leaves no pending update either
    after = moe.state_dict()
    assert list(after) == list(before)
    for name in before:
        np.testing.assert_array_equal(after[name], before[name], err_msg=name)
    for name, value in moe.named_buffers():
        np.testing.assert_array_equal(value, buffers[name], err_msg=name)


def test_deepseek_bias_moves_only_in_update_bias(rng):
    tm.manual_seed(0)
    model = _net(MoE(4, 6, 4, router="deepseek", bias_update_rate=0.01), d_in=4)
    router = model[1].router
    with tm.no_grad():
        router.weight.data[:, 0] = [3.0, 2.0, 0.0, 0.0]  # skewed towards experts 0, 1
    x = _x(rng, n=32)
    model(x).sum().backward()  # training forward + backward: no update yet
    np.testing.assert_array_equal(router.expert_bias, 0.0)
    load = model[1].stats.load * 32 * 2  # choices per expert of that forward
    assert update_bias(model) == 1
    np.testing.assert_allclose(router.expert_bias, 0.01 * np.sign(load.mean() - load))
    bias = router.expert_bias.copy()
    assert update_bias(model) == 0  # one update per training forward
    np.testing.assert_array_equal(router.expert_bias, bias)


def test_fit_applies_the_deepseek_bias_update(rng):
    tm.manual_seed(0)
    X, y, _ = make_multitask(128, n_tasks=3, seed=0)
    model = _net(MoE(16, 8, 4, router="deepseek", bias_update_rate=0.01))
    loader = DataLoader(TensorDataset(X, y), batch_size=32)
    fit(model, F.cross_entropy, tm.optim.SGD(model.parameters(), lr=0.01), loader, 1,
        progress=False)
    bias = model[1].router.expert_bias
    assert np.abs(bias).sum() > 0, "fit did not call update_bias"
    steps = bias / 0.01  # 4 batches: each expert moved by whole steps of +-gamma
    np.testing.assert_allclose(steps, np.round(steps), atol=1e-3)
    assert np.abs(steps).max() <= 4


# ---------------------------------------------------------------- config


def test_config_and_keywords_build_the_same_layer(rng):
    config = MoEConfig(4, 6, 3, router="noisy_topk", top_k=1, n_shared=1)
    tm.manual_seed(3)
    a = MoE(config)
    tm.manual_seed(3)
    b = MoE(4, 6, 3, router="noisy_topk", top_k=1, n_shared=1)
    assert a.config == b.config and a.top_k == 1
    assert MoE(config=config).config == MoE(d_model=4, d_hidden=6, n_experts=3,
                                            router="noisy_topk", top_k=1, n_shared=1).config
    for (name, va), vb in zip(a.state_dict().items(), b.state_dict().values()):
        np.testing.assert_array_equal(va, vb, err_msg=name)
    with pytest.raises(TypeError, match="either a MoEConfig"):
        MoE(config, 6, 3)


BAD_OPTIONS = [
    ("jitter", 1.0), ("jitter", -0.1), ("aux_loss_coef", -0.01), ("z_loss_coef", -1.0),
    ("capacity_factor", 0.0), ("capacity_factor", math.inf), ("capacity_factor", math.nan),
    ("top_k", 0), ("top_k", 4), ("top_k", 1.5), ("d_model", 0), ("d_hidden", -2),
    ("n_experts", 2.0), ("n_shared", -1), ("bias_update_rate", -1e-3),
    ("bias_update_rate", math.inf), ("router", "top2"), ("activation", "swish"),
    ("dispatch", "fastest"), ("expert", "moe"), ("dtype", np.int64),
]


@pytest.mark.parametrize(("name", "value"), BAD_OPTIONS)
def test_bad_options_name_moe_the_argument_and_the_value(name, value):
    options = {"d_model": 4, "d_hidden": 6, "n_experts": 3, name: value}
    with pytest.raises((ValueError, TypeError)) as info:
        MoEConfig(**options)
    message = str(info.value)
    shown = np.dtype(value).name if name == "dtype" else repr(value)
    assert message.startswith("MoE:") and name in message and shown in message, message


def test_z_loss_needs_a_softmax_router():
    with pytest.raises(ValueError, match="z_loss_coef=0.1 needs a softmax router"):
        MoE(4, 6, 3, router="deepseek", z_loss_coef=0.1)


def test_expert_choice_capacity_rounds_up_like_capacity_py(rng):
    tm.manual_seed(0)
    moe = MoE(4, 6, 4, router="expert_choice", capacity_factor=1.0)
    moe(_x(rng, n=10))  # ceil(1.0 * 10 / 4) = 3 tokens per expert (round() would give 2)
    np.testing.assert_array_equal(moe.stats.tokens_per_expert, [3, 3, 3, 3])


def test_moe_experts_use_the_shared_activation_registry():
    from tinymoe.nn.activation import ACTIVATIONS

    for name, cls in ACTIVATIONS.items():
        assert type(MoE(4, 6, 3, activation=name).experts.act) is cls
        assert type(nn.MLP([2, 3, 1], activation=name)[1]) is cls


# ---------------------------------------------------------------- stats


def test_stats_print_a_short_summary_and_keep_the_gates(rng):
    tm.manual_seed(0)
    moe = MoE(4, 6, 3, router="switch", capacity_factor=1.0)
    moe(_x(rng, n=300))
    text = repr(moe.stats)
    assert str(moe.stats) == text and "\n" not in text and len(text) < 300, text
    for key in ("tokens_per_expert", "max_load_ratio", "dead_experts", "router_entropy",
                "drop_rate", "aux_loss", "z_loss"):
        assert key in text
    assert "gates" not in text and moe.stats.gates.shape == (300, 3)


def test_stats_plot_draws_the_load_and_the_gates(rng):
    from matplotlib.figure import Figure

    tm.manual_seed(0)
    moe = MoE(4, 6, 3, router="topk")
    moe(_x(rng, n=20))
    fig = moe.stats.plot(max_tokens=8)
    assert isinstance(fig, Figure)
    bars = [p.get_height() for p in fig.axes[0].patches]
    np.testing.assert_array_equal(bars, moe.stats.tokens_per_expert)
    np.testing.assert_allclose(fig.axes[1].images[0].get_array(), moe.stats.gates[:8])


# ---------------------------------------------------------------- edge inputs


@pytest.mark.parametrize("router", list(LOSSY))
def test_an_empty_batch_gives_an_empty_output_and_zero_aux_loss_quietly(router):
    tm.manual_seed(0)
    moe = MoE(4, 6, 3, router=router, **LOSSY[router])
    x = tm.tensor(np.zeros((0, 4), np.float32), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = moe(x)
        aux = moe.aux_loss()
        (y.sum() + aux).backward()
        text = repr(moe.stats)
    assert y.shape == (0, 4) and aux.item() == 0.0 and x.grad.shape == (0, 4)
    assert "drop_rate=0" in text


@pytest.mark.parametrize("router", list(LOSSY))
def test_huge_router_logits_give_finite_outputs_and_gradients(router, rng):
    tm.manual_seed(0)
    moe = MoE(4, 6, 3, router=router, dtype=np.float64)
    with tm.no_grad():
        moe.router.weight.data *= 1e6
    x = tm.tensor(rng.standard_normal((16, 4)), requires_grad=True)
    y = moe(x)
    (y.sum() + moe.aux_loss()).backward()
    assert np.isfinite(y.data).all()
    for name, p in [("x", x), *moe.named_parameters()]:
        assert np.isfinite(p.grad).all(), name


def test_deepseek_gates_stay_normalised_when_every_affinity_underflows(rng):
    tm.manual_seed(0)
    moe = MoE(4, 6, 3, router="deepseek", top_k=2, dtype=np.float64)
    x = tm.tensor(np.ones((5, 4)))
    with tm.no_grad():
        moe.router.weight.data[...] = [[-1e3] * 4, [-1e3 - 1] * 4, [-1e3 - 2] * 4]
    moe(x)  # sigmoid(-4000) == 0 in float64 for all three experts
    gates = moe.stats.gates
    np.testing.assert_allclose(gates.sum(axis=1), 1.0)
    # log-space softmax of the chosen log-affinities: exp(-4000) : exp(-4004) = 1 : e^-4
    np.testing.assert_allclose(gates[:, 0] / gates[:, 1], math.exp(4), rtol=1e-9)

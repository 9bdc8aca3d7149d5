"""MoE pictures: each returns a matplotlib Figure with the expected content."""

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.moe import viz
from tinymoe.nn.moe import MoE

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402


def _moe_after_steps(rng, steps=3):
    moe = MoE(2, 4, 3, top_k=1, router="switch")
    history = []
    for _ in range(steps):
        with tm.no_grad():  # routing pictures only: no loss, so no aux loss to collect
            moe(tm.tensor(rng.standard_normal((20, 2)).astype(np.float32)))
        history.append(moe.stats)
    return moe, history


def test_expert_load_plot_stacks_one_band_per_expert(rng):
    _, history = _moe_after_steps(rng)
    fig = viz.plot_expert_load(history)
    assert isinstance(fig, Figure)
    assert len(fig.axes[0].collections) == 3
    with pytest.raises(ValueError, match=r"\(steps, E\)"):
        viz.plot_expert_load([1.0, 2.0])


def test_routing_heatmap_shows_the_gates(rng):
    moe, _ = _moe_after_steps(rng, 1)
    fig = viz.plot_routing_heatmap(moe.stats.gates, max_tokens=10)
    image = fig.axes[0].images[0].get_array()
    np.testing.assert_allclose(image, moe.stats.gates[:10])


def test_expert_regions_colour_each_point_by_its_top_expert(rng):
    moe, _ = _moe_after_steps(rng, 1)
    moe.train()
    fig = viz.plot_expert_regions(moe, resolution=20, points=rng.standard_normal((5, 2)))
    assert isinstance(fig, Figure)
    assert moe.training  # the mode is restored
    assert moe.stats.gates.shape == (400, 3)

"""Pictures of what a router does; each function returns a matplotlib ``Figure``.

- ``plot_expert_load``: each expert's share of the routed tokens over training
  (a stacked area: balanced routing is E equal bands, collapse is one band taking over).
- ``plot_routing_heatmap``: tokens x experts, the combine weight each token gives each
  expert (``MoEStats.gates``).
- ``plot_expert_regions``: for 2-D inputs, which expert each point of the plane is sent
  to (its largest gate), over a grid.
- ``plot_stats``: one forward's ``MoEStats`` (``moe.stats.plot()``): tokens per expert
  beside the routing heatmap.
"""

import numpy as np

from tinymoe.autograd import no_grad
from tinymoe.tensor import tensor


def _figure(figsize):
    """A Figure with one Axes, closed in pyplot at once (see ``tinymoe.viz.new_figure``)."""
    from tinymoe.viz import new_figure

    fig = new_figure(figsize=figsize)
    return fig, fig.subplots()


def plot_expert_load(history, ax_title: str = "expert load over training"):
    """``history``: a sequence of ``MoEStats`` (one per step) or an array (steps, E) of
    load fractions f_i."""
    loads = np.array([getattr(h, "load", h) for h in history], dtype=float)  # (steps, E)
    if loads.ndim != 2:
        raise ValueError(f"plot_expert_load: expected (steps, E) loads, got shape {loads.shape}")
    fig, ax = _figure((7, 3.5))
    steps = np.arange(len(loads))
    ax.stackplot(steps, loads.T, labels=[f"expert {i}" for i in range(loads.shape[1])])
    ax.set(xlabel="step", ylabel="fraction of routed tokens", ylim=(0, 1), title=ax_title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
    return fig


def plot_routing_heatmap(gates, max_tokens: int = 64, title: str = "routing: tokens x experts"):
    """``gates`` (T, E) (e.g. ``moe.stats.gates``): the first ``max_tokens`` rows as an image."""
    gates = np.asarray(gates, dtype=float)
    if gates.ndim != 2:
        raise ValueError(f"plot_routing_heatmap: expected gates (T, E), got shape {gates.shape}")
    fig, ax = _figure((4, 6))
    _heatmap(fig, ax, gates[:max_tokens], title)
    return fig


def _heatmap(fig, ax, gates: np.ndarray, title: str) -> None:
    image = ax.imshow(gates, aspect="auto", cmap="viridis", vmin=0, interpolation="nearest")
    ax.set(xlabel="expert", ylabel="token", title=title)
    ax.set_xticks(range(gates.shape[1]))
    fig.colorbar(image, ax=ax, label="gate")


def plot_stats(stats, max_tokens: int = 64):
    """``stats`` (a ``MoEStats``): tokens per expert as bars with their mean as a dashed
    line (left; dead experts are the empty slots) and the gates of the first
    ``max_tokens`` tokens (right); the title carries the summary numbers."""
    from tinymoe.viz import new_figure

    counts = np.asarray(stats.tokens_per_expert)
    fig = new_figure(figsize=(9, 4))
    bars, heat = fig.subplots(1, 2, gridspec_kw={"width_ratios": (3, 2)})
    bars.bar(np.arange(len(counts)), counts, color="tab:blue")
    bars.axhline(counts.mean(), color="black", linestyle="--", label="mean")
    bars.set(xlabel="expert", ylabel="tokens processed", xticks=range(len(counts)),
             title="tokens per expert")
    bars.legend()
    _heatmap(fig, heat, np.asarray(stats.gates, dtype=float)[:max_tokens], "gates")
    fig.suptitle(f"max load ratio {stats.max_load_ratio:.2f}, dead experts "
                 f"{stats.dead_experts}, entropy {stats.router_entropy:.2f} nats, "
                 f"drop rate {stats.drop_rate:.2f}")
    return fig


def plot_expert_regions(moe, xlim=(-3, 3), ylim=(-3, 3), resolution: int = 150, embed=None,
                        points=None, title: str = "which expert owns which region"):
    """Route a grid over ``xlim`` x ``ylim`` through ``moe`` (eval mode, no graph) and colour
    each point by its top expert. ``embed`` maps the (N, 2) grid to the layer's input
    (default: the points themselves, for ``d_model == 2``); ``points`` (n, 2) overlays data."""
    xs, ys = np.linspace(*xlim, resolution), np.linspace(*ylim, resolution)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2).astype(moe.dtype)
    inputs = tensor(grid) if embed is None else embed(grid)
    was_training = moe.training
    moe.eval()
    with no_grad():
        moe(inputs)
    moe.train(was_training)
    owner = moe.stats.gates.argmax(axis=1).reshape(resolution, resolution)
    fig, ax = _figure((5, 4.5))
    levels = np.arange(moe.n_experts + 1) - 0.5
    image = ax.contourf(xs, ys, owner, levels=levels, cmap="tab10", alpha=0.6)
    if points is not None:
        points = np.asarray(points)
        ax.scatter(points[:, 0], points[:, 1], s=4, color="black")
    fig.colorbar(image, ax=ax, ticks=range(moe.n_experts), label="top expert")
    ax.set(xlabel="x0", ylabel="x1", title=title)
    return fig

"""Total against active parameters of the shipped models (matplotlib, no display needed)."""

from matplotlib.figure import Figure

from tinymoe.scale.config import MODELS
from tinymoe.scale.params import count_params


def plot_params(models: dict | None = None, path=None) -> Figure:
    """Scatter of total vs active parameters (log-log, billions) of ``models`` (name ->
    ``ModelConfig``; default: ``MODELS``), with the line active = total on which every dense
    model lies. Saves to ``path`` when given; returns the ``Figure``."""
    models = MODELS if models is None else models
    fig = Figure(figsize=(6, 4.5))
    ax = fig.add_subplot()
    counts = {name: count_params(cfg) for name, cfg in models.items()}
    totals = [p.total / 1e9 for p in counts.values()]
    actives = [p.active / 1e9 for p in counts.values()]
    ax.scatter(totals, actives, color="tab:blue", zorder=3)
    by_total = sorted(zip(totals, actives, counts))
    for i, (x, y, name) in enumerate(by_total):  # labels alternate above/below: neighbours
        ax.annotate(name, (x, y), textcoords="offset points", fontsize=8,
                    xytext=(6, 4 if i % 2 == 0 else -11))
    low, high = min(actives) / 2, max(totals) * 2
    ax.plot([low, high], [low, high], color="gray", linestyle="--", label="dense: active = total")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("total parameters (billions)")
    ax.set_ylabel("active parameters per token (billions)")
    ax.set_title("MoE: total parameters grow, compute follows the active ones")
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig

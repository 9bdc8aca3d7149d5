"""Figures for the lessons, with matplotlib only. Every function returns the ``Figure`` (it
never calls ``plt.show``; a notebook displays the returned figure)."""

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from tinymoe.autograd import no_grad
from tinymoe.tensor import Tensor

HISTOGRAM_KINDS = ("activations", "weights", "gradients")


def new_figure(**kwargs) -> Figure:
    """A Figure made by pyplot (so a notebook's inline backend knows how to display it) but
    closed there at once: pyplot does not keep it, nor show it a second time."""
    fig = plt.figure(layout="constrained", **kwargs)
    plt.close(fig)
    return fig


def plot_history(history) -> Figure:
    """Loss curves (train and validation) in the first axes, then one axes per metric with
    its train and ``val_`` curves, from a ``tinymoe.train.History``; x is the epoch (1..E)."""
    names = dict.fromkeys(n.removeprefix("val_") for n in history.metrics)
    panels = [("loss", history.train_loss, history.val_loss)] + [
        (n, history.metrics.get(n, []), history.metrics.get(f"val_{n}", [])) for n in names]
    fig = new_figure(figsize=(4.5 * len(panels), 3.5))
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (title, train, val) in zip(axes, panels):
        for label, values in (("train", train), ("validation", val)):
            if values:
                ax.plot(np.arange(1, len(values) + 1), values, marker=".", label=label)
        ax.set(title=title, xlabel="epoch")
        ax.legend()
    return fig


def _array(x) -> np.ndarray:
    return np.asarray(x.data if isinstance(x, Tensor) else x)


def _input_dtype(model) -> np.dtype:
    """The float dtype ``model`` expects (its parameters'; float32 for other callables)."""
    return getattr(model, "float_dtype", lambda: np.dtype(np.float32))()


def _predict_labels(model_or_fn, points: np.ndarray, threshold: float) -> np.ndarray:
    """Class labels for ``points`` (M, 2): integer outputs are labels, (M, C>1) scores take
    the argmax, one score per point is compared with ``threshold``."""
    if hasattr(model_or_fn, "eval") and hasattr(model_or_fn, "training"):
        was_training = model_or_fn.training
        model_or_fn.eval()
        try:
            with no_grad():
                out = model_or_fn(Tensor(points.astype(_input_dtype(model_or_fn))))
        finally:
            model_or_fn.train(was_training)
    else:
        out = model_or_fn(points)
    out = _array(out)
    if np.issubdtype(out.dtype, np.integer) or out.dtype == bool:
        return out.reshape(len(points)).astype(np.int64)
    if out.ndim == 2 and out.shape[1] > 1:
        return out.argmax(axis=1)
    return (out.reshape(len(points)) > threshold).astype(np.int64)


def plot_decision_boundary(model_or_fn, X, y, resolution: int = 200, threshold: float = 0.0,
                           margin: float = 0.5) -> Figure:
    """Predicted class regions of a 2-D classifier (an image) under the points ``X`` (N, 2)
    coloured by their labels ``y`` (N,). ``model_or_fn`` is a Module (run in eval mode without
    a graph) or a function of an (M, 2) array; see ``_predict_labels`` for its outputs
    (``threshold`` applies to a single logit per point)."""
    X, y = _array(X), _array(y)
    if X.ndim != 2 or X.shape[1] != 2 or len(y) != len(X):
        raise ValueError(f"plot_decision_boundary: X must be (N, 2) with y (N,), got X "
                         f"{X.shape} and y {y.shape}")
    (x0, y0), (x1, y1) = X.min(axis=0) - margin, X.max(axis=0) + margin
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    labels = _predict_labels(model_or_fn, np.column_stack([gx.ravel(), gy.ravel()]), threshold)
    classes = int(max(labels.max(), y.max())) + 1
    fig = new_figure(figsize=(5, 4.5))
    ax = fig.subplots()
    ax.imshow(labels.reshape(gx.shape), origin="lower", extent=(x0, x1, y0, y1), aspect="auto",
              cmap="tab10", vmin=0, vmax=9, alpha=0.3, interpolation="nearest")
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="tab10", vmin=0, vmax=9, s=12, edgecolors="k",
               linewidths=0.3)
    ax.set(title=f"decision regions ({classes} classes)", xlabel="$x_1$", ylabel="$x_2$")
    return fig


def plot_confusion_matrix(cm, class_names=None, normalize: bool = False) -> Figure:
    """Heatmap of a ``(C, C)`` confusion matrix (rows: true class, columns: predicted) with
    each cell's count written in it; ``normalize`` divides each row by its total."""
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"plot_confusion_matrix: expected a square (C, C) matrix, got "
                         f"{cm.shape}")
    names = [str(i) for i in range(len(cm))] if class_names is None else list(class_names)
    if len(names) != len(cm):
        raise ValueError(f"plot_confusion_matrix: {len(names)} class_names for a "
                         f"{cm.shape} matrix")
    values = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1) if normalize else cm
    fig = new_figure(figsize=(1.0 + 0.6 * len(cm), 0.6 + 0.6 * len(cm)))
    ax = fig.subplots()
    image = ax.imshow(values, cmap="Blues")
    fig.colorbar(image, ax=ax)
    middle = (values.max() + values.min()) / 2
    for (i, j), v in np.ndenumerate(values):
        ax.text(j, i, f"{v:.2f}" if normalize else f"{v}", ha="center", va="center",
                color="white" if v > middle else "black", fontsize=8)
    ax.set(xticks=range(len(cm)), yticks=range(len(cm)), xticklabels=names, yticklabels=names,
           xlabel="predicted", ylabel="true", title="confusion matrix")
    return fig


def _layer_values(model, x, kind: str) -> list[tuple[str, np.ndarray]]:
    """``(title, values)`` per layer: each child's output for ``activations``; each weight
    matrix (or its ``.grad``) for ``weights``/``gradients``."""
    if kind == "activations":
        if x is None or not hasattr(model, "__iter__"):
            raise TypeError("plot_layer_histograms(kind='activations') needs a Sequential "
                            "(or MLP) model and an input batch x")
        out = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=_input_dtype(model)))
        found = []
        with no_grad():
            for i, layer in enumerate(model):
                out = layer(out)
                found.append((f"{i}: {type(layer).__name__}", out.data))
        return found
    weights = [(n, p) for n, p in model.named_parameters() if p.data.ndim >= 2]
    if kind == "weights":
        return [(n, p.data) for n, p in weights]
    missing = [n for n, p in weights if p.grad is None]
    if missing:
        raise ValueError(f"plot_layer_histograms(kind='gradients'): no .grad on {missing}; "
                         f"run loss.backward() first")
    return [(f"{n}.grad", p.grad) for n, p in weights]


def plot_layer_histograms(model, x=None, kind: str = "activations", bins: int = 50) -> Figure:
    """One histogram per layer, titled with the values' mean and standard deviation (the
    initialisation lesson: do activations saturate, vanish or explode with depth?).
    ``activations``: run ``x`` through the layers of a Sequential one by one and plot each
    layer's output. ``weights``/``gradients``: every weight matrix, or its ``.grad``."""
    if kind not in HISTOGRAM_KINDS:
        raise ValueError(f"plot_layer_histograms: kind must be one of {HISTOGRAM_KINDS}, "
                         f"got {kind!r}")
    layers = _layer_values(model, x, kind)
    if not layers:
        raise ValueError(f"plot_layer_histograms: the model has no layers to show ({kind})")
    cols = min(4, len(layers))
    rows = math.ceil(len(layers) / cols)
    fig = new_figure(figsize=(3.2 * cols, 2.6 * rows))
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, (title, values) in zip(axes, layers):
        values = np.asarray(values, dtype=np.float64).ravel()
        ax.hist(values, bins=bins)
        ax.set_title(f"{title}\nmean {values.mean():+.3f}  std {values.std():.3f}", fontsize=9)
    for ax in axes[len(layers):]:
        fig.delaxes(ax)
    fig.suptitle(kind)
    return fig


def _graph(root: Tensor):
    """The tensors reachable from ``root`` through ``_ctx.inputs``, each with its depth
    (leaves 0, an op's output one more than its deepest input), and the edges
    ``(input, output, op name)``."""
    nodes, edges, stack = {id(root): root}, [], [root]
    while stack:
        node = stack.pop()
        ctx = node._ctx
        for parent in ctx.inputs if ctx is not None else ():
            if isinstance(parent, Tensor):
                edges.append((id(parent), id(node), ctx.function.__name__.lstrip("_")))
                if id(parent) not in nodes:
                    nodes[id(parent)] = parent
                    stack.append(parent)
    depth = {}
    for key in _topological(nodes, edges):
        depth[key] = max((depth[a] + 1 for a, b, _ in edges if b == key), default=0)
    return nodes, depth, edges


def _topological(nodes: dict, edges: list) -> list:
    """Node ids, inputs before outputs (Kahn's algorithm)."""
    pending = {key: 0 for key in nodes}
    for _, b, _ in edges:
        pending[b] += 1
    ready, order = [key for key, n in pending.items() if n == 0], []
    while ready:
        key = ready.pop()
        order.append(key)
        for a, b, _ in edges:
            if a == key:
                pending[b] -= 1
                if pending[b] == 0:
                    ready.append(b)
    return order


def draw_graph(tensor: Tensor, names: dict | None = None) -> Figure:
    """The computation graph that produced ``tensor``: one box per tensor with its shape
    (and its name from ``names``, a dict name -> Tensor), one arrow per (input, op) labelled
    with the op; columns by depth, leaves on the left. For small expressions."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"draw_graph: expected a Tensor, got {type(tensor).__name__}")
    label_of = {id(t): name for name, t in (names or {}).items()}
    nodes, depth, edges = _graph(tensor)
    columns: dict[int, list] = {}
    for key in nodes:
        columns.setdefault(depth[key], []).append(key)
    pos = {key: (d, i - (len(col) - 1) / 2) for d, col in columns.items()
           for i, key in enumerate(col)}
    tall = max(len(col) for col in columns.values())
    fig = new_figure(figsize=(2.2 * (len(columns) + 0.5), 1.2 * tall + 1))
    ax = fig.subplots()
    for a, b, op in edges:
        (xa, ya), (xb, yb) = pos[a], pos[b]
        ax.add_patch(FancyArrowPatch((xa, ya), (xb, yb), arrowstyle="-|>", mutation_scale=12,
                                     shrinkA=28, shrinkB=28, color="0.4", gid="edge"))
        ax.text((xa + xb) / 2, (ya + yb) / 2, op, fontsize=8, ha="center", va="bottom",
                color="tab:blue", gid="edge-label")
    for key, t in nodes.items():
        x, y = pos[key]
        kind = "leaf" if t._ctx is None else ""
        text = " ".join(filter(None, [label_of.get(key), kind])) + f"\n{tuple(t.shape)}"
        ax.text(x, y, text.strip(), ha="center", va="center", fontsize=9, gid="node",
                bbox=dict(boxstyle="round", facecolor="lightyellow" if kind else "white",
                          edgecolor="0.3"))
    ax.set(xlim=(-0.6, len(columns) - 0.4), ylim=(-tall / 2 - 0.2, tall / 2 + 0.2))
    ax.set_axis_off()
    return fig

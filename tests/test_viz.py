"""tinymoe.viz: each function returns a Figure with the expected axes and artists (Agg, set
by conftest's MPLBACKEND)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

import tinymoe as tm
from tinymoe import viz
from tinymoe.train import History


def bar_total(ax) -> float:
    return sum(patch.get_height() for patch in ax.patches)


def std_in_title(ax) -> float:
    return float(ax.get_title().split("std ")[1])


def test_plot_history_axes_and_lines():
    history = History(train_loss=[1.0, 0.6, 0.4], val_loss=[1.1, 0.8, 0.7],
                      metrics={"accuracy": [0.5, 0.7, 0.8], "val_accuracy": [0.4, 0.6, 0.7]})
    open_before = plt.get_fignums()
    fig = viz.plot_history(history)
    assert isinstance(fig, Figure) and plt.get_fignums() == open_before  # pyplot keeps nothing
    loss_ax, acc_ax = fig.axes
    assert [line.get_ydata().tolist() for line in loss_ax.lines] == [history.train_loss,
                                                                     history.val_loss]
    np.testing.assert_array_equal(loss_ax.lines[0].get_xdata(), [1, 2, 3])
    assert acc_ax.get_title() == "accuracy"
    assert acc_ax.lines[1].get_ydata().tolist() == history.metrics["val_accuracy"]
    only_train = viz.plot_history(History(train_loss=[2.0, 1.0]))
    assert len(only_train.axes) == 1 and len(only_train.axes[0].lines) == 1


def test_decision_boundary_of_a_function():
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, size=(40, 2))
    y = (X[:, 0] > 0).astype(np.int64)
    fig = viz.plot_decision_boundary(lambda p: (p[:, 0] > 0).astype(np.int64), X, y,
                                     resolution=50)
    (ax,) = fig.axes
    image = ax.images[0]
    regions = np.asarray(image.get_array())
    x0, x1, _, _ = image.get_extent()
    xs = np.linspace(x0, x1, 50)
    assert regions.shape == (50, 50) and image.origin == "lower"  # row 0 is the smallest y
    np.testing.assert_array_equal(regions, np.broadcast_to(xs > 0, (50, 50)))
    np.testing.assert_allclose(ax.collections[0].get_offsets(), X)


def test_decision_boundary_of_models():
    tm.manual_seed(0)
    X = np.random.default_rng(1).standard_normal((30, 2)).astype(np.float32)
    y = np.arange(30) % 3
    model = tm.nn.MLP([2, 8, 3])
    fig = viz.plot_decision_boundary(model, X, y, resolution=20)
    image = fig.axes[0].images[0]
    x0, x1, y0, y1 = image.get_extent()
    gx, gy = np.meshgrid(np.linspace(x0, x1, 20), np.linspace(y0, y1, 20))
    expected = model(tm.tensor(np.column_stack([gx.ravel(), gy.ravel()]).astype(np.float32)))
    np.testing.assert_array_equal(np.asarray(image.get_array()).ravel(),
                                  expected.data.argmax(1))
    assert model.training  # mode restored
    logit_model = tm.nn.Linear(2, 1)
    fig = viz.plot_decision_boundary(logit_model, X, y % 2, resolution=20)
    image = fig.axes[0].images[0]
    w, b = logit_model.weight.data[0], logit_model.bias.data[0]
    x0, x1, y0, y1 = image.get_extent()
    gx, gy = np.meshgrid(np.linspace(x0, x1, 20), np.linspace(y0, y1, 20))
    np.testing.assert_array_equal(np.asarray(image.get_array()),
                                  (w[0] * gx + w[1] * gy + b > 0).astype(int))
    with pytest.raises(ValueError, match=r"X must be \(N, 2\).*\(30, 3\)"):
        viz.plot_decision_boundary(model, np.zeros((30, 3)), y)


def test_confusion_matrix_heatmap():
    cm = np.array([[5, 1, 0], [2, 7, 1], [0, 0, 9]])
    fig = viz.plot_confusion_matrix(cm, class_names=["cat", "dog", "fox"])
    ax = fig.axes[0]
    np.testing.assert_array_equal(ax.images[0].get_array(), cm)
    assert sorted(int(t.get_text()) for t in ax.texts) == sorted(cm.ravel().tolist())
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat", "dog", "fox"]
    assert len(fig.axes) == 2  # heatmap + colorbar
    normalized = np.asarray(viz.plot_confusion_matrix(cm, normalize=True).axes[0].images[0]
                            .get_array())
    np.testing.assert_allclose(normalized.sum(axis=1), 1.0)
    with pytest.raises(ValueError, match=r"square.*\(2, 3\)"):
        viz.plot_confusion_matrix(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="2 class_names"):
        viz.plot_confusion_matrix(cm, class_names=["a", "b"])


def test_model_figures_feed_inputs_in_the_models_dtype():
    """Layers reject inputs of another dtype, so the figures cast the grid and the
    activation batch to the model's parameter dtype (float64 here, float32 by default)."""
    tm.manual_seed(0)
    model = tm.nn.MLP([2, 8, 3], dtype=np.float64)
    X = np.random.default_rng(1).standard_normal((30, 2)).astype(np.float32)
    fig = viz.plot_decision_boundary(model, X, np.arange(30) % 3, resolution=10)
    assert np.asarray(fig.axes[0].images[0].get_array()).shape == (10, 10)
    fig = viz.plot_layer_histograms(model, X, kind="activations")
    assert len(fig.axes) == len(model)


def test_layer_histograms_of_activations_match_a_numpy_forward():
    tm.manual_seed(0)
    model = tm.nn.MLP([4, 16, 16, 3], activation="tanh")
    x = np.random.default_rng(0).standard_normal((32, 4)).astype(np.float32)
    fig = viz.plot_layer_histograms(model, x, kind="activations")
    assert len(fig.axes) == len(model) == 5
    h, expected = x.astype(np.float64), []
    for layer in model:
        if isinstance(layer, tm.nn.Linear):
            h = h @ layer.weight.data.T.astype(np.float64) + layer.bias.data
        else:
            h = np.tanh(h)
        expected.append(h)
    for ax, values, layer in zip(fig.axes, expected, model):
        assert bar_total(ax) == values.size
        assert std_in_title(ax) == pytest.approx(values.std(), abs=1e-3)
        assert type(layer).__name__ in ax.get_title()


def test_layer_histograms_of_weights_and_gradients():
    tm.manual_seed(0)
    model = tm.nn.MLP([5, 7, 2])
    fig = viz.plot_layer_histograms(model, kind="weights")
    weights = [model[0].weight.data, model[2].weight.data]
    assert len(fig.axes) == 2
    for ax, w in zip(fig.axes, weights):
        assert bar_total(ax) == w.size
        assert std_in_title(ax) == pytest.approx(w.std(), abs=1e-3)
    with pytest.raises(ValueError, match="backward"):
        viz.plot_layer_histograms(model, kind="gradients")
    model(tm.randn(4, 5)).sum().backward()
    fig = viz.plot_layer_histograms(model, kind="gradients")
    for ax, layer in zip(fig.axes, (model[0], model[2])):
        assert std_in_title(ax) == pytest.approx(layer.weight.grad.std(), abs=1e-3)
        assert ".grad" in ax.get_title()
    with pytest.raises(ValueError, match="kind must be one of"):
        viz.plot_layer_histograms(model, kind="biases")
    with pytest.raises(TypeError, match="Sequential"):
        viz.plot_layer_histograms(model, kind="activations")


def test_draw_graph_nodes_edges_and_depths():
    a = tm.randn(2, 3, requires_grad=True)
    b = tm.randn(2, 3, requires_grad=True)
    loss = (a * b + a).sum()
    fig = viz.draw_graph(loss, names={"a": a, "b": b, "loss": loss})
    ax = fig.axes[0]
    nodes = [t for t in ax.texts if t.get_gid() == "node"]
    labels = sorted(t.get_text() for t in ax.texts if t.get_gid() == "edge-label")
    arrows = [p for p in ax.patches if p.get_gid() == "edge"]
    assert len(nodes) == 5  # a, b, a*b, a*b + a, loss
    assert labels == ["Add", "Add", "Mul", "Mul", "Sum"]  # one edge per (input, op)
    assert len(arrows) == 5
    by_text = {t.get_text(): t.get_position() for t in nodes}
    assert by_text["a leaf\n(2, 3)"][0] == by_text["b leaf\n(2, 3)"][0] == 0  # leaves at depth 0
    assert by_text["loss\n()"][0] == 3  # Mul -> Add -> Sum
    with pytest.raises(TypeError, match="draw_graph: expected a Tensor"):
        viz.draw_graph(np.zeros(3))

"""tinymoe.train: fit does exactly the textbook loop, History, evaluate, callbacks, progress."""

import copy
import io

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.data import DataLoader, TensorDataset, make_blobs
from tinymoe.nn import functional as F
from tinymoe.train import Callback, EarlyStopping, History, evaluate, fit


def blobs(n=96, seed=0):
    X, y = make_blobs(n, centers=3, seed=seed)
    return X.astype(np.float32), y.astype(np.int64)


def loader(X, y, batch_size=16, shuffle=False, seed=None):
    return DataLoader(TensorDataset(X, y), batch_size=batch_size, shuffle=shuffle, seed=seed)


def make_model(seed=0, dropout=0.0):
    tm.manual_seed(seed)
    return tm.nn.MLP([2, 16, 3], dropout=dropout)


class Spy(tm.nn.Module):
    """Wraps a model and records (training, grad enabled) at every call."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner
        self.calls = []

    def forward(self, x):
        self.calls.append((self.training, tm.is_grad_enabled()))
        return self.inner(x)


def test_fit_matches_a_hand_written_loop():
    X, y = blobs()
    model_a, model_b = make_model(), make_model()
    opt_a = tm.optim.Adam(model_a.parameters(), lr=0.01)
    opt_b = tm.optim.Adam(model_b.parameters(), lr=0.01)
    history = fit(model_a, F.cross_entropy, opt_a, loader(X, y, 20, True, seed=3), 3,
                  progress=False)
    epoch_losses = []
    hand_loader = loader(X, y, 20, True, seed=3)
    for _ in range(3):
        total = 0.0
        for xb, yb in hand_loader:
            opt_b.zero_grad()
            loss = F.cross_entropy(model_b(xb), yb)
            loss.backward()
            opt_b.step()
            total += loss.item() * len(yb.data)
        epoch_losses.append(total / len(X))
    np.testing.assert_allclose(history.train_loss, epoch_losses, rtol=1e-12)
    for (name, pa), pb in zip(model_a.named_parameters(), model_b.parameters()):
        np.testing.assert_array_equal(pa.data, pb.data, err_msg=name)


def test_fit_learns_and_records_every_epoch():
    X, y = blobs()
    model = make_model()
    opt = tm.optim.Adam(model.parameters(), lr=0.05)
    history = fit(model, F.cross_entropy, opt, loader(X, y), 8, val_loader=loader(X, y),
                  metrics=["accuracy"], progress=False)
    assert len(history) == 8
    assert set(history.metrics) == {"accuracy", "val_accuracy"}
    for series in (history.val_loss, history.lr, history.epoch_time, *history.metrics.values()):
        assert len(series) == 8
    assert history.train_loss[-1] < 0.5 * history.train_loss[0]
    assert history.metrics["val_accuracy"][-1] > 0.9


def test_validation_numbers_are_those_of_the_final_model():
    X, y = blobs()
    Xv, yv = blobs(50, seed=1)
    model = make_model()
    opt = tm.optim.SGD(model.parameters(), lr=0.1)
    history = fit(model, F.cross_entropy, opt, loader(X, y), 2, val_loader=loader(Xv, yv, 7),
                  metrics={"acc": "accuracy",
                           "mean_max_logit": lambda t, logits: float(logits.max(1).mean())},
                  progress=False)
    logits = model(tm.tensor(Xv)).data
    loss = F.cross_entropy(tm.tensor(logits), yv).item()
    assert history.val_loss[-1] == pytest.approx(loss, rel=1e-5)
    assert history.metrics["val_acc"][-1] == pytest.approx(np.mean(logits.argmax(1) == yv))
    assert history.metrics["val_mean_max_logit"][-1] == pytest.approx(logits.max(1).mean(),
                                                                       rel=1e-5)


def test_modes_train_then_eval_without_graph():
    X, y = blobs(32)
    spy = Spy(make_model())
    spy.eval()
    opt = tm.optim.SGD(spy.parameters(), lr=0.1)
    fit(spy, F.cross_entropy, opt, loader(X, y, 16), 1, val_loader=loader(X, y, 32),
        progress=False)
    assert spy.calls == [(True, True), (True, True), (False, False)]
    assert spy.training  # fit leaves the model in training mode
    spy.calls.clear()
    result = evaluate(spy, loader(X, y, 32), F.cross_entropy, ["accuracy"])
    assert spy.calls == [(False, False)] and spy.training  # evaluate restores the mode
    assert set(result) == {"loss", "accuracy"}


def test_scheduler_steps_once_per_epoch():
    X, y = blobs(32)
    model = make_model()
    opt = tm.optim.SGD(model.parameters(), lr=0.1)
    sched = tm.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    history = fit(model, F.cross_entropy, opt, loader(X, y), 5, scheduler=sched, progress=False)
    np.testing.assert_allclose(history.lr, [0.1, 0.1, 0.05, 0.05, 0.025])


def test_callback_stops_training_and_sees_the_history():
    X, y = blobs(32)
    seen = []

    class StopAtTwo(Callback):
        def on_epoch_end(self, epoch, history, model):
            seen.append((epoch, len(history.train_loss)))
            return epoch == 1

        def on_train_end(self, history, model):
            seen.append("end")

    model = make_model()
    history = fit(model, F.cross_entropy, tm.optim.SGD(model.parameters(), lr=0.1),
                  loader(X, y), 10, callbacks=[StopAtTwo()], progress=False)
    assert len(history) == 2
    assert seen == [(0, 1), (1, 2), "end"]


def run_early_stopping(values, **kwargs):
    """Feed ``values`` as val_loss to EarlyStopping; the model's weight is set to the epoch
    number before each call. Returns (epochs run, callback, final weight)."""
    stopper = EarlyStopping(**kwargs)
    model = tm.nn.Linear(1, 1)
    history = History()
    for epoch, value in enumerate(values):
        history.val_loss.append(value)
        model.weight.data[...] = epoch
        if stopper.on_epoch_end(epoch, history, model):
            break
    stopper.on_train_end(history, model)
    return epoch + 1, stopper, model.weight.data.item()


def test_early_stopping_patience_and_restore_best():
    epochs, stopper, weight = run_early_stopping([5, 3, 4, 4, 2, 9], patience=2)
    assert (epochs, stopper.best_epoch, stopper.stopped_epoch, weight) == (4, 1, 3, 1.0)
    epochs, stopper, weight = run_early_stopping([5, 3, 4, 2.5, 9, 9], patience=2)
    assert (epochs, stopper.best_epoch, weight) == (6, 3, 3.0)


def test_early_stopping_min_delta_mode_and_no_restore():
    # improvements of 0.05 do not count with min_delta=0.1
    epochs, stopper, weight = run_early_stopping([1.0, 0.95, 0.9, 0.85], patience=2,
                                                 min_delta=0.1, restore_best=False)
    assert (epochs, stopper.best_epoch, weight) == (3, 0, 2.0)
    stopper = EarlyStopping(monitor="val_accuracy", patience=1)  # auto mode: maximise
    history = History(metrics={"val_accuracy": []})
    model = tm.nn.Linear(1, 1)
    stops = []
    for epoch, acc in enumerate([0.5, 0.7, 0.6]):
        history.metrics["val_accuracy"].append(acc)
        stops.append(stopper.on_epoch_end(epoch, history, model))
    assert stops == [False, False, True] and stopper.best_epoch == 1


def test_early_stopping_inside_fit():
    X, y = blobs(48)
    model = make_model()
    opt = tm.optim.SGD(model.parameters(), lr=0.0)  # nothing changes: no improvement
    stopper = EarlyStopping(patience=3)
    history = fit(model, F.cross_entropy, opt, loader(X, y), 50, val_loader=loader(X, y),
                  callbacks=[stopper], progress=False)
    assert len(history) == 4 and stopper.best_epoch == 0


def test_history_best_and_series():
    history = History(train_loss=[3.0, 1.0, 2.0], val_loss=[4.0, 2.0, 1.5],
                      metrics={"val_accuracy": [0.2, 0.9, 0.8]})
    assert history.best() == (2, 1.5)
    assert history.best("train_loss") == (1, 1.0)
    assert history.best("val_accuracy") == (1, 0.9)
    assert history.best("val_accuracy", mode="min") == (0, 0.2)
    with pytest.raises(KeyError, match="'val_f1'.*recorded.*train_loss"):
        history.series("val_f1")
    with pytest.raises(ValueError, match="mode"):
        history.best(mode="lowest")


def test_bad_arguments_have_clear_errors():
    X, y = blobs(16)
    model = make_model()
    opt = tm.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="epochs"):
        fit(model, F.cross_entropy, opt, loader(X, y), -1, progress=False)
    with pytest.raises(ValueError, match="unknown metric.*'acuracy'"):
        fit(model, F.cross_entropy, opt, loader(X, y), 1, metrics=["acuracy"], progress=False)
    with pytest.raises(TypeError, match="fit: the loader must yield"):
        fit(model, F.cross_entropy, opt, DataLoader(TensorDataset(X), batch_size=4), 1,
            progress=False)
    with pytest.raises(ValueError, match="EarlyStopping: patience"):
        EarlyStopping(patience=-1)


def test_progress_bar_only_on_a_terminal(monkeypatch, capsys):
    X, y = blobs(32)

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    def run(progress):
        model = make_model()
        fit(model, F.cross_entropy, tm.optim.SGD(model.parameters(), lr=0.1), loader(X, y), 2,
            val_loader=loader(X, y), progress=progress)

    run(progress=True)  # pytest's captured stderr is not a terminal: no bar
    assert capsys.readouterr().err == ""
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    run(progress=False)
    assert terminal.getvalue() == ""
    run(progress=True)
    text = terminal.getvalue()
    assert "epoch 1/2" in text and "epoch 2/2" in text and "val_loss=" in text


def test_bench_numpy_baseline_does_the_same_step_as_tinymoe():
    from tinymoe.bench.train import NumpyMLP, tinymoe_setup

    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 6)).astype(np.float32)
    y = rng.integers(0, 4, size=8)
    model, step = tinymoe_setup((6, 5, 5, 4), x, y)
    baseline = NumpyMLP([copy.deepcopy(p.data) for p in model.parameters()])
    for _ in range(3):
        assert baseline.step(x, y) == pytest.approx(step(), rel=1e-5)
    for p, q in zip(model.parameters(), baseline.params):
        np.testing.assert_allclose(p.data, q, rtol=1e-4, atol=1e-6)

"""The training loop: ``fit`` returns a ``History``; ``evaluate``; callbacks (``EarlyStopping``).

A loader yields ``(inputs..., target)`` tuples of Tensors (``tinymoe.data.DataLoader`` over a
``TensorDataset``): the model is called as ``model(*inputs)`` and the loss as
``loss_fn(output, target)``, which returns the batch's mean loss. Per-epoch losses are
averaged over samples. A metric is ``fn(y_true, y_pred_logits) -> float`` on NumPy arrays, or
one of the names in ``METRICS``; train metrics use the predictions made during the epoch
(the weights move while they are collected), validation metrics those of ``evaluate``.

MoE models: each step minimises ``loss_fn(output, target) + model.aux_loss()`` (the
balancing and z-losses of every MoE layer; 0 for other models) and calls
``tinymoe.moe.update_bias(model)`` after ``optimizer.step()`` (DeepSeek routers). The
recorded ``train_loss`` is the task loss alone, comparable with ``val_loss``.
"""

import math
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from tinymoe import metrics as _metrics
from tinymoe.autograd import no_grad
from tinymoe.moe.routers import update_bias
from tinymoe.tensor import Tensor

METRICS = {
    "accuracy": lambda y, logits: _metrics.accuracy(y, logits.argmax(-1)),
    "f1": lambda y, logits: _metrics.f1_score(y, logits.argmax(-1), average="macro"),
    "precision": lambda y, logits: _metrics.precision(y, logits.argmax(-1), average="macro"),
    "recall": lambda y, logits: _metrics.recall(y, logits.argmax(-1), average="macro"),
}


@dataclass
class History:
    """Per-epoch records of a ``fit``: ``train_loss``, ``val_loss`` (empty without a
    validation loader), ``metrics`` (``"accuracy"`` on train, ``"val_accuracy"`` on
    validation, ...), the learning rate each epoch ran with, and its wall time in seconds."""

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    lr: list[float] = field(default_factory=list)
    epoch_time: list[float] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.train_loss)

    def series(self, name: str) -> list[float]:
        """The per-epoch values of ``"train_loss"``, ``"val_loss"`` or a metric key."""
        found = {"train_loss": self.train_loss, "val_loss": self.val_loss, **self.metrics}
        if name not in found or not found[name]:
            recorded = [key for key, values in found.items() if values]
            raise KeyError(f"History: no values for {name!r}; recorded: {recorded}")
        return found[name]

    def best(self, monitor: str = "val_loss", mode: str = "auto") -> tuple[int, float]:
        """``(epoch, value)`` of the best epoch (0-based) for ``monitor``; ``mode="auto"``
        minimises names containing "loss" and maximises the rest."""
        values = np.asarray(self.series(monitor))
        epoch = int(np.argmin(values) if _minimises(monitor, mode) else np.argmax(values))
        return epoch, float(values[epoch])


def _minimises(monitor: str, mode: str) -> bool:
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
    return mode == "min" or (mode == "auto" and "loss" in monitor)


class Callback:
    """Hooks ``fit`` calls; any object with these methods works.
    ``on_epoch_end`` returns True to stop training after this epoch."""

    def on_epoch_end(self, epoch: int, history: History, model) -> bool:
        return False

    def on_train_end(self, history: History, model) -> None:
        pass


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience``
    epochs; with ``restore_best`` the model ends with the weights of its best epoch.
    ``best_epoch`` and ``stopped_epoch`` (None if training ran to the end) are kept."""

    def __init__(self, monitor: str = "val_loss", patience: int = 5, min_delta: float = 0.0,
                 mode: str = "auto", restore_best: bool = True):
        if patience < 0 or min_delta < 0:
            raise ValueError(f"EarlyStopping: patience and min_delta must be >= 0, got "
                             f"patience={patience}, min_delta={min_delta}")
        self.monitor, self.patience, self.min_delta = monitor, patience, min_delta
        self.sign = 1.0 if _minimises(monitor, mode) else -1.0  # compare sign * value, lower wins
        self.restore_best = restore_best
        self.best_value = math.inf
        self.best_epoch = self.stopped_epoch = None
        self._best_state = None
        self._wait = 0

    def on_epoch_end(self, epoch, history, model) -> bool:
        value = self.sign * history.series(self.monitor)[-1]
        if value < self.best_value - self.min_delta:
            self.best_value, self.best_epoch, self._wait = value, epoch, 0
            if self.restore_best:
                self._best_state = model.state_dict()
            return False
        self._wait += 1
        if self._wait >= self.patience:
            self.stopped_epoch = epoch
            return True
        return False

    def on_train_end(self, history, model) -> None:
        if self._best_state is not None:
            model.load_state_dict(self._best_state)


def _resolve_metrics(metrics) -> dict:
    if metrics is None:
        return {}
    if isinstance(metrics, str | list | tuple):
        names = [metrics] if isinstance(metrics, str) else list(metrics)
        unknown = [n for n in names if n not in METRICS]
        if unknown:
            raise ValueError(f"fit: unknown metric(s) {unknown}; named metrics are "
                             f"{sorted(METRICS)}, or pass a dict name -> fn(y_true, logits)")
        return {n: METRICS[n] for n in names}
    return {name: METRICS[fn] if isinstance(fn, str) else fn for name, fn in metrics.items()}


def _split_batch(batch, where: str):
    """``(inputs, target)`` from a loader's batch ``(x..., y)``."""
    if not isinstance(batch, tuple | list) or len(batch) < 2:
        raise TypeError(f"{where}: the loader must yield (inputs..., target) tuples, got "
                        f"{type(batch).__name__}")
    return batch[:-1], batch[-1]


def _numpy(x) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def _show_progress(progress: bool, stream=None) -> bool:
    """``progress`` unless ``stream`` (tqdm's, stderr) is not a terminal outside a notebook."""
    if not progress:
        return False
    stream = sys.stderr if stream is None else stream
    return bool(getattr(stream, "isatty", lambda: False)()) or _in_notebook()


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    ipython = shell.get_ipython() if shell is not None else None
    return ipython is not None and type(ipython).__name__ == "ZMQInteractiveShell"


class _Scores:
    """Accumulates a sample-weighted mean loss and the (target, logits) pairs for metrics."""

    def __init__(self, keep_outputs: bool):
        self.total = 0.0
        self.count = 0
        self.targets, self.outputs = [], [] if keep_outputs else None

    def add(self, loss: float, output, target) -> None:
        n = len(_numpy(target))
        self.total += loss * n
        self.count += n
        if self.outputs is not None:
            self.targets.append(_numpy(target))
            self.outputs.append(_numpy(output))

    @property
    def mean_loss(self) -> float:
        return self.total / self.count if self.count else math.nan

    def metrics(self, fns: dict) -> dict[str, float]:
        if not fns or not self.count:
            return {}
        y, logits = np.concatenate(self.targets), np.concatenate(self.outputs)
        return {name: float(fn(y, logits)) for name, fn in fns.items()}


def evaluate(model, loader, loss_fn=None, metrics=None) -> dict[str, float]:
    """Mean loss (key ``"loss"``, when ``loss_fn`` is given) and metrics over ``loader``, with
    the model in eval mode and no graph recorded; the model's mode is restored afterwards."""
    fns = _resolve_metrics(metrics)
    scores = _Scores(keep_outputs=bool(fns))
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            for batch in loader:
                inputs, target = _split_batch(batch, "evaluate")
                output = model(*inputs)
                loss = loss_fn(output, target).item() if loss_fn is not None else 0.0
                scores.add(loss, output, target)
    finally:
        model.train(was_training)
    result = {"loss": scores.mean_loss} if loss_fn is not None else {}
    return result | scores.metrics(fns)


def fit(model, loss_fn, optimizer, train_loader, epochs: int, val_loader=None, metrics=None,
        scheduler=None, callbacks=(), progress: bool = True) -> History:
    """Train ``model`` for ``epochs`` epochs and return its ``History``.

    Each batch: ``zero_grad``, forward, ``loss = loss_fn(output, target)``, backward of
    ``loss + model.aux_loss()``, ``optimizer.step()``, ``update_bias(model)``. After
    each epoch: validation (``evaluate`` on ``val_loader``), ``scheduler.step()``, then every
    callback's ``on_epoch_end``; training stops early when one returns True. A ``tqdm`` bar
    per epoch shows the running loss (``progress=False`` hides it; it is hidden anyway when
    stderr is not a terminal and this is not a notebook)."""
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"fit: epochs must be a non-negative int, got {epochs!r}")
    fns = _resolve_metrics(metrics)
    history = History(metrics={key: [] for name in fns for key in (name, f"val_{name}")
                               if val_loader is not None or key == name})
    show = _show_progress(progress)
    from tqdm.auto import tqdm  # here, not at the top: it takes ~0.1 s to import
    for epoch in range(epochs):
        start = time.perf_counter()
        history.lr.append(float(optimizer.param_groups[0]["lr"]))
        model.train()
        scores = _Scores(keep_outputs=bool(fns))
        bar = tqdm(total=len(train_loader) if hasattr(train_loader, "__len__") else None,
                   desc=f"epoch {epoch + 1}/{epochs}", disable=not show, dynamic_ncols=True)
        for batch in train_loader:
            inputs, target = _split_batch(batch, "fit")
            optimizer.zero_grad()
            output = model(*inputs)
            loss = loss_fn(output, target)
            (loss + model.aux_loss()).backward()
            optimizer.step()
            update_bias(model)
            scores.add(loss.item(), output, target)
            bar.set_postfix(loss=f"{scores.mean_loss:.4f}", refresh=False)
            bar.update()
        history.train_loss.append(scores.mean_loss)
        for name, value in scores.metrics(fns).items():
            history.metrics[name].append(value)
        if val_loader is not None:
            result = evaluate(model, val_loader, loss_fn, fns)
            history.val_loss.append(result.pop("loss"))
            for name, value in result.items():
                history.metrics[f"val_{name}"].append(value)
            bar.set_postfix(loss=f"{history.train_loss[-1]:.4f}",
                            val_loss=f"{history.val_loss[-1]:.4f}")
        bar.close()
        if scheduler is not None:
            scheduler.step()
        history.epoch_time.append(time.perf_counter() - start)
        stop = [cb.on_epoch_end(epoch, history, model) for cb in callbacks]
        if any(stop):
            break
    for cb in callbacks:
        if hasattr(cb, "on_train_end"):
            cb.on_train_end(history, model)
    return history

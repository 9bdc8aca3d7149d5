"""Train a character-level ``MoEGPT`` on the shipped Shakespeare plays.

    python -m tinymoe.train_lm --config tiny-moe --minutes 10
    python -m tinymoe.train_lm --config tiny-dense --minutes 10
    python -m tinymoe.train_lm --config tiny-moe --minutes 10 --resume   # continue

Each step: a random batch of windows (``tinymoe.data.text.get_batch``), ``loss =
cross-entropy + model.aux_loss()`` (``MoEGPT.forward`` adds the balancing losses),
backward, gradient clipping, AdamW, ``tinymoe.moe.update_bias``. Every ``--eval-every``
steps the validation cross-entropy (nats per character) is measured on the same fixed
validation batches. Training stops after ``--steps`` steps, ``--minutes`` minutes or
``--cpu-minutes`` minutes of CPU time of this run, whichever comes first. Written to
``--out``: ``<config>.npz`` (model, optimiser, step, history: resumable with
``--resume``), ``<config>_loss.png`` (the curves), and a text sample printed at the end.
"""

import argparse
import math
import os
import time

import numpy as np

import tinymoe as tm
from tinymoe.autograd import no_grad
from tinymoe.data.text import get_batch, load_text
from tinymoe.models import CONFIGS, MoEGPT, get_config
from tinymoe.moe.routers import update_bias
from tinymoe.optim.clip import clip_grad_norm_

HISTORY_KEYS = ("step", "seconds", "cpu_seconds", "train", "val")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tinymoe.train_lm",
                                     description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="tiny-moe", choices=sorted(CONFIGS))
    parser.add_argument("--minutes", type=float, default=10.0,
                        help="wall-clock budget of this run (default 10)")
    parser.add_argument("--cpu-minutes", type=float, default=None,
                        help="also stop after this much CPU time of this process (a fair "
                             "budget on a shared machine)")
    parser.add_argument("--steps", type=int, default=None,
                        help="stop after this many steps in total (default: only the time)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-3, help="AdamW peak learning rate")
    parser.add_argument("--warmup", type=int, default=50, help="linear warm-up steps")
    parser.add_argument("--weight-decay", type=float, default=0.01)
    parser.add_argument("--eval-every", type=int, default=100)
    parser.add_argument("--eval-batches", type=int, default=8,
                        help="fixed validation batches per evaluation")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="runs/lm", help="folder for checkpoint and plot")
    parser.add_argument("--resume", action="store_true",
                        help="continue from <out>/<config>.npz if it exists")
    parser.add_argument("--sample-chars", type=int, default=300)
    parser.add_argument("--no-progress", action="store_true", help="no tqdm bar")
    return parser


def evaluate(model: MoEGPT, batches) -> float:
    """Mean cross-entropy (nats per character) of ``model`` over ``batches`` [(x, y)], in
    eval mode without a graph (the training mode is restored)."""
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            losses = []
            for x, y in batches:
                model(x, y)
                losses.append(model.last_ce)
    finally:
        model.train(was_training)
    return float(np.mean(losses))


def lr_at(step: int, peak: float, warmup: int) -> float:
    """Linear warm-up from peak / warmup to ``peak`` over ``warmup`` steps, then constant
    (a time budget gives no known end for a decay)."""
    return peak * min(1.0, (step + 1) / max(warmup, 1))


def plot_history(histories: dict, path: str, x: str = "step") -> None:
    """One figure of the train (dashed) and validation (solid) cross-entropy of each
    ``name -> history`` against ``x`` (``"step"``, ``"seconds"`` or ``"cpu_seconds"``),
    saved to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for name, history in histories.items():
        xs = np.asarray(history[x])
        (line,) = ax.plot(xs, history["val"], label=f"{name} validation")
        ax.plot(xs, history["train"], "--", color=line.get_color(), label=f"{name} train")
    ax.axhline(2.0, color="grey", lw=0.8, ls=":", label="2.0 nats")
    ax.set_xlabel({"step": "training step", "seconds": "seconds of training",
                   "cpu_seconds": "CPU seconds of training"}[x])
    ax.set_ylabel("cross-entropy (nats / character)")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def train(args) -> dict:
    """Run the training described by ``args`` (see ``build_parser``); returns the history
    ``{"step", "seconds", "cpu_seconds", "train", "val"}`` (lists, one entry per
    evaluation; the times include earlier runs of a resumed training) plus
    ``"sample"`` (the generated text) and ``"checkpoint"`` (its path)."""
    data = load_text()
    config = get_config(args.config, vocab_size=data.tokenizer.vocab_size)
    tm.manual_seed(args.seed)
    model = MoEGPT(config)
    opt = tm.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    os.makedirs(args.out, exist_ok=True)
    checkpoint = os.path.join(args.out, f"{args.config}.npz")
    step, seconds, cpu_seconds = 0, 0.0, 0.0
    history = {key: [] for key in HISTORY_KEYS}
    if args.resume and os.path.exists(checkpoint):
        state = tm.load(checkpoint)
        if state["config"] != args.config:
            raise ValueError(f"train_lm: {checkpoint} holds config {state['config']!r}, "
                             f"not {args.config!r}")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optim"])
        step, seconds = int(state["step"]), float(state["seconds"])
        cpu_seconds = float(state["cpu_seconds"])
        history = {key: list(state["history"][key]) for key in HISTORY_KEYS}
        print(f"resumed {checkpoint} at step {step}")
    rng = np.random.default_rng(args.seed + step)  # a resumed run draws new batches
    val_rng = np.random.default_rng(12345)  # the same validation batches every time
    val_batches = [get_batch(data.val, config.block_size, args.batch_size, val_rng)
                   for _ in range(args.eval_batches)]
    budget = args.minutes * 60.0
    cpu_budget = math.inf if args.cpu_minutes is None else args.cpu_minutes * 60.0
    last_step = math.inf if args.steps is None else args.steps
    bar = None
    if not args.no_progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=None if args.steps is None else max(args.steps - step, 0),
                   desc=args.config, unit="step")
    start, cpu_start, train_losses = time.perf_counter(), time.process_time(), []

    def record() -> None:
        history["step"].append(step)
        history["seconds"].append(seconds + time.perf_counter() - start)
        history["cpu_seconds"].append(cpu_seconds + time.process_time() - cpu_start)
        history["train"].append(float(np.mean(train_losses)) if train_losses
                                else float("nan"))
        history["val"].append(evaluate(model, val_batches))
        train_losses.clear()
        if bar is not None:
            bar.set_postfix(val=f"{history['val'][-1]:.3f}")

    model.train()
    while (step < last_step and time.perf_counter() - start < budget
           and time.process_time() - cpu_start < cpu_budget):
        x, y = get_batch(data.train, config.block_size, args.batch_size, rng)
        for group in opt.param_groups:
            group["lr"] = lr_at(step, args.lr, args.warmup)
        opt.zero_grad()
        _, loss = model(x, y)
        loss.backward()
        clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        update_bias(model)
        train_losses.append(model.last_ce)
        step += 1
        if bar is not None:
            bar.update(1)
            bar.set_postfix(train=f"{model.last_ce:.3f}")
        if step % args.eval_every == 0:
            record()
    if train_losses or not history["step"]:
        record()
    if bar is not None:
        bar.close()
    seconds += time.perf_counter() - start
    cpu_seconds += time.process_time() - cpu_start
    tm.save({"config": args.config, "model": model.state_dict(), "optim": opt.state_dict(),
             "step": step, "seconds": seconds, "cpu_seconds": cpu_seconds,
             "history": {key: np.asarray(history[key]) for key in HISTORY_KEYS}}, checkpoint)
    plot_history({args.config: history}, os.path.join(args.out, f"{args.config}_loss.png"))
    prompt = data.tokenizer.encode("\n")[None, :]
    sample = data.tokenizer.decode(model.generate(prompt, args.sample_chars, temperature=0.8,
                                                  top_k=10, rng=np.random.default_rng(0))[0])
    print(f"{args.config}: {step} steps, {seconds:.0f} s ({cpu_seconds:.0f} s of CPU), "
          f"validation cross-entropy "
          f"{history['val'][-1]:.3f} nats/char; checkpoint {checkpoint}")
    print("sample:\n" + sample)
    return {**history, "sample": sample, "checkpoint": checkpoint}


def main(argv=None) -> None:
    train(build_parser().parse_args(argv))


if __name__ == "__main__":
    main()

"""Training resumed from a tm.save/tm.load checkpoint follows the uninterrupted trajectory
bit for bit: model, Adam state, lr schedule and the global generator (shuffling, dropout)."""

import numpy as np

import tinymoe as tm
from tinymoe.data import DataLoader, TensorDataset, make_moons
from tinymoe.nn import functional as F
from tinymoe.train import fit

EPOCHS, SPLIT = 4, 2


def build(init_seed):
    """Model (with dropout, so the global generator matters), Adam, StepLR, shuffled loader
    drawing from the global generator."""
    tm.manual_seed(init_seed)
    model = tm.nn.MLP([2, 16, 16, 2], dropout=0.2)
    opt = tm.optim.Adam(model.parameters(), lr=0.02)
    sched = tm.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)
    X, y = make_moons(120, noise=0.2, seed=0)
    loader = DataLoader(TensorDataset(X.astype(np.float32), y), batch_size=16, shuffle=True)
    return model, opt, sched, loader


def train(model, opt, sched, loader, epochs):
    return fit(model, F.cross_entropy, opt, loader, epochs, scheduler=sched, progress=False)


def uninterrupted():
    model, opt, sched, loader = build(init_seed=0)
    tm.manual_seed(42)
    history = train(model, opt, sched, loader, EPOCHS)
    return model, history


def checkpoint_after_split(path):
    model, opt, sched, loader = build(init_seed=0)
    tm.manual_seed(42)
    train(model, opt, sched, loader, SPLIT)
    tm.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
             "scheduler": sched.state_dict(), "epoch": SPLIT,
             "rng": tm.rng.generator().bit_generator.state}, path)


def test_resumed_training_is_bit_identical(tmp_path):
    reference, full_history = uninterrupted()
    path = tmp_path / "ckpt.npz"
    checkpoint_after_split(path)

    model, opt, sched, loader = build(init_seed=123)  # different weights until loaded
    ckpt = tm.load(path)
    model.load_state_dict(ckpt["model"])
    opt.load_state_dict(ckpt["optimizer"])
    sched.load_state_dict(ckpt["scheduler"])
    tm.rng.generator().bit_generator.state = ckpt["rng"]
    history = train(model, opt, sched, loader, EPOCHS - ckpt["epoch"])

    assert history.train_loss == full_history.train_loss[SPLIT:]
    assert history.lr == full_history.lr[SPLIT:]
    for (name, p), q in zip(model.named_parameters(), reference.parameters()):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)


def test_without_the_optimizer_state_the_trajectory_differs(tmp_path):
    """The check above can fail: dropping the Adam moments changes the result."""
    reference, full_history = uninterrupted()
    path = tmp_path / "ckpt.npz"
    checkpoint_after_split(path)

    model, opt, sched, loader = build(init_seed=123)
    ckpt = tm.load(path)
    model.load_state_dict(ckpt["model"])
    sched.load_state_dict(ckpt["scheduler"])
    tm.rng.generator().bit_generator.state = ckpt["rng"]
    history = train(model, opt, sched, loader, EPOCHS - ckpt["epoch"])

    assert history.train_loss != full_history.train_loss[SPLIT:]
    assert not np.array_equal(model.state_dict()["0.weight"], reference.state_dict()["0.weight"])

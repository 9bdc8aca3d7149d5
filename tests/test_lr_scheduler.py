"""tinymoe.optim.lr_scheduler against torch.optim.lr_scheduler, resumption, errors."""

import math

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.optim import SGD, lr_scheduler

EPOCHS = 40
LRS = (0.1, 0.03)

SCHEDULES = {
    "StepLR": ("StepLR", dict(step_size=7, gamma=0.5)),
    "StepLR-default-gamma": ("StepLR", dict(step_size=3)),
    "Cosine": ("CosineAnnealingLR", dict(T_max=15)),  # runs past T_max: the cosine goes on
    "Cosine-eta_min": ("CosineAnnealingLR", dict(T_max=25, eta_min=1e-3)),
    "Linear-defaults": ("LinearLR", dict()),
    "Linear-warmup": ("LinearLR", dict(start_factor=0.01, end_factor=1.0, total_iters=10)),
    "Linear-decay": ("LinearLR", dict(start_factor=1.0, end_factor=0.2, total_iters=30)),
    "Lambda": ("LambdaLR", dict(lr_lambda=lambda e: 0.95**e)),
    "Lambda-per-group": ("LambdaLR", dict(lr_lambda=[lambda e: 1 / (1 + e), lambda e: e % 4])),
}


def optimiser(lrs=LRS):
    return SGD([{"params": [tm.tensor(np.zeros(2), requires_grad=True)], "lr": lr}
                for lr in lrs], lr=1.0, momentum=0.9)


def lr_sequence(opt, sched, epochs):
    lrs = []
    for _ in range(epochs):
        lrs.append([g["lr"] for g in opt.param_groups])
        assert sched.get_last_lr() == lrs[-1]
        opt.step()
        sched.step()
    return lrs


@pytest.mark.parametrize("key", SCHEDULES)
def test_matches_torch(torch, key):
    name, kwargs = SCHEDULES[key]
    opt = optimiser()
    ours = lr_sequence(opt, getattr(lr_scheduler, name)(opt, **kwargs), EPOCHS)
    topt = torch.optim.SGD([{"params": [torch.zeros(2, requires_grad=True)], "lr": lr}
                            for lr in LRS], lr=1.0, momentum=0.9)
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **kwargs)
    theirs = []
    for _ in range(EPOCHS):
        theirs.append([g["lr"] for g in topt.param_groups])
        assert tsched.get_last_lr() == theirs[-1]
        topt.step()
        tsched.step()
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-15)


def test_warmup_then_cosine_shape():
    """Invariants without an oracle: LinearLR rises monotonically, cosine falls to eta_min."""
    opt = optimiser([1.0])
    warm = [lr[0] for lr in lr_sequence(opt, lr_scheduler.LinearLR(opt, 0.1, 1.0, 5), 8)]
    assert warm[0] == pytest.approx(0.1) and warm[5:] == [1.0] * 3
    assert all(a < b for a, b in zip(warm[:5], warm[1:6]))
    opt = optimiser([1.0])
    cos = [lr[0] for lr in lr_sequence(opt, lr_scheduler.CosineAnnealingLR(opt, 10, 0.1), 11)]
    assert cos[0] == 1.0 and cos[10] == pytest.approx(0.1)
    assert cos[5] == pytest.approx(0.55) and all(a > b for a, b in zip(cos, cos[1:]))


@pytest.mark.parametrize("load_optimizer_first", [False, True])
@pytest.mark.parametrize("key", ["StepLR", "Cosine-eta_min", "Linear-warmup", "Lambda"])
def test_state_dict_resume(key, load_optimizer_first):
    """Save optimizer + scheduler mid-run, rebuild both, load (the optimizer before or after
    building the scheduler): the same lrs as uninterrupted."""
    name, kwargs = SCHEDULES[key]
    cls = getattr(lr_scheduler, name)
    opt = optimiser()
    sched = cls(opt, **kwargs)
    lr_sequence(opt, sched, 12)
    saved_opt, saved_sched = opt.state_dict(), sched.state_dict()
    assert all(not callable(v) for v in saved_sched.values())
    expected = lr_sequence(opt, sched, 15)

    opt2 = optimiser()
    if load_optimizer_first:
        opt2.load_state_dict(saved_opt)
    sched2 = cls(opt2, **kwargs)
    if not load_optimizer_first:
        opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved_sched)
    assert lr_sequence(opt2, sched2, 15) == expected


def test_bad_arguments():
    opt = optimiser()
    with pytest.raises(TypeError, match="StepLR: expected an Optimizer, got list"):
        lr_scheduler.StepLR([], step_size=2)
    with pytest.raises(TypeError, match="LambdaLR: expected an Optimizer"):
        lr_scheduler.LambdaLR(None, lambda e: 1.0)
    with pytest.raises(ValueError, match="StepLR: step_size must be a positive integer"):
        lr_scheduler.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="CosineAnnealingLR: T_max must be positive"):
        lr_scheduler.CosineAnnealingLR(opt, T_max=0)
    with pytest.raises(ValueError, match="LinearLR: need 0 < start_factor <= 1"):
        lr_scheduler.LinearLR(opt, start_factor=0.0)
    with pytest.raises(ValueError, match="LambdaLR: lr_lambda must be a function or a list of 2"):
        lr_scheduler.LambdaLR(opt, [math.exp])
    with pytest.raises(ValueError, match="StepLR.load_state_dict: expected keys"):
        lr_scheduler.StepLR(opt, step_size=2).load_state_dict({"last_epoch": 3})

"""Hidden tests for the drill warmup_cosine. Oracles: tinymoe.optim.lr_scheduler's
CosineAnnealingLR driving a real optimizer for the decay, closed forms for the warm-up and
the ends, and invariants (continuity at the peak, monotone pieces)."""

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.grading.feedback import assert_close
from tinymoe.optim.lr_scheduler import CosineAnnealingLR


def _schedule(seed):
    rng = np.random.default_rng(seed)
    warmup = int(rng.integers(3, 20))
    total = warmup + int(rng.integers(20, 80))
    return warmup, total, float(rng.uniform(0.1, 3.0)), float(rng.uniform(0.0, 0.05))


def test_decay_matches_engine_scheduler(drill):
    warmup, total, lr_max, lr_min = _schedule(2101)
    opt = tm.optim.SGD([tm.tensor(np.zeros(1), requires_grad=True)], lr=lr_max)
    sched = CosineAnnealingLR(opt, T_max=total - warmup, eta_min=lr_min)
    for step in range(warmup, total + 1):
        got = drill.warmup_cosine_lr(step, warmup, total, lr_max, lr_min)
        assert_close(got, opt.param_groups[0]["lr"], rtol=1e-12, atol=1e-15,
                     err_msg=f"step {step} (warm-up {warmup}, total {total}): the cosine decay "
                             "must go from lr_max at step warmup_steps to lr_min at total_steps")
        sched.step()


def test_warmup_and_ends(drill):
    warmup, total, lr_max, lr_min = _schedule(2102)
    lrs = [drill.warmup_cosine_lr(s, warmup, total, lr_max, lr_min) for s in range(total + 30)]
    assert all(isinstance(lr, float) for lr in lrs), "return Python floats"
    ramp = [lr_max * s / warmup for s in range(warmup)]
    if np.allclose(lrs[:warmup], [lr_max * (s + 1) / warmup for s in range(warmup)]):
        pytest.fail("the warm-up is shifted by one step: it is lr_max * step / warmup_steps, "
                    "0 at step 0")
    assert lrs[0] == 0.0, f"the lr at step 0 of the warm-up must be 0, got {lrs[0]}"
    assert_close(lrs[:warmup], ramp, rtol=1e-12,
                 err_msg="the warm-up must rise linearly: lr_max * step / warmup_steps")
    assert_close(lrs[warmup], lr_max, rtol=1e-12, err_msg="the peak at step warmup_steps must "
                 "be lr_max (continuous with the warm-up)")
    assert_close(lrs[total:], lr_min, rtol=1e-12, atol=1e-15,
                 err_msg="at and after total_steps the lr must stay at lr_min (the cosine must "
                         "not come back up)")
    decay = np.array(lrs[warmup:total + 1])
    assert np.all(np.diff(decay) <= 1e-15), "the lr must not increase during the decay"


def test_no_warmup_and_bad_arguments(drill):
    try:
        first = drill.warmup_cosine_lr(0, 0, 10, 1.0)
    except ZeroDivisionError:
        pytest.fail("warmup_steps = 0 divides by zero: with no warm-up, start at lr_max")
    assert_close(first, 1.0, rtol=1e-12, err_msg="with warmup_steps = 0, step 0 has lr_max")
    assert_close(drill.warmup_cosine_lr(5, 0, 10, 1.0), 0.5, rtol=1e-12,
                 err_msg="with warmup_steps = 0, half-way is (lr_max + lr_min) / 2")
    for warmup, total in ((10, 10), (12, 10), (-1, 10)):
        with pytest.raises(ValueError, match=str(total)):
            drill.warmup_cosine_lr(0, warmup, total, 1.0)

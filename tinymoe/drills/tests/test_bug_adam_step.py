"""Hidden tests for the spot-the-bug drill bug_adam_step. Oracles: tinymoe.optim.Adam
(PyTorch's convention) over several steps, and the closed form under a constant gradient
(every step moves each entry by lr g / (|g| + eps)). Messages describe the symptom."""

import numpy as np

import tinymoe as tm
from tinymoe.grading.feedback import assert_close


def test_constant_gradient_moves_by_lr_from_the_first_step(drill):
    rng = np.random.default_rng(2301)
    params = [rng.standard_normal(3), rng.standard_normal((2, 2))]
    start = [p.copy() for p in params]
    grads = [np.array([1e-3, -2.0, 50.0]), np.array([[-1e3, 0.5], [3.0, -1e-2]])]
    opt = drill.Adam(params, lr=0.1)
    for t in range(1, 4):
        opt.step(grads)
        for k, (p, p0, g) in enumerate(zip(params, start, grads)):
            moved = p0 - p
            assert_close(moved, t * 0.1 * g / (np.abs(g) + 1e-8), rtol=1e-6,
                         err_msg=f"after {t} step(s) with a constant gradient, parameter {k} "
                                 f"has moved by {np.round(np.abs(moved), 4).ravel().tolist()}, "
                                 f"not by t * lr = {0.1 * t:g} per entry")


def test_matches_engine_over_several_steps(drill):
    rng = np.random.default_rng(2302)
    shapes = [tuple(rng.integers(1, 4, size=2)) for _ in range(3)]
    params = [rng.standard_normal(s) for s in shapes]
    ts = [tm.tensor(p.copy(), requires_grad=True, dtype=tm.float64) for p in params]
    hp = dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6)
    opt, ref = drill.Adam(params, **hp), tm.optim.Adam(ts, **hp)
    for step in range(1, 9):
        grads = [rng.standard_normal(s) * 10.0 ** rng.integers(-2, 3) for s in shapes]
        opt.step([g.copy() for g in grads])
        for t, g in zip(ts, grads):
            t.grad = g
        ref.step()
        for k, (p, t) in enumerate(zip(params, ts)):
            assert_close(p, t.data, rtol=1e-9, atol=1e-12,
                         err_msg=f"step {step}: parameter {k} differs from PyTorch-convention "
                                 f"Adam {hp} (its parameters are updated in place)")

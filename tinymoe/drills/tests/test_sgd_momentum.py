"""Hidden tests for the drill sgd_momentum. Oracles: tinymoe.optim.SGD (PyTorch's
convention) over several steps, and the closed-form velocity under a constant gradient."""

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.grading.feedback import assert_close


def _run_both(drill, seed, steps=5, **hp):
    rng = np.random.default_rng(seed)
    shape = tuple(rng.integers(2, 5, size=2))
    p0 = rng.standard_normal(shape)
    grads = [rng.standard_normal(shape) for _ in range(steps)]
    t = tm.tensor(p0.copy(), requires_grad=True, dtype=tm.float64)
    opt = tm.optim.SGD([t], **hp)
    p, buf = p0.copy(), None
    for k, g in enumerate(grads):
        p, buf = drill.sgd_momentum_step(p, g.copy(), buf, **hp)
        t.grad = g.copy()
        opt.step()
        yield k, p, t.data, p0, g


@pytest.mark.parametrize("nesterov", [False, True])
def test_matches_engine_over_several_steps(drill, nesterov):
    hp = dict(lr=0.05, momentum=0.9, weight_decay=0.01, nesterov=nesterov)
    for k, p, want, p0, g in _run_both(drill, 1801 + nesterov, **hp):
        ema = p0 - 0.05 * (g + 0.01 * p0) * (1 + 0.9 * 0.1 if nesterov else 0.1)
        if k == 0 and np.shape(p) == p0.shape and np.allclose(p, ema, rtol=1e-9):
            pytest.fail("the first step uses buf = (1 - momentum) g, an average: PyTorch's SGD "
                        "accumulates buf = momentum * buf + g, so buf = g on the first step")
        if k == 0 and not np.allclose(p, want, rtol=1e-12):
            pytest.fail("the first step is wrong: buf starts as the gradient g (with the weight "
                        "decay folded in), so the first step is p - lr * g"
                        + (" (Nesterov: p - lr * (g + momentum g))" if nesterov else ""))
        assert_close(p, want, rtol=1e-10, atol=1e-12,
                     err_msg=f"step {k + 1} differs from SGD with momentum (nesterov="
                             f"{nesterov}, weight_decay=0.01)")


def test_velocity_under_a_constant_gradient(drill):
    p, buf, g = np.array([1.0, -2.0]), None, np.array([1.0, 0.5])
    for _ in range(30):
        p, buf = drill.sgd_momentum_step(p, g, buf, lr=0.01, momentum=0.8)
    want = g * (1 - 0.8**30) / (1 - 0.8)
    if np.allclose(buf, g * (1 - 0.8**30), rtol=1e-9):
        pytest.fail("the velocity is an average (1 - momentum) * g + momentum * buf: PyTorch's "
                    "SGD accumulates buf = momentum * buf + g")
    assert_close(buf, want, rtol=1e-10,
                 err_msg="after 30 steps of the same gradient g, buf must be "
                         "g (1 - m^30) / (1 - m)")


def test_inputs_not_modified(drill):
    rng = np.random.default_rng(1803)
    p, g, buf = rng.standard_normal(4), rng.standard_normal(4), rng.standard_normal(4)
    copies = p.copy(), g.copy(), buf.copy()
    new_p, new_buf = drill.sgd_momentum_step(p, g, buf, lr=0.1, momentum=0.9,
                                             weight_decay=0.1)
    for a, kept, name in zip((p, g, buf), copies, ("p", "grad", "buf")):
        np.testing.assert_array_equal(a, kept, err_msg=f"sgd_momentum_step modified {name} in "
                                      "place: return new arrays")
    assert_close(new_buf, 0.9 * buf + g + 0.1 * p, rtol=1e-12,
                 err_msg="buf = momentum * buf + (grad + weight_decay * p)")

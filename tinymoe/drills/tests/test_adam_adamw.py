"""Hidden tests for the drill adam_adamw. Oracles: tinymoe.optim.Adam and AdamW (PyTorch's
conventions) over several steps, and closed forms: the bias-corrected first step moves
every entry by about lr, and AdamW with a zero gradient only shrinks p by (1 - lr wd)."""

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.grading.feedback import assert_close


def _compare(drill, name, seed, steps=6, **hp):
    rng = np.random.default_rng(seed)
    shape = tuple(rng.integers(2, 5, size=2))
    p = rng.standard_normal(shape)
    t = tm.tensor(p.copy(), requires_grad=True, dtype=tm.float64)
    opt = getattr(tm.optim, "Adam" if name == "adam_step" else "AdamW")([t], **hp)
    m, v = np.zeros(shape), np.zeros(shape)
    for k in range(1, steps + 1):
        g = rng.standard_normal(shape) * 10.0 ** rng.integers(-3, 3)
        p, m, v = getattr(drill, name)(p, g.copy(), m, v, k, **hp)
        t.grad = g
        opt.step()
        assert_close(p, t.data, rtol=1e-9, atol=1e-12,
                     err_msg=f"{name}: step {k} differs from {type(opt).__name__} "
                             f"(hyperparameters {hp})")


def test_first_step_is_bias_corrected(drill):
    rng = np.random.default_rng(1901)
    g = rng.standard_normal(6) * np.array([1e-4, 1e-2, 1.0, 1e2, 1e4, 3.0])
    p0 = rng.standard_normal(6)
    for name in ("adam_step", "adamw_step"):
        kw = {} if name == "adam_step" else {"weight_decay": 0.0}
        p, m, v = getattr(drill, name)(p0, g, np.zeros(6), np.zeros(6), 1, lr=0.01, **kw)
        step = p0 - p
        if np.allclose(step, 0.01 * np.sign(g) * 0.1 / np.sqrt(0.001), rtol=1e-2):
            pytest.fail(f"{name}: the first step is lr * 3.16 * sign(g): m and v are not "
                        "bias-corrected (divide by 1 - beta1^t and 1 - beta2^t)")
        assert_close(step, 0.01 * g / (np.abs(g) + 1e-8), rtol=1e-6,
                     err_msg=f"{name}: with bias correction the first step moves every entry "
                             "by lr * g / (|g| + eps), about lr, whatever the scale of g")
        assert_close(m, 0.1 * g, rtol=1e-12, err_msg=f"{name}: m after step 1 is (1 - beta1) g")
        assert_close(v, 0.001 * g * g, rtol=1e-12,
                     err_msg=f"{name}: v after step 1 is (1 - beta2) g^2 (store the raw "
                             "moments; bias-correct only the copies used for the update)")


@pytest.mark.parametrize("name", ["adam_step", "adamw_step"])
def test_matches_engine_over_several_steps(drill, name):
    _compare(drill, name, 1902, lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)


def test_adamw_decay_is_decoupled(drill):
    rng = np.random.default_rng(1903)
    p0 = rng.standard_normal(5)
    zeros = np.zeros(5)
    p, m, v = drill.adamw_step(p0, zeros, zeros, zeros, 1, lr=0.1, weight_decay=0.5)
    if np.allclose(np.abs(p0 - p), 0.1, rtol=1e-3):
        pytest.fail("adamw_step puts the weight decay into the gradient (that is Adam's L2 "
                    "penalty): AdamW multiplies p by (1 - lr * weight_decay) directly")
    assert_close(p, p0 * (1 - 0.1 * 0.5), rtol=1e-12,
                 err_msg="with a zero gradient AdamW only shrinks p by (1 - lr * weight_decay)")
    assert_close(np.concatenate([m, v]), 0.0, atol=0.0,
                 err_msg="AdamW's decay must not enter m and v")


def test_inputs_not_modified(drill):
    rng = np.random.default_rng(1904)
    arrays = [rng.standard_normal(4), rng.standard_normal(4), rng.standard_normal(4),
              rng.uniform(0.1, 1.0, size=4)]
    for name in ("adam_step", "adamw_step"):
        copies = [a.copy() for a in arrays]
        getattr(drill, name)(*arrays, 3, lr=0.1, weight_decay=0.1)
        for a, kept, arg in zip(arrays, copies, ("p", "grad", "m", "v")):
            np.testing.assert_array_equal(a, kept, err_msg=f"{name} modified {arg} in place: "
                                          "return new arrays")

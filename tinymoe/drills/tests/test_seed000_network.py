"""Hidden tests for the drill seed000_network. Oracles: float64 finite differences of the
loss for every parameter, the parameters' shapes, and the update rule with lr = 0 and a
given lr."""

import numpy as np

from tinymoe.gradcheck import numerical_gradient
from tinymoe.grading.feedback import assert_close, close


def _setup(seed, batch=5, d=4, h=6, o=3):
    rng = np.random.default_rng(seed)
    params = {
        "W1": rng.standard_normal((d, h)), "b1": 0.3 * rng.standard_normal(h),
        "W2": rng.standard_normal((h, o)), "b2": 0.3 * rng.standard_normal(o),
    }
    return params, rng.standard_normal((batch, d)), rng.uniform(0.1, 0.9, (batch, o))


def test_gradient_shapes_match_parameters(drill):
    params, x, y = _setup(1701)
    _, grads = drill.loss_and_grads(params, x, y)
    assert set(grads) == set(params), f"grads has keys {sorted(grads)}; expected {sorted(params)}"
    for name, p in params.items():
        g = np.asarray(grads[name])
        assert g.shape == p.shape, (
            f"grads[{name!r}] has shape {g.shape} but params[{name!r}] has shape {p.shape}: "
            f"the in-place update params[{name!r}] -= lr * grad cannot work")


def test_gradients_match_finite_differences(drill):
    params, x, y = _setup(1702)
    _, grads = drill.loss_and_grads(params, x, y)
    wrong = []
    for name in ("W2", "b2", "W1", "b1"):
        numeric = numerical_gradient(lambda _: drill.loss_and_grads(params, x, y)[0],
                                     params[name])
        got = np.asarray(grads[name], dtype=float)
        if got.size != numeric.size or not close(got.reshape(numeric.shape), numeric,
                                                 rtol=1e-5, atol=1e-9):
            wrong.append(name)
    assert not wrong, (f"the gradients of {', '.join(wrong)} disagree with finite differences "
                       "of the loss")


def test_training_uses_the_given_learning_rate(drill):
    params, x, y = _setup(1703)
    frozen = {k: v.copy() for k, v in params.items()}
    drill.train(params, x, y, lr=0.0, n_steps=3)
    for name in params:
        assert np.array_equal(params[name], frozen[name]), (
            f"train(lr=0.0) changed params[{name!r}]: the lr passed to train is not the one "
            "used by the update")
    _, grads = drill.loss_and_grads(params, x, y)
    losses = drill.train(params, x, y, lr=0.7, n_steps=1)
    assert len(losses) == 1, f"train(n_steps=1) returned {len(losses)} losses"
    for name in params:
        assert_close(params[name], frozen[name] - 0.7 * np.asarray(grads[name]).reshape(
            frozen[name].shape), rtol=1e-10, atol=1e-12,
            err_msg=f"after one train step with lr=0.7, params[{name!r}] is not "
                    "params - 0.7 * grad")
    losses = drill.train(params, x, y, lr=2.0, n_steps=200)
    assert losses[-1] < losses[0], (
        f"200 steps of gradient descent did not reduce the loss ({losses[0]:.4g} -> "
        f"{losses[-1]:.4g})")

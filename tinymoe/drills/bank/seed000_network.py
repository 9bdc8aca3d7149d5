"""Spot the bug: a two-layer NumPy network (seed 000)

This code has a bug (or several): find and fix it. It is our rewrite of the "simple
neural network" and MLP answers of seed 000, an interview-preparation article
(docs/sources.md#seed-000), and it makes the same kind of mistakes.

What the code is supposed to do: a regression network for inputs `x` `(B, D)` and
targets `y` `(B, O)` in (0, 1):

    z1 = x @ W1 + b1      W1 (D, H), b1 (H,)
    a1 = tanh(z1)
    z2 = a1 @ W2 + b2     W2 (H, O), b2 (O,)
    out = sigmoid(z2)                       (B, O)
    loss = mean((out - y) ** 2)             mean over all B * O entries

- `forward(params, x)` returns `(out, cache)`;
- `loss_and_grads(params, x, y)` returns `(loss, grads)`, `grads` a dict with the same
  keys and the same shapes as `params`, holding the exact gradient of `loss`;
- `step(params, x, y, lr)` updates `params` in place by one gradient-descent step with
  rate `lr` and returns the loss before the step;
- `train(params, x, y, lr, n_steps)` calls `step` `n_steps` times with that `lr` and
  returns the list of losses.

Worked example: with all weights and biases 0, `out = 0.5` everywhere and
`loss = mean((0.5 - y) ** 2)`; `train(params, x, y, lr=0.0, n_steps=5)` must leave
`params` unchanged.

Time budget includes reading the code. The hidden tests compare the gradients with
finite differences and check the shapes and the update.
"""

import numpy as np

LEVEL = "medium"
TOPICS = ("backprop", "debugging")
MINUTES = 20
KIND = "spot-the-bug"


def init_params(n_in, n_hidden, n_out, rng):
    """Weights with std 1/sqrt(fan_in), zero biases: a dict W1, b1, W2, b2."""
    return {
        "W1": rng.standard_normal((n_in, n_hidden)) / np.sqrt(n_in),
        "b1": np.zeros(n_hidden),
        "W2": rng.standard_normal((n_hidden, n_out)) / np.sqrt(n_hidden),
        "b2": np.zeros(n_out),
    }


def forward(params, x):
    """(B, D) -> (out (B, O), cache)."""
    z1 = x @ params["W1"] + params["b1"]
    a1 = np.tanh(z1)
    z2 = a1 @ params["W2"] + params["b2"]
    out = 1 / (1 + np.exp(-z2))
    return out, (a1, out)


def loss_and_grads(params, x, y):
    """Mean squared error and its gradient with respect to every parameter."""
    out, (a1, _) = forward(params, x)
    loss = float(np.mean((out - y) ** 2))
    # BEGIN SOLUTION
    d_out = 2 * (out - y) / out.size
    d_z2 = d_out * out * (1 - out)
    d_z1 = (d_z2 @ params["W2"].T) * (1 - a1 ** 2)
    grads = {
        "W2": a1.T @ d_z2,
        "b2": d_z2.sum(axis=0),
        "W1": x.T @ d_z1,
        "b1": d_z1.sum(axis=0),
    }
    return loss, grads
    # BUGGY
    d_z2 = 2 * (out - y) / out.size
    d_z1 = (d_z2 @ params["W2"].T) * (1 - a1 ** 2)
    grads = {
        "W2": a1.T @ d_z2,
        "b2": np.sum(d_z2, axis=0, keepdims=True),
        "W1": x.T @ d_z1,
        "b1": np.sum(d_z1, axis=0, keepdims=True),
    }
    return loss, grads
    # END SOLUTION


def step(params, x, y, lr=0.1):
    """One in-place gradient-descent step; returns the loss before it."""
    loss, grads = loss_and_grads(params, x, y)
    for name, grad in grads.items():
        params[name] -= lr * grad
    return loss


def train(params, x, y, lr, n_steps):
    """n_steps steps of rate lr; returns the losses."""
    # BEGIN SOLUTION
    return [step(params, x, y, lr) for _ in range(n_steps)]
    # BUGGY
    return [step(params, x, y) for _ in range(n_steps)]
    # END SOLUTION

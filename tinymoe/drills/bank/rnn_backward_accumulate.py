"""Spot the bug: backpropagation through time in a vanilla RNN

This code has a bug (or several): find and fix it.

What the code is supposed to do: a vanilla RNN over a sequence `x` `(T, B, D)` with
initial state `h0` `(B, H)` and parameters `Wx` `(D, H)`, `Wh` `(H, H)`, `b` `(H,)`:

    h_t = tanh(x_t @ Wx + h_{t-1} @ Wh + b),   t = 0 .. T-1 (h_{-1} = h0)

- `rnn_forward(x, h0, Wx, Wh, b)` returns `(hs, cache)`, `hs` `(T, B, H)` the stacked states;
- `rnn_backward(dhs, cache)` takes the gradient of a scalar loss with respect to every
  state, `dhs` `(T, B, H)`, and returns `(dx, dh0, dWx, dWh, db)`, the gradients with
  respect to `x`, `h0`, `Wx`, `Wh`, `b`, each of its input's shape. The same `Wx`, `Wh`,
  `b` are used at every time step, and `h_t` feeds both the loss and `h_{t+1}`.

Worked example: with `T = 1` the RNN is one tanh layer, `dWx = x_0.T @ da_0` with
`da_0 = dhs[0] * (1 - h_0 ** 2)`.

The hidden tests compare every gradient with finite differences, for `T = 1` and for
longer sequences.
"""

import numpy as np

LEVEL = "medium"
TOPICS = ("backprop", "debugging")
MINUTES = 15
KIND = "spot-the-bug"


def rnn_forward(x, h0, Wx, Wh, b):
    """(T, B, D), (B, H), (D, H), (H, H), (H,) -> (hs (T, B, H), cache)."""
    hs = np.empty((x.shape[0],) + h0.shape)
    h = h0
    for t in range(x.shape[0]):
        h = np.tanh(x[t] @ Wx + h @ Wh + b)
        hs[t] = h
    return hs, (x, h0, Wx, Wh, hs)


def rnn_backward(dhs, cache):
    """(T, B, H) upstream gradient -> (dx, dh0, dWx, dWh, db)."""
    x, h0, Wx, Wh, hs = cache
    dx = np.zeros_like(x)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wh.shape[0])
    # BEGIN SOLUTION
    dh_next = np.zeros_like(h0)
    for t in reversed(range(x.shape[0])):
        h_prev = hs[t - 1] if t > 0 else h0
        da = (dhs[t] + dh_next) * (1 - hs[t] ** 2)
        dWx += x[t].T @ da
        dWh += h_prev.T @ da
        db += da.sum(axis=0)
        dx[t] = da @ Wx.T
        dh_next = da @ Wh.T
    return dx, dh_next, dWx, dWh, db
    # BUGGY
    dh_next = np.zeros_like(h0)
    for t in reversed(range(x.shape[0])):
        h_prev = hs[t - 1] if t > 0 else h0
        da = (dhs[t] + dh_next) * (1 - hs[t] ** 2)
        dWx = x[t].T @ da
        dWh = h_prev.T @ da
        db = da.sum(axis=0)
        dx[t] = da @ Wx.T
        dh_next = da @ Wh.T
    return dx, dh_next, dWx, dWh, db
    # END SOLUTION

"""Spot the bug: an Adam optimizer

This code has a bug (or several): find and fix it. Training with it works, but the first
few hundred steps behave differently from `torch.optim.Adam` with the same settings, and a
warm-up that was tuned with PyTorch no longer fits.

What the code is supposed to do: `Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8)` holds
a list of float64 parameter arrays and updates them IN PLACE. Each call
`opt.step(grads)` (a list of gradient arrays, one per parameter, same shapes) is one step
of Adam (Kingma & Ba), as PyTorch does it, with `t` the number of steps taken so far
(1 on the first call):

    m = beta1 m + (1 - beta1) g            v = beta2 v + (1 - beta2) g^2
    m_hat = m / (1 - beta1^t)              v_hat = v / (1 - beta2^t)
    p -= lr * m_hat / (sqrt(v_hat) + eps)

Worked example: with a constant gradient `g` every step moves each entry by
`lr * g / (|g| + eps)`, about `lr`, from the very first step: after 3 steps with `lr=0.1`
and `g = [-50.0]`, `p = [0.0]` has become about `[0.3]`.
"""

import numpy as np

LEVEL = "easy"
TOPICS = ("optim", "debugging")
MINUTES = 10
KIND = "spot-the-bug"


class Adam:
    """Adam over a list of NumPy parameter arrays, updated in place by step(grads)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        self.params = list(params)
        self.lr, self.betas, self.eps = lr, betas, eps
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.t = 0

    def step(self, grads):
        """One Adam step: update every parameter in place from its gradient."""
        beta1, beta2 = self.betas
        self.t += 1
        # BEGIN SOLUTION
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * g * g
            m_hat = m / (1 - beta1**self.t)
            v_hat = v / (1 - beta2**self.t)
            p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
        return
        # BUGGY
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * g * g
            p -= self.lr * m / (np.sqrt(v) + self.eps)
        # END SOLUTION

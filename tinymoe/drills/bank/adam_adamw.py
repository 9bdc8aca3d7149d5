"""Adam and AdamW

Write one step of Adam and one of AdamW (PyTorch's conventions). Both take the parameter
`p`, its gradient `grad`, the first and second moment estimates `m` and `v` (float64 arrays
of the same shape, zeros before the first step) and the step number `t` (1 on the first
step), and return `(new_p, new_m, new_v)`:

    m_hat = m_t / (1 - beta1^t),  v_hat = v_t / (1 - beta2^t)      # bias correction
    m_t = beta1 m + (1 - beta1) g,  v_t = beta2 v + (1 - beta2) g^2
    p   = p - lr * m_hat / (sqrt(v_hat) + eps)

- `adam_step(p, grad, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)`:
  weight decay is an L2 penalty folded into the gradient, `g = grad + weight_decay * p`.
- `adamw_step(p, grad, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2)`:
  decoupled weight decay (Loshchilov & Hutter): first `p = p * (1 - lr * weight_decay)`,
  then the Adam update with `g = grad` (the decay never goes through `m` and `v`).

Worked example: on the first step (`t = 1`, `m = v = 0`) the bias-corrected update is
`lr * g / (|g| + eps)`, about `lr` in the direction of `-sign(g)` for every entry, however
large or small the gradient: `adam_step(np.array([1.0]), np.array([-50.0]), np.zeros(1),
np.zeros(1), 1, lr=0.1)` returns `p = [1.1]` (up to eps), `m = [-5.0]`, `v = [2.5]`.

Constraints: NumPy only. Do not modify the inputs; return new arrays.
"""

import numpy as np

LEVEL = "medium"
TOPICS = ("optim",)
MINUTES = 15
KIND = "implement"


def adam_step(p, grad, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    """One Adam step with L2 weight decay -> (new_p, new_m, new_v)."""
    # BEGIN SOLUTION
    beta1, beta2 = betas
    g = grad + weight_decay * p
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
    # END SOLUTION


def adamw_step(p, grad, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
    """One AdamW step (decoupled weight decay) -> (new_p, new_m, new_v)."""
    # BEGIN SOLUTION
    return adam_step(p * (1 - lr * weight_decay), grad, m, v, t, lr, betas, eps, 0.0)
    # END SOLUTION

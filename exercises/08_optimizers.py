# Exercises for lesson 08: replace each `raise NotImplementedError(...)` with your code.
# Generated from solutions/08_optimizers.py by `tinymoe stubs`; `tinymoe reset NN.M` restores a stub.
"""Lesson 08: optimisers (SGD, momentum, Adam, AdamW) and a learning-rate schedule.

Each step function is pure: it takes NumPy arrays (parameters `p`, gradient `g`, and the
optimiser's state), and returns NEW arrays without modifying its inputs. All arrays have
the same shape, any shape. The update rules follow PyTorch's `torch.optim` exactly, so a
model trained here and one trained there take the same steps.

Worked example, once every exercise is done:

    >>> p = np.array([1.0, -2.0]); g = np.array([0.5, 0.5])
    >>> sgd_step(p, g, lr=0.1)
    array([ 0.95, -2.05])
    >>> m = v = np.zeros(2)
    >>> p1, m, v = adam_step(p, g, m, v, t=1, lr=0.1)
    >>> p1                         # Adam's first step is lr * sign(g)
    array([ 0.9, -2.1])
"""

import numpy as np


def rosenbrock(p, a=1.0, b=100.0):
    """The Rosenbrock "banana" f(x, y) = (a - x)^2 + b (y - x^2)^2 and its gradient.

    Minimum 0 at (a, a^2), at the end of a long, curved, flat-bottomed valley.

    Args:
        p: array of shape (..., 2): points (x, y); a grid of points works too.
    Returns:
        (f, grad): f of shape (...), grad of shape (..., 2) with
        df/dx = -2 (a - x) - 4 b x (y - x^2),  df/dy = 2 b (y - x^2).

    Example: rosenbrock(np.array([0.0, 0.0]))  ->  (1.0, array([-2., 0.]))
    """
    raise NotImplementedError("exercise 08.1: Rosenbrock value and its analytic gradient")


def sgd_step(p, g, lr):
    """Plain gradient descent: p_new = p - lr * g. Returns p_new; p is not modified.

    Example: sgd_step(np.array([1.0]), np.array([2.0]), lr=0.1)  ->  array([0.8])
    """
    raise NotImplementedError("exercise 08.2: SGD step p - lr * g (return a new array)")


def momentum_step(p, g, buf, lr, momentum=0.9):
    """SGD with (heavy-ball) momentum, PyTorch's form:

        buf_new = momentum * buf + g
        p_new   = p - lr * buf_new

    `buf` starts as zeros. Returns (p_new, buf_new); the inputs are not modified.

    Example: p, buf = momentum_step(np.array([0.0]), np.array([1.0]), np.zeros(1), lr=0.1)
             -> p == [-0.1], buf == [1.0]; another step with g = 1 gives buf 1.9, p -0.29
    """
    raise NotImplementedError("exercise 08.3: momentum step (velocity buffer, then move along it)")


def adam_step(p, g, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    """One Adam step (Kingma & Ba 2015) with bias correction; `t` counts steps from 1.

        m_new = b1 m + (1 - b1) g                 # running mean of g
        v_new = b2 v + (1 - b2) g^2               # running mean of g^2
        m_hat = m_new / (1 - b1^t);  v_hat = v_new / (1 - b2^t)
        p_new = p - lr * m_hat / (sqrt(v_hat) + eps)

    m and v start as zeros, so without the division by (1 - b^t) they are biased toward
    zero for the first steps. Returns (p_new, m_new, v_new); the inputs are not modified.
    Raise ValueError if t < 1.

    Example: adam_step(np.array([1.0]), np.array([3.0]), np.zeros(1), np.zeros(1), t=1, lr=0.1)
             -> p_new == [0.9] (first step is lr * sign(g)), m_new == [0.3], v_new == [0.009]
    """
    raise NotImplementedError("exercise 08.4: Adam step with bias correction (t starts at 1)")


def adamw_step(p, g, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
    """One AdamW step (Loshchilov & Hutter 2019): DECOUPLED weight decay.

    First shrink the weights, p <- p * (1 - lr * weight_decay), then take an ordinary Adam
    step with the unchanged gradient g. (Adding weight_decay * p to g instead is L2
    regularisation, which Adam then divides by sqrt(v_hat): not the same thing.)
    Returns (p_new, m_new, v_new); the inputs are not modified.

    Example: with g = 0 everywhere and t = 1, p_new == p * (1 - lr * weight_decay).
    """
    raise NotImplementedError("exercise 08.5: AdamW: decay the weights by lr*wd, then an Adam step")


def warmup_cosine_lr(step, warmup_steps, total_steps, lr_max, lr_min=0.0):
    """Learning rate at `step` (0-based) for linear warm-up then cosine decay.

        step < warmup_steps:         lr_max * step / warmup_steps        (0 at step 0)
        warmup_steps <= step <= total_steps:
            progress = (step - warmup_steps) / (total_steps - warmup_steps)
            lr_min + 0.5 * (lr_max - lr_min) * (1 + cos(pi * progress))
        step > total_steps:          lr_min

    Returns a Python float. Requires 0 <= warmup_steps < total_steps (else ValueError).

    Example: warmup_cosine_lr(5, 10, 110, 1.0)  -> 0.5;   (60, 10, 110, 1.0) -> 0.5;
             warmup_cosine_lr(10, 10, 110, 1.0) -> 1.0;   (110, 10, 110, 1.0) -> 0.0
    """
    raise NotImplementedError("exercise 08.6: linear warm-up then cosine decay to lr_min")


def optimize(method, grad_fn, p0, steps, lr, **hparams):
    """Run `steps` updates of `method` ("sgd", "momentum", "adam" or "adamw") from p0,
    with gradients from grad_fn(p) -> array like p. Extra keyword arguments go to the step
    function (momentum=..., betas=..., weight_decay=...).

    Returns the trajectory, an array of shape (steps + 1, *p0.shape), starting with p0.
    """
    p = np.array(p0, dtype=float)
    state = [np.zeros_like(p), np.zeros_like(p)]
    path = [p]
    for t in range(1, steps + 1):
        g = grad_fn(p)
        if method == "sgd":
            p = sgd_step(p, g, lr)
        elif method == "momentum":
            p, state[0] = momentum_step(p, g, state[0], lr, **hparams)
        elif method in ("adam", "adamw"):
            step_fn = adam_step if method == "adam" else adamw_step
            p, state[0], state[1] = step_fn(p, g, state[0], state[1], t, lr=lr, **hparams)
        else:
            raise ValueError(f"optimize: unknown method {method!r}")
        path.append(p)
    return np.stack(path)

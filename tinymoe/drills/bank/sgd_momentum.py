"""SGD with momentum (and weight decay, Nesterov)

Write one step of stochastic gradient descent with momentum, PyTorch's convention:

    g   = grad + weight_decay * p                 # L2 weight decay, folded into the gradient
    buf = g                      on the first step (buf is None)
    buf = momentum * buf + g     afterwards
    p   = p - lr * buf                            # or, with nesterov=True:
    p   = p - lr * (g + momentum * buf)

`sgd_momentum_step(p, grad, buf, lr, momentum=0.9, weight_decay=0.0, nesterov=False)` takes
the parameter `p` and its gradient `grad` (float64 arrays of the same shape, any shape) and
the velocity `buf` from the previous step (`None` on the first step), and returns the pair
`(new_p, new_buf)`.

Worked example (lr 0.1, momentum 0.9): with `p = [1.0]` and the gradient `[1.0]` at every
step, the first step gives `([0.9], [1.0])`, the second `([0.71], [1.9])`: the velocity
grows towards `grad / (1 - momentum) = 10`.

Constraints: NumPy only. Return new arrays: do not modify `p`, `grad` or `buf` (the caller
may keep them).
"""

LEVEL = "easy"
TOPICS = ("optim",)
MINUTES = 10
KIND = "implement"


def sgd_momentum_step(p, grad, buf, lr, momentum=0.9, weight_decay=0.0, nesterov=False):
    """One SGD-with-momentum step -> (new_p, new_buf), arrays shaped like p."""
    # BEGIN SOLUTION
    g = grad + weight_decay * p
    new_buf = g.copy() if buf is None else momentum * buf + g
    step = g + momentum * new_buf if nesterov else new_buf
    return p - lr * step, new_buf
    # END SOLUTION

"""Lesson 02: backpropagation by hand, and gradient checking.

The network is the one from seed article 000, fixed: x -> dense -> tanh -> dense -> y_hat,
trained on the mean squared error. Weights use PyTorch's layout W (out, in), y = x @ W.T + b.
"""

import numpy as np


def linear_backward(x, W, dy):
    """Backward pass of y = x @ W.T + b.

    x: (N, D_in) the layer's input; W: (D_out, D_in); dy: (N, D_out) = dL/dy.
    Returns (dx, dW, db) with the shapes of x, W and b: (N, D_in), (D_out, D_in), (D_out,).

    Example: for N=1, x = [[1, 2]], W = [[3, 4]], dy = [[10]]:
        dx = [[30, 40]], dW = [[10, 20]], db = [10].
    """
    # BEGIN SOLUTION 02.1: dx = dy W, dW = dy^T x, db = column sums of dy
    dx = dy @ W
    dW = dy.T @ x
    db = dy.sum(axis=0)
    return dx, dW, db
    # END SOLUTION


def init_params(d_in, d_hidden, d_out, rng):
    """Parameters of the 2-layer network: W1 (H, D), b1 (H,), W2 (O, H), b2 (O,)."""
    return {
        "W1": rng.standard_normal((d_hidden, d_in)) / np.sqrt(d_in),
        "b1": 0.1 * rng.standard_normal(d_hidden),
        "W2": rng.standard_normal((d_out, d_hidden)) / np.sqrt(d_hidden),
        "b2": 0.1 * rng.standard_normal(d_out),
    }


def forward(params, x):
    """Forward pass z1 = x W1^T + b1, h = tanh(z1), y_hat = h W2^T + b2.

    params: dict from init_params; x: (N, D).
    Returns (y_hat, cache): y_hat (N, O) and cache = (x, h), what backward needs (h is the
    hidden layer's output tanh(z1), not z1).

    Example: with all weights and biases zero, y_hat is all zeros and h = tanh(0) = 0.
    """
    # BEGIN SOLUTION 02.2: two dense layers with tanh between them; keep what backward needs
    h = np.tanh(x @ params["W1"].T + params["b1"])
    y_hat = h @ params["W2"].T + params["b2"]
    return y_hat, (x, h)
    # END SOLUTION


def mse(y_hat, y):
    """Mean squared error over all elements, and its gradient 2 (y_hat - y) / y_hat.size."""
    diff = y_hat - y
    return float(np.mean(diff**2)), 2.0 * diff / diff.size


def backward(params, cache, dy_hat):
    """Backward pass of `forward`: the gradient of the loss for every parameter.

    params: as in forward; cache: forward's second output; dy_hat: (N, O) = dL/dy_hat.
    Returns a dict with keys "W1", "b1", "W2", "b2", each the shape of its parameter.
    tanh'(z1) = 1 - tanh(z1)^2 = 1 - h^2: use the saved h.

    Example: if dy_hat is all zeros, every gradient is zeros of the parameter's shape.
    """
    # BEGIN SOLUTION 02.3: linear_backward twice, with tanh's derivative in between
    x, h = cache
    dh, dW2, db2 = linear_backward(h, params["W2"], dy_hat)
    dz1 = dh * (1.0 - h**2)
    _, dW1, db1 = linear_backward(x, params["W1"], dz1)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
    # END SOLUTION


def loss_and_grads(params, x, y):
    """The MSE loss of the network on (x, y) and its gradients by backprop."""
    y_hat, cache = forward(params, x)
    loss, dy_hat = mse(y_hat, y)
    return loss, backward(params, cache, dy_hat)


def numerical_grad(f, x, eps=1e-6):
    """Central-difference gradient of the scalar function f at the float array x.

    f: callable taking the array x and returning a float; x: any shape, float64.
    Perturb one entry at a time IN PLACE, x[i] +- eps, and put it back exactly afterwards:
    df/dx[i] ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps), with error O(eps^2).
    Returns an array of x's shape.

    Example: numerical_grad(lambda a: float(np.sum(a**2)), np.array([1.0, -2.0]))
        is close to [2., -4.].
    """
    # BEGIN SOLUTION 02.4: nudge each entry up and down by eps, restore it, divide by 2 eps
    grad = np.zeros_like(x, dtype=np.float64)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        f_plus = f(x)
        x[i] = old - eps
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2.0 * eps)
    return grad
    # END SOLUTION


def relative_error(a, b):
    """Relative error ||a - b|| / (||a|| + ||b||) between two gradients (Frobenius norms).

    a, b: arrays of the same shape. Returns a float in [0, 1]: 0 when equal, 1 when
    a = -b; 0.0 (not nan) when both are all zeros. As a rule of thumb in float64 with
    central differences: < 1e-7 is right, > 1e-3 is a bug.

    Example: relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    """
    # BEGIN SOLUTION 02.5: norm of the difference over the sum of norms, guarded against 0/0
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    if denom == 0.0:
        return 0.0
    return float(np.linalg.norm(a - b) / denom)
    # END SOLUTION


def grad_check(loss_fn, params, grads, eps=1e-6):
    """Compare analytic gradients against central differences, parameter by parameter.

    loss_fn: callable loss_fn(params) -> float that reads the arrays in `params`;
    params: dict name -> float64 array; grads: dict name -> analytic gradient (same shapes).
    eps: the finite-difference step, passed on to numerical_grad.
    Returns dict name -> relative_error(analytic, numerical), a relative measure that does
    not change when the loss is scaled. params is left unchanged.

    Example: grad_check(lambda p: float(np.sum(p["w"] ** 2)), {"w": w}, {"w": 2 * w})
        gives {"w": ~1e-10}.
    """
    # BEGIN SOLUTION 02.6: numerical_grad of the loss for each parameter, then relative_error
    report = {}
    for name, value in params.items():
        numeric = numerical_grad(lambda _: loss_fn(params), value, eps)
        report[name] = relative_error(grads[name], numeric)
    return report
    # END SOLUTION

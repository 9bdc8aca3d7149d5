"""Lesson 10: from an ensemble to a learned gate, the dense mixture of experts.

A dense mixture (Jacobs, Jordan, Nowlan & Hinton 1991) runs every expert on every input and
adds their outputs with weights that depend on the input:

    g(x) = softmax(W_g x + b_g)          (E,) gates, positive, summing to 1
    y(x) = sum_i g_i(x) E_i(x)           with here linear experts E_i(x) = W_i x + b_i

Parameters travel as a dict ``params`` with float64 arrays
    "Wg": (E, D) gate weights   "bg": (E,) gate biases
    "We": (E, O, D) expert weights   "be": (E, O) expert biases
for E experts, D input features and O outputs; a batch x is (N, D).
"""

import numpy as np


def softmax_gate(x, Wg, bg):
    """The softmax gate g = softmax(x Wg^T + bg), one distribution over experts per row.

    x: (N, D) inputs; Wg: (E, D) gate weights (one row per expert, like nn.Linear);
    bg: (E,) gate biases. Returns g: (N, E), every entry > 0, every row summing to 1.
    Subtract each row's max logit before exponentiating: logits of 1e4 must not overflow.

    Example:
        >>> softmax_gate(np.array([[1.0], [-1.0]]), np.array([[2.0], [0.0]]), np.zeros(2))
        array([[0.88079708, 0.11920292],
               [0.11920292, 0.88079708]])
    (expert 0 owns positive x, expert 1 negative x: the weights depend on the input.)
    """
    # BEGIN SOLUTION 10.1: logits x Wg^T + bg, subtract the row max, exponentiate, normalise
    z = x @ Wg.T + bg
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
    # END SOLUTION


def dense_moe_forward(x, params):
    """Forward pass of a dense mixture of linear experts.

    x: (N, D); params: dict with "Wg" (E, D), "bg" (E,), "We" (E, O, D), "be" (E, O).
    Returns (y, g, h):
        g: (N, E) the gates softmax_gate(x, Wg, bg);
        h: (N, E, O) every expert's output, h[n, i] = We[i] @ x[n] + be[i];
        y: (N, O) the mixture, y[n] = sum_i g[n, i] h[n, i].

    Example: with Wg = 0 and bg = 0 the gate is uniform and y is the plain average of the
    experts' outputs (an ensemble with equal weights).
    """
    # BEGIN SOLUTION 10.2: gates, every expert on every row (einsum), gate-weighted sum over E
    g = softmax_gate(x, params["Wg"], params["bg"])
    h = np.einsum("nd,eod->neo", x, params["We"]) + params["be"]
    y = np.einsum("ne,neo->no", g, h)
    return y, g, h
    # END SOLUTION


def dense_moe_backward(dy, x, params):
    """Gradients of a dense mixture, given dy = dL/dy for some loss L.

    dy: (N, O) upstream gradient; x: (N, D); params as in dense_moe_forward.
    Returns (dx, grads): dx (N, D) and a dict of dL/dparam with the keys and shapes of params.

    With a_i = <dy, h_i> (how much expert i's output agrees with the direction the loss
    wants to move y), the gate logits z = x Wg^T + bg get

        dL/dz_i = g_i (a_i - sum_j g_j a_j),

    since y = sum_i g_i h_i and softmax couples the gates: raising one lowers the others.
    Expert i sees the upstream gradient scaled by its gate: dL/dh_i = g_i dy.

    Example: if every expert outputs the same h, then a_i = a_j for all i, j and dL/dz = 0:
    the gate cannot improve the loss by reweighting identical experts.
    """
    # BEGIN SOLUTION 10.3: a = <dy, h_i>, dz = g (a - sum g a), dh = g dy; then chain to params
    _, g, h = dense_moe_forward(x, params)
    a = np.einsum("no,neo->ne", dy, h)  # (N, E)
    dz = g * (a - (g * a).sum(axis=1, keepdims=True))  # (N, E)
    dh = g[:, :, None] * dy[:, None, :]  # (N, E, O)
    grads = {
        "Wg": dz.T @ x,
        "bg": dz.sum(axis=0),
        "We": np.einsum("neo,nd->eod", dh, x),
        "be": dh.sum(axis=0),
    }
    dx = dz @ params["Wg"] + np.einsum("neo,eod->nd", dh, params["We"])
    return dx, grads
    # END SOLUTION


def sigmoid(z):
    """Numerically stable logistic sigmoid 1 / (1 + exp(-z)), elementwise (lesson 01)."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_mixture(x, thetas, gate_W, gate_b):
    """Seed 002's model y = sum_i w_i sigmoid(theta_i . x), with the weights made a gate.

    x: (N, D); thetas: (E, D), one sigmoid unit per expert; gate_W: (E, D); gate_b: (E,).
    The weights are w(x) = softmax_gate(x, gate_W, gate_b). Returns y: (N,).

    Seed 002 (docs/sources.md#seed-002) fixes w = (0.6, 0.4) for every x: that is
    gate_W = 0 and gate_b = log(0.6, 0.4),
    a gate that ignores its input, i.e. an ensemble. Any other gate_W lets the weights
    depend on x, and both gate_W and gate_b can then be learned.

    Example: with gate_W = 0, gate_b = np.log([0.6, 0.4]) and thetas = 0 every sigmoid is 0.5,
    so y = 0.6 * 0.5 + 0.4 * 0.5 = 0.5 for every row.
    """
    # BEGIN SOLUTION 10.4: gates from x, one sigmoid per expert, gate-weighted sum over experts
    g = softmax_gate(x, gate_W, gate_b)  # (N, E)
    return (g * sigmoid(x @ thetas.T)).sum(axis=1)
    # END SOLUTION


def responsibilities(g, h, y, sigma=1.0):
    """Posterior responsibility of each expert for each example: who owns this input?

    g: (N, E) gates (the prior that expert i produced example n); h: (N, E, O) the
    experts' predictions; y: (N, O) targets; sigma: the noise scale of each expert's
    Gaussian likelihood. Returns r: (N, E), rows summing to 1:

        r[n, i] = g[n, i] exp(-|y[n] - h[n, i]|^2 / (2 sigma^2)) / (sum over i of the same)

    Jacobs et al. 1991 train each expert on the examples it is responsible for; r.argmax(1)
    says which expert owns each input. Work in log space (log g_i minus the scaled squared
    error, subtract the row max, exponentiate, normalise): with errors of 100, exp underflows
    to 0 for every expert and the naive ratio is 0 / 0.

    Example: if two experts predict equally well, r equals the gate; if one expert is far
    off, its responsibility goes to ~0 whatever its gate.
    """
    # BEGIN SOLUTION 10.5: log prior minus squared error over 2 sigma^2; stable row softmax
    err = ((y[:, None, :] - h) ** 2).sum(axis=2)  # (N, E)
    with np.errstate(divide="ignore"):  # a gate of exactly 0 is a responsibility of 0
        s = np.log(g) - err / (2.0 * sigma**2)
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
    # END SOLUTION


def train_step(params, x, y, lr):
    """One full-batch gradient-descent step of the dense mixture on the mean squared error.

    params: dict as in dense_moe_forward (do not modify its arrays); x: (N, D); y: (N, O)
    targets; lr: learning rate. The loss is L = mean((y_hat - y)^2) over all N * O entries,
    so dL/dy_hat = 2 (y_hat - y) / (N * O). Every parameter, the gate's included, moves by
    -lr * dL/dparam. Returns (loss, new_params): the loss BEFORE the step (a float) and a new
    dict with the updated arrays.

    Example: after the step the loss at new_params is lower for a small enough lr.
    """
    # BEGIN SOLUTION 10.6: forward, mse and its gradient, backward, a new dict p - lr * grad
    y_hat, _, _ = dense_moe_forward(x, params)
    diff = y_hat - y
    _, grads = dense_moe_backward(2.0 * diff / diff.size, x, params)
    new_params = {name: value - lr * grads[name] for name, value in params.items()}
    return float(np.mean(diff**2)), new_params
    # END SOLUTION

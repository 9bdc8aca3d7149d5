"""Lesson 03: loss functions, their gradients, and gradient descent.

Every loss returns (loss, grad): the mean loss over the batch as a float and its gradient
with respect to the predictions, the same shape as the predictions.
"""

import numpy as np


def mse(pred, target):
    """Mean squared error over all elements: mean((pred - target)^2).

    pred, target: same shape (any). Returns (loss, dpred) with dpred = 2 (pred - target) / size.

    Example:
        >>> mse(np.array([1.0, 3.0]), np.array([1.0, 1.0]))
        (2.0, array([0., 2.]))
    """
    # BEGIN SOLUTION 03.1: the mean of squared differences; each element's share is 2 diff / size
    diff = pred - target
    return float(np.mean(diff**2)), 2.0 * diff / diff.size
    # END SOLUTION


def bce_with_logits(z, y):
    """Binary cross-entropy on logits, numerically stable.

    z: (N,) logits (any real number, even 1e4); y: (N,) targets in [0, 1].
    loss = mean(-y log sigmoid(z) - (1 - y) log(1 - sigmoid(z)))
         = mean(max(z, 0) - z y + log(1 + exp(-|z|))), the form that never overflows.
    Returns (loss, dz) with dz = (sigmoid(z) - y) / N.

    Example: bce_with_logits(np.array([0.0]), np.array([1.0])) -> (log 2 = 0.693..., [-0.5])
    """
    # BEGIN SOLUTION 03.2: the max/log1p form for the loss, (sigmoid - y) / N for the gradient
    n = z.size
    loss = np.mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z))))
    e = np.exp(-np.abs(z))
    p = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return float(loss), (p - y) / n
    # END SOLUTION


def softmax(z):
    """Softmax along the last axis, numerically stable.

    z: (..., C) scores. Returns probabilities of the same shape (a new array: z is left
    unchanged); each row sums to 1. Subtract each ROW's max first (not the whole array's: rows
    may differ by thousands): softmax(z) = softmax(z - c), and exp never overflows.

    Example:
        >>> softmax(np.array([[1000.0, 1000.0]]))
        array([[0.5, 0.5]])
    """
    # BEGIN SOLUTION 03.3: shift by the row max, exponentiate, normalise
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
    # END SOLUTION


def one_hot(labels, num_classes):
    """(N,) integer labels -> (N, num_classes) float64 rows with a single 1."""
    return np.eye(num_classes)[labels]


def cross_entropy(logits, labels):
    """Softmax cross-entropy: mean over the batch of -log softmax(logits)[n, labels[n]].

    logits: (N, C) raw scores; labels: (N,) integer classes in [0, C), where some classes
    may be absent from the batch (C is logits.shape[1]).
    Returns (loss, dlogits) with dlogits = (softmax(logits) - one_hot(labels, C)) / N, (N, C).
    Compute log-softmax as (z - max) - log(sum(exp(z - max))): never log(0), never overflow.

    Example: with logits all equal (C classes) the loss is log(C) for any labels.
    """
    # BEGIN SOLUTION 03.4: stable log-softmax, pick the label's entry, gradient p - onehot over N
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(n), labels].mean()
    return float(loss), (np.exp(log_p) - one_hot(labels, logits.shape[1])) / n
    # END SOLUTION


def minibatch_indices(n, batch_size, rng):
    """One epoch of mini-batches: a random permutation of range(n) cut into batches.

    n: number of examples; batch_size: 1 (stochastic) ... n (full batch); rng: a NumPy
    Generator (shuffle with it, e.g. rng.permutation: the same seed gives the same batches).
    Returns a list of integer arrays, each of length
    batch_size except possibly the last (the remainder); together they hold every index once.

    Example: minibatch_indices(5, 2, rng) might give [array([3, 0]), array([4, 1]), array([2])].
    """
    # BEGIN SOLUTION 03.5: shuffle the indices once, then slice them batch_size at a time
    order = rng.permutation(n)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]
    # END SOLUTION


def gradient_descent(loss_and_grad, w, X, y, lr, epochs, batch_size, rng):
    """Mini-batch gradient descent: batch_size = len(X) is batch GD, 1 is stochastic GD.

    loss_and_grad: callable (w, Xb, yb) -> (loss, dw), the mean loss on a batch and its
    gradient; w: initial parameters (any shape; do not modify the caller's array);
    X: (N, ...) inputs; y: (N, ...) targets; lr: learning rate; epochs: passes over the data;
    batch_size: examples per step; rng: Generator passed to minibatch_indices each epoch (a
    new shuffle every epoch, drawn from this rng).
    Returns (w, history): the final parameters and a list of epochs + 1 floats, the loss on
    the FULL data set before training and after each epoch.

    Example: with batch_size = len(X) and epochs = 1, the result is w - lr * dw at the start.
    """
    # BEGIN SOLUTION 03.6: for each epoch, a step w -= lr * dw per mini-batch; record full loss
    w = np.array(w, dtype=np.float64)
    history = [loss_and_grad(w, X, y)[0]]
    for _ in range(epochs):
        for idx in minibatch_indices(len(X), batch_size, rng):
            _, dw = loss_and_grad(w, X[idx], y[idx])
            w = w - lr * dw
        history.append(loss_and_grad(w, X, y)[0])
    return w, history
    # END SOLUTION

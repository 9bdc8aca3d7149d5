# Exercises for lesson 01: replace each `raise NotImplementedError(...)` with your code.
# Generated from solutions/01_neurons.py by `tinymoe stubs`; `tinymoe reset NN.M` restores a stub.
"""Lesson 01: neurons and activations in NumPy.

A neuron computes a weighted sum of its inputs plus a bias and passes it through a
non-linearity. A dense layer is many neurons side by side: with weights W of shape
(out, in), the layer computes y = x @ W.T + b for a batch x of shape (N, in).
"""

import numpy as np


def neuron(x, w, b):
    """One neuron's pre-activation z = x . w + b.

    x: (N, D) batch of inputs, one example per row; w: (D,) weights; b: float bias.
    Returns z: (N,).

    Example:
        >>> neuron(np.array([[1.0, 2.0]]), np.array([0.5, -1.0]), 0.25)
        array([-1.25])
    """
    raise NotImplementedError("exercise 01.1: weighted sum of the inputs plus the bias")


def dense_forward(x, W, b):
    """A dense (fully connected) layer: y = x @ W.T + b, PyTorch's weight layout.

    x: (N, D_in); W: (D_out, D_in), one row per neuron; b: (D_out,).
    Returns y: (N, D_out). Raises ValueError naming the shapes when they do not fit
    (W's second dimension must equal D_in, b must have D_out entries).

    Example:
        >>> dense_forward(np.array([[1.0, 2.0]]), np.array([[1.0, 0.0], [0.0, 1.0],
        ...               [1.0, 1.0]]), np.array([0.0, 0.0, -3.0]))
        array([[1., 2., 0.]])
    """
    raise NotImplementedError(
        "exercise 01.2: check the shapes, then one matrix product plus a broadcast bias"
    )


def sigmoid(x):
    """Numerically stable logistic sigmoid 1 / (1 + exp(-x)), elementwise.

    x: any shape (integer arrays too). Returns a new float64 array of the same shape (x is
    left unchanged), without overflow warnings even for x = -1000 (where exp(-x)
    overflows): for x < 0 use the equivalent exp(x) / (1 + exp(x)). Accurate in relative
    terms in the tails too: sigmoid(-50) is about 1.9e-22, not 0. Beware
    np.where(cond, a, b): it computes both a and b for every x before choosing.

    Example:
        >>> sigmoid(np.array([-1000.0, 0.0, 1000.0]))
        array([0. , 0.5, 1. ])
    """
    raise NotImplementedError(
        "exercise 01.3: two branches so that exp only ever sees a non-positive number"
    )


def relu(z):
    """max(z, 0), elementwise."""
    return np.maximum(z, 0.0)


ACTIVATIONS = {"sigmoid": sigmoid, "tanh": np.tanh, "relu": relu}


def activation_grad(name, z):
    """Derivative of the activation `name` with respect to its input, at pre-activation z.

    name: "sigmoid", "tanh" or "relu"; z: any shape (the input of the activation, NOT its
    output). Returns an array of z's shape: sigma(z)(1 - sigma(z)), 1 - tanh(z)^2, and
    1 where z > 0 else 0 (the convention at z = 0 is 0). Unknown names raise ValueError.

    Example:
        >>> activation_grad("relu", np.array([-1.0, 0.0, 2.0]))
        array([0., 0., 1.])
    """
    raise NotImplementedError(
        "exercise 01.4: each derivative written with the activation's own output"
    )


def mlp_forward(x, layers, activation="relu"):
    """Forward pass of a multi-layer perceptron.

    x: (N, D_0); layers: list of (W, b) with W (D_k, D_{k-1}) and b (D_k,);
    activation: a key of ACTIVATIONS, applied after every layer except the last
    (the last layer is linear: its output is the network's raw score).
    Returns (N, D_L).

    Example: with layers [(W1, b1), (W2, b2)] the result is
        dense_forward(relu(dense_forward(x, W1, b1)), W2, b2).
    """
    raise NotImplementedError("exercise 01.5: dense -> activation for every layer but the last")

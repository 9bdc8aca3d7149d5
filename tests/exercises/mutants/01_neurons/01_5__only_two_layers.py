"""mutant 01.5: hard-codes a two-layer network: first layer, activation, last layer."""


def mlp_forward(x, layers, activation="relu"):
    act = ACTIVATIONS[activation]  # noqa: F821 (defined by the reference file)
    (W1, b1), (W2, b2) = layers[0], layers[-1]
    return dense_forward(act(dense_forward(x, W1, b1)), W2, b2)  # noqa: F821

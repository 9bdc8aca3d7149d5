"""mutant 01.5: applies the activation after the last layer too."""


def mlp_forward(x, layers, activation="relu"):
    act = ACTIVATIONS[activation]  # noqa: F821 (defined by the reference file)
    h = x
    for W, b in layers:
        h = act(dense_forward(h, W, b))  # noqa: F821
    return h

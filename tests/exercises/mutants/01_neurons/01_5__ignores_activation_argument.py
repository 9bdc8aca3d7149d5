"""mutant 01.5: always uses relu, whatever `activation` says."""


def mlp_forward(x, layers, activation="relu"):
    h = x
    for k, (W, b) in enumerate(layers):
        h = dense_forward(h, W, b)  # noqa: F821 (defined by the reference file)
        if k < len(layers) - 1:
            h = relu(h)  # noqa: F821
    return h

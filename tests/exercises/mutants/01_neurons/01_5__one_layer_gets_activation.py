"""mutant 01.5: activation between layers, but a one-layer network gets it too (its only
layer is the last one, which must stay linear)."""

def mlp_forward(x, layers, activation="relu"):
    act = ACTIVATIONS[activation]  # noqa: F821 (defined by the reference file)
    h = x
    for k, (W, b) in enumerate(layers):
        if k > 0:
            h = act(h)
        h = dense_forward(h, W, b)  # noqa: F821
    return act(h) if len(layers) == 1 else h

"""mutant 01.2: checks the shapes with assert (AssertionError), not ValueError."""


def dense_forward(x, W, b):
    assert x.shape[1] == W.shape[1], f"x {x.shape}, W {W.shape}"
    assert b.shape == (W.shape[0],), f"b {b.shape}"
    return x @ W.T + b

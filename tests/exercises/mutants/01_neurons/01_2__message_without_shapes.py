"""mutant 01.2: raises ValueError but the message does not say which shapes."""


def dense_forward(x, W, b):
    if x.ndim != 2 or W.ndim != 2 or x.shape[1] != W.shape[1] or b.shape != (W.shape[0],):
        raise ValueError("dense_forward: shapes do not match")
    return x @ W.T + b

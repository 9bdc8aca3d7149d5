"""mutant 01.2: checks W against x but not the bias, so b of shape (D_out, 1) broadcasts."""


def dense_forward(x, W, b):
    if x.shape[1] != W.shape[1]:
        raise ValueError(f"dense_forward: x {x.shape} does not fit W {W.shape}")
    return x @ W.T + b

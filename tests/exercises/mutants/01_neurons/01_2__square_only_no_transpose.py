"""mutant 01.2: x @ W without the transpose (only right when W happens to be square
and symmetric); checks shapes against the (D_in, D_out) layout."""


def dense_forward(x, W, b):
    if x.shape[1] != W.shape[0] and x.shape[1] != W.shape[1]:
        raise ValueError(f"dense_forward: x {x.shape}, W {W.shape}, b {b.shape}")
    if x.shape[1] == W.shape[0]:
        return x @ W + b
    return x @ W.T + b

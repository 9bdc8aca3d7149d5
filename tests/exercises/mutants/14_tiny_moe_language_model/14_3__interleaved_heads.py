"""mutant 14.3: reshape to (B, T, D, H): head h takes every H-th channel."""


def split_heads(x, n_heads):
    batch, n, channels = x.shape
    if channels % n_heads:
        raise ValueError(f"split_heads: C = {channels} is not a multiple of H = {n_heads}")
    return x.reshape(batch, n, channels // n_heads, n_heads).transpose(0, 3, 1, 2)

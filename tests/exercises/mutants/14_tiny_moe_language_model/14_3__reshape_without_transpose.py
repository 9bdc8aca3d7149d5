"""mutant 14.3: x.reshape(B, H, T, D) without moving the head axis."""


def split_heads(x, n_heads):
    batch, n, channels = x.shape
    if channels % n_heads:
        raise ValueError(f"split_heads: C = {channels} is not a multiple of H = {n_heads}")
    return x.reshape(batch, n_heads, n, channels // n_heads)

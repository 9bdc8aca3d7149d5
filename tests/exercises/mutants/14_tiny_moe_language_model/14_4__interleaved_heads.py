"""mutant 14.4: transpose to (B, T, D, H) before the reshape: heads interleaved."""


def merge_heads(x):
    batch, n_heads, n, dim = x.shape
    return x.transpose(0, 2, 3, 1).reshape(batch, n, n_heads * dim)

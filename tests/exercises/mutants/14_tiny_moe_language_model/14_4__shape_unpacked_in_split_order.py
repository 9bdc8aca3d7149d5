"""mutant 14.4: the shape unpacked as (B, T, H, D), the order of split's middle step."""


def merge_heads(x):
    batch, n, n_heads, dim = x.shape
    return x.transpose(0, 2, 1, 3).reshape(batch, n, n_heads * dim)

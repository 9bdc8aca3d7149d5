"""mutant 14.3: no check that H divides C (NumPy's reshape error names neither)."""


def split_heads(x, n_heads):
    batch, n, channels = x.shape
    return x.reshape(batch, n, n_heads, channels // n_heads).transpose(0, 2, 1, 3)

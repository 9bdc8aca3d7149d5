"""2-D convolution by im2col

Shapes follow PyTorch: input `x` `(N, C, H, W)`, weight `w` `(F, C, KH, KW)`, bias `b` `(F,)`
or None, output `(N, F, OH, OW)` with `OH = (H + 2 padding - KH) // stride + 1` (same for
`OW`). Convolution here is cross-correlation (no kernel flip):

    out[n, f, oh, ow] = b[f] + sum_{c, i, j} w[f, c, i, j] * xp[n, c, oh*stride + i, ow*stride + j]

where `xp` is `x` zero-padded by `padding` on each side of H and W.

1. `im2col(x, kh, kw, stride=1, padding=0)` returns `cols` `(N, C*KH*KW, OH*OW)`: column
   `oh * OW + ow` is the flattened patch under output position `(oh, ow)`, its rows in the
   order `(c, i, j)` (row `c*KH*KW + i*KW + j`), i.e. the order of `w[f].ravel()`.
2. `conv2d(x, w, b=None, stride=1, padding=0)`: one matrix product
   `w.reshape(F, -1) @ cols` per batch (or one `einsum`/`matmul` for the whole batch), plus
   the bias, reshaped to `(N, F, OH, OW)`.

Worked example: `x = arange(16).reshape(1, 1, 4, 4)`, `kh = kw = 2`, `stride = 2`: `cols[0]` is

    [[ 0,  2,  8, 10],
     [ 1,  3,  9, 11],
     [ 4,  6, 12, 14],
     [ 5,  7, 13, 15]]

Constraints: NumPy only. Loops over `KH` and `KW` (the kernel offsets) are fine; no Python
loop over `N`, `C`, `OH` or `OW` in `im2col`. Sizes need not divide evenly: `H = 7`,
`KH = 3`, `stride = 2` gives `OH = 3` (the last row of the input is never read).
"""

import numpy as np

LEVEL = "hard"
TOPICS = ("conv", "kernels")
MINUTES = 30
KIND = "implement"


def im2col(x, kh, kw, stride=1, padding=0):
    """(N, C, H, W) -> (N, C*kh*kw, OH*OW) patches, rows ordered (c, i, j)."""
    # BEGIN SOLUTION
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    oh = (h + 2 * padding - kh) // stride + 1
    ow = (w + 2 * padding - kw) // stride + 1
    cols = np.empty((n, c, kh, kw, oh, ow), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = xp[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride]
    return cols.reshape(n, c * kh * kw, oh * ow)
    # END SOLUTION


def conv2d(x, w, b=None, stride=1, padding=0):
    """(N, C, H, W), (F, C, KH, KW), (F,) or None -> (N, F, OH, OW)."""
    # BEGIN SOLUTION
    n, _, h, wd = x.shape
    f, _, kh, kw = w.shape
    oh = (h + 2 * padding - kh) // stride + 1
    ow = (wd + 2 * padding - kw) // stride + 1
    out = w.reshape(f, -1) @ im2col(x, kh, kw, stride, padding)
    if b is not None:
        out = out + b[:, None]
    return out.reshape(n, f, oh, ow)
    # END SOLUTION

"""Tiled (blocked) matrix multiplication

Accelerators multiply small blocks: here a "matrix unit" `block_matmul(a_tile, b_tile)`
multiplies an `(r, s)` tile by an `(s, t)` tile, with `r, s, t <= tile`, and returns the
`(r, t)` product. Write `matmul_tiled(a, b, tile, block_matmul=np.matmul)` that computes
`a @ b` for `a` `(M, K)` and `b` `(K, N)` using ONLY `block_matmul` for multiplications:

    for each row block I (tile rows of a) and column block J (tile columns of b):
        acc = zeros
        for each block P along K:
            acc += block_matmul(a[I, P], b[P, J])
        out[I, J] = acc

Requirements:
- every call to `block_matmul` gets tiles of at most `tile x tile`;
- exactly `ceil(M/tile) * ceil(N/tile) * ceil(K/tile)` calls (no empty tiles);
- `M`, `N`, `K` need not be multiples of `tile`: the last block in each direction is
  smaller. `K = 0` gives an `(M, N)` matrix of zeros;
- the result has dtype `np.result_type(a, b)` (float32 in, float32 out).

Worked example: `M = 5, K = 3, N = 4`, `tile = 2`: row blocks `[0:2], [2:4], [4:5]`,
column blocks `[0:2], [2:4]`, K blocks `[0:2], [2:3]`: `3 * 2 * 2 = 12` calls, the
smallest being a `(1, 1) @ (1, 2)` product.

Constraints: NumPy only; no `@`, `np.dot` or `np.matmul` of your own outside `block_matmul`.
"""

import numpy as np

LEVEL = "medium"
TOPICS = ("kernels",)
MINUTES = 20
KIND = "implement"


def matmul_tiled(a, b, tile, block_matmul=np.matmul):
    """(M, K) @ (K, N) -> (M, N), all products done by block_matmul on <= tile x tile tiles."""
    # BEGIN SOLUTION
    m, k = a.shape
    n = b.shape[1]
    out = np.zeros((m, n), dtype=np.result_type(a, b))
    for i in range(0, m, tile):
        for j in range(0, n, tile):
            acc = out[i:i + tile, j:j + tile]
            for p in range(0, k, tile):
                acc += block_matmul(a[i:i + tile, p:p + tile], b[p:p + tile, j:j + tile])
    return out
    # END SOLUTION

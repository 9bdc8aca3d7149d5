"""Embedding lookup and its backward with repeated ids

An embedding layer is a table W (V, D): the forward picks rows, `out = W[ids]` for an
integer array `ids` of any shape (e.g. (B, T) token ids) -> (..., D). Its backward
scatters the upstream gradient back into the table:

    dW[v] = sum of dout[position] over every position where ids == v

Rows that never appear get 0. The trap: a token id that appears several times in the
batch (think "the") must accumulate ALL its gradients. In NumPy `dW[ids] += dout` does
not: with repeated indices the buffered assignment keeps only one of them. Use
`np.add.at` (or `np.bincount` per column, or a one-hot matmul).

Write:
- `embedding_forward(ids, W)` -> (..., D).
- `embedding_backward(ids, dout, num_embeddings)` -> dW (V, D), V = num_embeddings.

Example: V = 4, D = 1, ids = [1, 3, 1], dout = [[1], [2], [5]] -> dW = [[0], [6], [0], [2]].

Constraints: NumPy only, no Python loops over positions.
"""

import numpy as np

LEVEL = "easy"
TOPICS = ("backprop", "transformers")
MINUTES = 10
KIND = "implement"


def embedding_forward(ids, W):
    """ids (...) int, W (V, D) -> (..., D)."""
    # BEGIN SOLUTION
    return W[ids]
    # END SOLUTION


def embedding_backward(ids, dout, num_embeddings):
    """ids (...) int, dout (..., D) -> dW (num_embeddings, D)."""
    # BEGIN SOLUTION
    dim = dout.shape[-1]
    dW = np.zeros((num_embeddings, dim), dtype=dout.dtype)
    np.add.at(dW, np.ravel(ids), dout.reshape(-1, dim))
    return dW
    # END SOLUTION

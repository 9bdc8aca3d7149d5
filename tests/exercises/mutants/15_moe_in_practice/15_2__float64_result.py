"""mutant 15.2: the result is always float64 (np.zeros without the dtype)."""

import numpy as np


def embedding_backward(ids, grad_out, num_embeddings):
    dim = grad_out.shape[-1]
    grad_weight = np.zeros((num_embeddings, dim))
    np.add.at(grad_weight, np.reshape(ids, -1), np.reshape(grad_out, (-1, dim)))
    return grad_weight

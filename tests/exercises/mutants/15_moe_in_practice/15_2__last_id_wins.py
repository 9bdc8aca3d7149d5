"""mutant 15.2: grad[ids] += grad_out with fancy indexing: a repeated id keeps only its last
gradient."""

import numpy as np


def embedding_backward(ids, grad_out, num_embeddings):
    dim = grad_out.shape[-1]
    grad_weight = np.zeros((num_embeddings, dim), grad_out.dtype)
    grad_weight[np.reshape(ids, -1)] += np.reshape(grad_out, (-1, dim))
    return grad_weight

"""mutant 15.2: the gradient has max(ids) + 1 rows instead of V (ids that never occur at the
end of the vocabulary are missing)."""

import numpy as np


def embedding_backward(ids, grad_out, num_embeddings):
    dim = grad_out.shape[-1]
    grad_weight = np.zeros((int(np.max(ids)) + 1, dim), grad_out.dtype)
    np.add.at(grad_weight, np.reshape(ids, -1), np.reshape(grad_out, (-1, dim)))
    return grad_weight

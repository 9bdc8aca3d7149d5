"""mutant 15.2: grad_out^T @ one_hot(ids): the gradient comes out transposed, (D, V)."""

import numpy as np


def embedding_backward(ids, grad_out, num_embeddings):
    dim = grad_out.shape[-1]
    one_hot = np.eye(num_embeddings, dtype=grad_out.dtype)[np.reshape(ids, -1)]
    return np.reshape(grad_out, (-1, dim)).T @ one_hot

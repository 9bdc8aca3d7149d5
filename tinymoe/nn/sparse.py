"""``Embedding``: a lookup table of learned vectors, indexed by integer ids."""

import numpy as np

from tinymoe.nn import functional as F
from tinymoe.nn import init
from tinymoe.nn.module import Module
from tinymoe.nn.parameter import Parameter
from tinymoe.nn.sizes import check_size


class Embedding(Module):
    """``(*) int ids -> (*, embedding_dim)``; ``weight`` is ``(num_embeddings,
    embedding_dim)`` drawn from ``N(0, 1)`` like PyTorch. Repeated ids add up their
    gradients; float ids raise a ``DTypeError``."""

    def __init__(self, num_embeddings: int, embedding_dim: int, dtype=None) -> None:
        super().__init__()
        self.num_embeddings = check_size("Embedding", "num_embeddings", num_embeddings)
        self.embedding_dim = check_size("Embedding", "embedding_dim", embedding_dim)
        self.weight = Parameter(
            np.empty((self.num_embeddings, self.embedding_dim), dtype=np.dtype(dtype or np.float32))
        )
        init.normal_(self.weight)

    def forward(self, ids):
        return F.embedding(ids, self.weight)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"

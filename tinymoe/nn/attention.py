"""``CausalSelfAttention``: multi-head self-attention in which each position sees only
itself and the positions before it (the attention of a GPT), composed from
differentiable ops so autograd supplies the backward."""

import math

import numpy as np

from tinymoe.errors import ShapeError, fmt
from tinymoe.nn import functional as F
from tinymoe.nn.dropout import Dropout
from tinymoe.nn.linear import Linear
from tinymoe.nn.module import Module
from tinymoe.nn.sizes import check_size
from tinymoe.tensor import Tensor, where


def causal_mask(n: int) -> np.ndarray:
    """(n, n) bool: ``mask[i, j]`` is True where query i may attend to key j (j <= i)."""
    return np.tril(np.ones((n, n), dtype=bool))


class CausalSelfAttention(Module):
    """``(B, T, C) -> (B, T, C)`` with ``C = d_model`` split into ``n_heads`` heads of
    ``D = C // n_heads`` features:

    1. ``q, k, v = split(x @ W_qkv.T + b_qkv)``, each (B, T, C), one fused ``Linear``
       ``qkv`` (weight (3C, C): the rows of q, then k, then v);
    2. split heads: (B, T, C) -> (B, H, T, D);
    3. ``A = softmax(q k^T / sqrt(D) + mask)`` (B, H, T, T), where the mask sets every
       score of a later key (j > i) to -inf before the softmax, so its weight is exactly 0.
       The diagonal is always allowed, so no row is all -inf and no NaN can appear;
       dropout on ``A`` while training;
    4. ``y = A v`` (B, H, T, D), heads merged back to (B, T, C), then the output
       projection ``proj`` (C -> C) and dropout.

    The parameters and their names match a PyTorch module with ``qkv`` and ``proj``
    ``nn.Linear`` layers, so ``load_torch_state_dict`` carries weights across.
    ``block_size`` (optional): the longest sequence allowed; a longer one raises.
    """

    def __init__(self, d_model: int, n_heads: int, dropout: float = 0.0, bias: bool = True,
                 block_size: int | None = None, dtype=None) -> None:
        super().__init__()
        self.d_model = check_size("CausalSelfAttention", "d_model", d_model, low=1)
        self.n_heads = check_size("CausalSelfAttention", "n_heads", n_heads, low=1)
        if d_model % n_heads:
            raise ValueError(f"CausalSelfAttention: d_model={d_model} must be a multiple of "
                             f"n_heads={n_heads} (each head gets d_model // n_heads features)")
        if block_size is not None:
            check_size("CausalSelfAttention", "block_size", block_size, low=1)
        self.block_size = block_size
        self.head_dim = d_model // n_heads
        self.qkv = Linear(d_model, 3 * d_model, bias=bias, dtype=dtype)
        self.proj = Linear(d_model, d_model, bias=bias, dtype=dtype)
        self.attn_dropout = Dropout(dropout)
        self.resid_dropout = Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        self.check_input_dtype(x, self.qkv.weight.dtype)
        if x.ndim != 3 or x.shape[2] != self.d_model:
            raise ShapeError(f"{self.describe()}: input {fmt(x.shape)} must be (B, T, C) with "
                             f"C = d_model = {self.d_model}")
        batch, steps, _ = x.shape
        if self.block_size is not None and steps > self.block_size:
            raise ShapeError(f"{self.describe()}: sequence length T={steps} exceeds "
                             f"block_size={self.block_size}")
        heads, dim = self.n_heads, self.head_dim
        qkv = self.qkv(x).reshape(batch, steps, 3, heads, dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]  # each (B, H, T, D)
        scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(dim))  # (B, H, T, T)
        scores = where(causal_mask(steps), scores, np.array(-np.inf, dtype=scores.dtype))
        weights = self.attn_dropout(F.softmax(scores, dim=-1))
        y = weights @ v  # (B, H, T, D)
        y = y.transpose(1, 2).reshape(batch, steps, self.d_model)  # merge heads
        return self.resid_dropout(self.proj(y))

    def extra_repr(self) -> str:
        return (f"d_model={self.d_model}, n_heads={self.n_heads}, "
                f"dropout={self.attn_dropout.p}, bias={self.qkv.bias is not None}, "
                f"block_size={self.block_size}")

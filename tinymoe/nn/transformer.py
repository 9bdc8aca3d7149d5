"""``TransformerBlock``: pre-norm attention and feed-forward sublayers with residuals; the
feed-forward is any ``(..., C) -> (..., C)`` Module: a dense MLP or an ``nn.MoE``."""

from tinymoe.errors import ShapeError, fmt
from tinymoe.nn.attention import CausalSelfAttention
from tinymoe.nn.dropout import Dropout
from tinymoe.nn.module import Module
from tinymoe.nn.normalization import LayerNorm
from tinymoe.tensor import Tensor


class TransformerBlock(Module):
    """``(B, T, C) -> (B, T, C)``, the pre-norm block of GPT-2 and its successors::

        x = x + attn(ln1(x))
        x = x + dropout(ffn(ln2(x)))

    ``ffn`` is the feed-forward Module, e.g. ``nn.MLP([C, 4 * C, C], activation="gelu")``
    or ``nn.MoE(C, d_expert, n_experts)``. An MoE feed-forward's balancing loss needs no
    plumbing: ``block.aux_loss()`` (and the ``aux_loss()`` of any model holding the block)
    collects it, as for every Module (``loss = task_loss + model.aux_loss()``).
    ``block_size``: passed to the attention (the longest sequence allowed).
    """

    def __init__(self, d_model: int, n_heads: int, ffn: Module, dropout: float = 0.0,
                 block_size: int | None = None, dtype=None) -> None:
        super().__init__()
        if not isinstance(ffn, Module):
            raise TypeError(f"TransformerBlock: ffn must be a Module mapping (..., {d_model}) "
                            f"to (..., {d_model}), got {type(ffn).__name__}")
        self.ln1 = LayerNorm(d_model, dtype=dtype)
        self.attn = CausalSelfAttention(d_model, n_heads, dropout=dropout,
                                        block_size=block_size, dtype=dtype)
        self.ln2 = LayerNorm(d_model, dtype=dtype)
        self.ffn = ffn
        self.ffn_dropout = Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.attn(self.ln1(x))
        h = self.ffn(self.ln2(x))
        if h.shape != x.shape:
            raise ShapeError(f"{self.describe()}: the ffn {type(self.ffn).__name__} mapped "
                             f"{fmt(x.shape)} to {fmt(h.shape)}; it must keep the shape")
        return x + self.ffn_dropout(h)

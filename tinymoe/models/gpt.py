"""``MoEGPT``: a decoder-only transformer language model (GPT-2's layout) whose
feed-forward layers are dense MLPs or mixture-of-experts layers, chosen per layer by
``GPTConfig.moe_every``. The dense GPT is the same class with ``moe_every=0``."""

import math
from dataclasses import asdict, dataclass, replace

import numpy as np

from tinymoe.autograd import no_grad
from tinymoe.errors import ShapeError, check_integer, fmt
from tinymoe.nn import functional as F
from tinymoe.nn import init
from tinymoe.nn.containers import ModuleList
from tinymoe.nn.dropout import Dropout
from tinymoe.nn.linear import MLP, Linear
from tinymoe.nn.module import Module
from tinymoe.nn.moe import MoE
from tinymoe.nn.normalization import LayerNorm
from tinymoe.nn.sparse import Embedding
from tinymoe.nn.transformer import TransformerBlock
from tinymoe.tensor import Tensor


@dataclass(frozen=True)
class GPTConfig:
    """Sizes and options of ``MoEGPT``.

    vocab_size: tokens (characters for ``tinymoe.data.load_text``); block_size: the
    longest context T. n_layers blocks of n_heads-head attention on d_model features.
    moe_every: 0 = no MoE layer (the dense GPT); k >= 1 = every k-th block is MoE (blocks
    k-1, 2k-1, ...; 1 = all, 2 = every other one as in Switch/GShard); the others use a
    dense MLP of width ``d_ff`` (None: 4 * d_model). MoE layers: n_experts experts of
    hidden width d_expert, top_k per token, ``router`` a name in
    ``tinymoe.moe.routers.ROUTERS``, n_shared always-on shared experts, balancing loss
    weighted by aux_loss_coef. dropout: on embeddings, attention weights and sublayer
    outputs (0 = off). activation: of the MLPs and experts. dtype: float32 (default) or
    float64.
    """

    vocab_size: int = 76
    block_size: int = 64
    n_layers: int = 4
    n_heads: int = 4
    d_model: int = 64
    moe_every: int = 1
    n_experts: int = 4
    top_k: int = 2
    router: str = "topk"
    n_shared: int = 0
    d_expert: int = 128
    dropout: float = 0.0
    d_ff: int | None = None
    aux_loss_coef: float = 0.01
    activation: str = "gelu"
    dtype: object = None

    def is_moe(self, layer: int) -> bool:
        """Whether block ``layer`` (0-based) has an MoE feed-forward."""
        return self.moe_every > 0 and (layer + 1) % self.moe_every == 0

    @property
    def moe_layers(self) -> list[int]:
        return [i for i in range(self.n_layers) if self.is_moe(i)]

    @property
    def dense_width(self) -> int:
        """The hidden width of the dense MLPs."""
        return 4 * self.d_model if self.d_ff is None else self.d_ff


# Named configurations (vocab_size 76 = the characters of tinymoe.data.load_text()).
# "tiny-moe" and "tiny-dense" have the same active parameters up to the routers and one
# extra output bias per layer (each token runs top_k = 2 experts of width 128; the dense
# MLP is 256 wide): 215,168 against 213,888 (0.6% more); the MoE model has 4 experts per
# layer, so 347,776 parameters in total.
CONFIGS: dict[str, GPTConfig] = {
    "tiny-moe": GPTConfig(),
    "tiny-dense": GPTConfig(moe_every=0, d_ff=256),
    "nano-moe": GPTConfig(block_size=32, n_layers=2, n_heads=2, d_model=32, n_experts=4,
                          top_k=2, d_expert=32),
    "nano-dense": GPTConfig(block_size=32, n_layers=2, n_heads=2, d_model=32, moe_every=0,
                            d_ff=64),
}


def get_config(name: str, **overrides) -> GPTConfig:
    """``CONFIGS[name]`` with the fields in ``overrides`` replaced (e.g. ``vocab_size``)."""
    if name not in CONFIGS:
        raise KeyError(f"get_config: unknown config {name!r}; choose one of {sorted(CONFIGS)}")
    return replace(CONFIGS[name], **overrides)


class MoEGPT(Module):
    """``idx`` (B, T) int -> logits (B, T, vocab_size).

    Layout (GPT-2): ``tok_emb`` (vocab, C) + ``pos_emb`` (block_size, C), dropout,
    ``blocks`` (``TransformerBlock``, pre-norm), final LayerNorm ``ln_f``, and ``lm_head``
    Linear(C, vocab, no bias). The head is *not* tied to ``tok_emb``: with a character
    vocabulary (76 characters) tying would save only vocab * C parameters, and untied
    weights keep the state dict a plain one-name-per-array mapping.

    Initialisation (GPT-2's): embeddings and Linear weights N(0, 0.02), biases 0, the
    output projection of each attention N(0, 0.02 / sqrt(2 n_layers)); MLP/MoE experts
    and routers keep their own layer defaults.

    ``forward(idx, targets)`` returns ``(logits, loss)``: ``loss = cross-entropy +
    self.aux_loss()`` (the MoE balancing losses, already collected, so a training step is
    just ``loss.backward()``), or ``(logits, None)`` without targets. The cross-entropy
    alone, a Python float, is in ``model.last_ce`` after each forward with targets.
    """

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        if not isinstance(config, GPTConfig):
            raise TypeError(f"MoEGPT: config must be a GPTConfig, got {type(config).__name__}")
        if config.n_layers < 1 or config.block_size < 1 or config.vocab_size < 1:
            raise ValueError(f"MoEGPT: n_layers, block_size and vocab_size must be >= 1, got "
                             f"{config.n_layers}, {config.block_size}, {config.vocab_size}")
        self.config = config
        c, dtype = config.d_model, config.dtype
        self.tok_emb = Embedding(config.vocab_size, c, dtype=dtype)
        self.pos_emb = Embedding(config.block_size, c, dtype=dtype)
        self.drop = Dropout(config.dropout)
        self.blocks = ModuleList(
            TransformerBlock(c, config.n_heads, self._ffn(i), config.dropout,
                             block_size=config.block_size, dtype=dtype)
            for i in range(config.n_layers))
        self.ln_f = LayerNorm(c, dtype=dtype)
        self.lm_head = Linear(c, config.vocab_size, bias=False, dtype=dtype)
        self.last_ce: float | None = None
        self._init_weights()

    def _ffn(self, layer: int) -> Module:
        config = self.config
        if config.is_moe(layer):
            return MoE(config.d_model, config.d_expert, config.n_experts, top_k=config.top_k,
                       router=config.router, n_shared=config.n_shared,
                       aux_loss_coef=config.aux_loss_coef, activation=config.activation,
                       dtype=config.dtype)
        return MLP([config.d_model, config.dense_width, config.d_model],
                   activation=config.activation, dtype=config.dtype)

    def _init_weights(self) -> None:
        for emb in (self.tok_emb, self.pos_emb):
            init.normal_(emb.weight, std=0.02)
        for block in self.blocks:
            for linear in (block.attn.qkv, block.attn.proj):
                if linear.bias is not None:
                    init.zeros_(linear.bias)
            init.normal_(block.attn.qkv.weight, std=0.02)
            init.normal_(block.attn.proj.weight, std=0.02 / math.sqrt(2 * self.config.n_layers))
        init.normal_(self.lm_head.weight, std=0.02)

    @property
    def moe_layers(self) -> list[MoE]:
        """The MoE feed-forward layers, in block order."""
        return [block.ffn for block in self.blocks if isinstance(block.ffn, MoE)]

    def forward(self, idx, targets=None) -> tuple[Tensor, Tensor | None]:
        ids = self._check_ids("idx", idx)
        batch, steps = ids.shape
        if steps > self.config.block_size:
            raise ShapeError(f"MoEGPT: sequence length T={steps} exceeds block_size="
                             f"{self.config.block_size}; crop idx to its last block_size ids")
        x = self.drop(self.tok_emb(ids) + self.pos_emb(np.arange(steps)))  # (B, T, C)
        for block in self.blocks:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))  # (B, T, V)
        if targets is None:
            return logits, None
        target_ids = self._check_ids("targets", targets)
        if target_ids.shape != ids.shape:
            raise ShapeError(f"MoEGPT: targets {fmt(target_ids.shape)} must have the shape "
                             f"of idx {fmt(ids.shape)}")
        ce = F.cross_entropy(logits.reshape(batch * steps, -1), target_ids.reshape(-1))
        self.last_ce = ce.item()
        return logits, ce + self.aux_loss()

    def _check_ids(self, name: str, ids) -> np.ndarray:
        array = np.asarray(getattr(ids, "data", ids))
        if array.ndim != 2:
            raise ShapeError(f"MoEGPT: {name} must be a (B, T) array of token ids, got shape "
                             f"{fmt(array.shape)}")
        check_integer("MoEGPT", array, name)
        if array.size and (array.min() < 0 or array.max() >= self.config.vocab_size):
            raise IndexError(f"MoEGPT: {name} holds ids outside [0, {self.config.vocab_size})"
                             f": min {array.min()}, max {array.max()}")
        return array

    def generate(self, idx, max_new_tokens: int, temperature: float = 1.0,
                 top_k: int | None = None, rng=None) -> np.ndarray:
        """Extend ``idx`` (B, T) by ``max_new_tokens`` sampled ids -> (B, T + new) int64.

        Each step feeds the last ``block_size`` ids, takes the last position's logits,
        divides them by ``temperature`` (> 0; smaller = more conservative), keeps the
        ``top_k`` largest (others get probability 0) and samples from the softmax with
        ``rng`` (a ``numpy.random.Generator``; a fresh unseeded one if None).
        ``temperature=0`` means greedy decoding (argmax). Runs in eval mode without a
        graph and restores the training mode it found."""
        ids = self._check_ids("idx", idx).astype(np.int64)
        if max_new_tokens < 0:
            raise ValueError(f"generate: max_new_tokens must be >= 0, got {max_new_tokens}")
        if temperature < 0:
            raise ValueError(f"generate: temperature must be >= 0, got {temperature}")
        if top_k is not None and not 1 <= top_k <= self.config.vocab_size:
            raise ValueError(f"generate: top_k must lie in [1, {self.config.vocab_size}] or "
                             f"be None, got {top_k}")
        rng = np.random.default_rng() if rng is None else rng
        was_training = self.training
        self.eval()
        try:
            with no_grad():
                for _ in range(max_new_tokens):
                    logits, _ = self(ids[:, -self.config.block_size:])
                    ids = np.concatenate([ids, _sample(logits.data[:, -1].astype(np.float64),
                                                       temperature, top_k, rng)], axis=1)
        finally:
            self.train(was_training)
        return ids

    def num_params(self, active: bool = False) -> int:
        """Parameters in total, or (``active=True``) those one token uses: each MoE layer
        counts its router, its shared experts and top_k of its n_experts routed experts
        (all of them for the ``dense`` router; 1 for ``switch``)."""
        total = sum(p.data.size for p in self.parameters())
        if not active:
            return total
        for moe in self.moe_layers:
            per_expert = sum(p.data.size for p in moe.experts.parameters()) // moe.n_experts
            used = moe.n_experts if moe.config.router == "dense" else moe.top_k
            total -= per_expert * (moe.n_experts - used)
        return total

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in asdict(self.config).items()
                         if k not in ("dtype",))


def _sample(logits: np.ndarray, temperature: float, top_k: int | None,
            rng: np.random.Generator) -> np.ndarray:
    """One id per row of ``logits`` (B, V) -> (B, 1) int64 (see ``MoEGPT.generate``)."""
    if temperature == 0:
        return logits.argmax(axis=1)[:, None]
    logits = logits / temperature
    if top_k is not None:
        kth = np.sort(logits, axis=1)[:, -top_k][:, None]
        logits = np.where(logits < kth, -np.inf, logits)
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    return np.array([[rng.choice(len(p), p=p)] for p in probs], dtype=np.int64)

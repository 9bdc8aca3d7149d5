"""``ModelConfig``: the shape of a transformer (dense or MoE) as the scale calculator needs it,
and ``MODELS``: the published MoE models, each number with the place it comes from.

Conventions used by every count in ``tinymoe.scale``:

- no biases in linear layers (none of the shipped models has them); each norm has ``d``
  weights (RMSNorm, or T5's LayerNorm without bias);
- a model is a stack of ``n_layers`` blocks. The first ``n_dense_layers`` have a dense FFN of
  width ``d_ff_dense``; of the remaining ones every ``moe_every``-th is an MoE layer
  (``(n_layers - n_dense_layers) // moe_every`` of them) and the rest are dense too;
- an encoder-decoder is ``n_layers`` blocks of which ``n_cross_attn_layers`` (the decoder's)
  also carry a cross-attention of the same shape as their self-attention.
"""

from dataclasses import dataclass

ATTENTION_KINDS = ("mha", "gqa", "mla")


@dataclass(frozen=True)
class ModelConfig:
    """A transformer's sizes (all counts are ints; widths are numbers of features).

    name: label. n_layers: blocks in the whole model (encoder + decoder for an
    encoder-decoder). d_model: residual width. vocab_size: rows of the embedding.
    n_heads: query heads. n_kv_heads: key/value heads (= n_heads for "mha", fewer for "gqa";
    ignored by "mla"). head_dim: width of one head for "mha"/"gqa".
    attention: "mha" | "gqa" | "mla" (DeepSeek's multi-head latent attention).
    MLA only: q_lora_rank (rank of the query down-projection; 0 = full-rank queries),
    kv_lora_rank (rank of the shared key/value latent), qk_nope_head_dim (per-head query/key
    width without rotary embedding), qk_rope_head_dim (the decoupled RoPE part: per head for
    queries, ONE shared key of this width computed from the hidden state), v_head_dim.
    n_dense_layers: leading blocks with a dense FFN. d_ff_dense: hidden width of every dense
    FFN. n_routed_experts: experts per MoE layer (0 = a dense model). n_shared_experts:
    always-on experts per MoE layer, each of width d_expert. d_expert: hidden width of one
    expert. top_k: routed experts per token. ffn_matrices: weight matrices per FFN/expert
    (3 for SwiGLU/GEGLU, 2 for a plain MLP). tied_embeddings: the output projection reuses
    the embedding matrix.
    Added fields: dense_ffn_matrices (None = ffn_matrices; GLaM's dense FFNs are gated while
    its experts are not), moe_every (1 = every non-leading block is MoE, 2 = every other),
    n_cross_attn_layers (decoder blocks of an encoder-decoder), router_bias (a learned
    per-expert routing bias, DeepSeek-V3's e_score_correction_bias: n_routed_experts
    parameters per MoE layer).
    """

    name: str
    n_layers: int
    d_model: int
    vocab_size: int
    n_heads: int
    n_kv_heads: int = 0
    head_dim: int = 0
    attention: str = "mha"
    q_lora_rank: int = 0
    kv_lora_rank: int = 0
    qk_nope_head_dim: int = 0
    qk_rope_head_dim: int = 0
    v_head_dim: int = 0
    n_dense_layers: int = 0
    d_ff_dense: int = 0
    n_routed_experts: int = 0
    n_shared_experts: int = 0
    d_expert: int = 0
    top_k: int = 0
    ffn_matrices: int = 3
    tied_embeddings: bool = False
    dense_ffn_matrices: int | None = None
    moe_every: int = 1
    n_cross_attn_layers: int = 0
    router_bias: bool = False

    def __post_init__(self):
        def bad(field, why):
            raise ValueError(f"ModelConfig({self.name!r}): {field}={getattr(self, field)!r} {why}")

        for field in ("n_layers", "d_model", "vocab_size", "n_heads", "moe_every"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                bad(field, "must be an int >= 1")
        for field in ("n_kv_heads", "head_dim", "q_lora_rank", "kv_lora_rank",
                      "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim", "n_dense_layers",
                      "d_ff_dense", "n_routed_experts", "n_shared_experts", "d_expert", "top_k",
                      "n_cross_attn_layers"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                bad(field, "must be an int >= 0")
        if self.attention not in ATTENTION_KINDS:
            bad("attention", f"must be one of {ATTENTION_KINDS}")
        if self.attention in ("mha", "gqa"):
            if self.head_dim < 1 or self.n_kv_heads < 1:
                bad("head_dim" if self.head_dim < 1 else "n_kv_heads",
                    f"must be >= 1 for attention={self.attention!r}")
            if self.n_heads % self.n_kv_heads:
                bad("n_kv_heads", f"must divide n_heads={self.n_heads}")
            if self.attention == "mha" and self.n_kv_heads != self.n_heads:
                bad("n_kv_heads", f"must equal n_heads={self.n_heads} for 'mha' (use 'gqa')")
        else:
            for field in ("kv_lora_rank", "qk_nope_head_dim", "v_head_dim"):
                if getattr(self, field) < 1:
                    bad(field, "must be >= 1 for attention='mla'")
        if self.ffn_matrices not in (2, 3):
            bad("ffn_matrices", "must be 2 (plain MLP) or 3 (gated: SwiGLU/GEGLU)")
        if self.dense_ffn_matrices not in (None, 2, 3):
            bad("dense_ffn_matrices", "must be None, 2 or 3")
        if self.n_dense_layers > self.n_layers:
            bad("n_dense_layers", f"exceeds n_layers={self.n_layers}")
        if self.n_cross_attn_layers > self.n_layers:
            bad("n_cross_attn_layers", f"exceeds n_layers={self.n_layers}")
        if self.n_routed_experts:
            if self.d_expert < 1:
                bad("d_expert", "must be >= 1 in an MoE model")
            if not 1 <= self.top_k <= self.n_routed_experts:
                bad("top_k", f"must be in [1, n_routed_experts={self.n_routed_experts}]")
        elif self.n_shared_experts or self.top_k:
            bad("n_routed_experts", "is 0 (a dense model) but n_shared_experts or top_k is set")
        if self.n_dense_layers_total and self.d_ff_dense < 1:
            bad("d_ff_dense", f"must be >= 1: the model has {self.n_dense_layers_total} dense "
                "FFN layers")

    @property
    def n_moe_layers(self) -> int:
        """Blocks whose FFN is an MoE layer."""
        if not self.n_routed_experts:
            return 0
        return (self.n_layers - self.n_dense_layers) // self.moe_every

    @property
    def n_dense_layers_total(self) -> int:
        """Blocks whose FFN is dense (the leading ones and those between MoE layers)."""
        return self.n_layers - self.n_moe_layers

    @property
    def dense_matrices(self) -> int:
        """Weight matrices of one dense FFN."""
        return self.ffn_matrices if self.dense_ffn_matrices is None else self.dense_ffn_matrices


# Each shipped model: where every number comes from. "B" = 1e9 parameters.
MODELS: dict[str, ModelConfig] = {
    # Mixtral 8x7B. Published: 46.7B total, 12.9B active per token (Mistral AI's announcement
    # "Mixtral of experts", Dec 2023; the paper, Jiang et al. 2024 arXiv:2401.04088, rounds
    # them to 47B / 13B). Sizes: the paper's Table 1 and the model card's config.json
    # (mistralai/Mixtral-8x7B-v0.1): 32 layers, d_model 4096, 32 heads of 128, 8 KV heads,
    # vocab 32000, 8 experts top-2 of width 14336, SwiGLU, RMSNorm, untied output.
    "mixtral-8x7b": ModelConfig(
        name="mixtral-8x7b", n_layers=32, d_model=4096, vocab_size=32000, n_heads=32,
        n_kv_heads=8, head_dim=128, attention="gqa", n_routed_experts=8, d_expert=14336,
        top_k=2, ffn_matrices=3, tied_embeddings=False),
    # DeepSeek-V3. Published: 671B total, 37B activated per token (DeepSeek-V3 Technical
    # Report, arXiv:2412.19437, abstract and Sec. 4.2). The 671B is the main model only:
    # the repository README says the 685B on Hugging Face = 671B main model + 14B of the
    # Multi-Token Prediction (MTP) module, so MTP is left out here. Sizes: report Sec. 4.2
    # and config.json (deepseek-ai/DeepSeek-V3): 61 layers, first 3 dense with width 18432,
    # d_model 7168, 128 heads, MLA q_lora_rank 1536, kv_lora_rank 512, qk_nope 128,
    # qk_rope 64, v 128; 256 routed + 1 shared experts of width 2048, top-8, vocab 129280,
    # SwiGLU, untied, a per-expert routing bias (e_score_correction_bias). The repository's
    # README_WEIGHTS.md gives 36.7B activated "including 0.9B for Embedding and 0.9B for the
    # output Head"; our count under that convention (``active``) is 37.55B (+2.3%), the one
    # without the input table (``active_matmul``) 36.63B: we test the headline 37B.
    "deepseek-v3": ModelConfig(
        name="deepseek-v3", n_layers=61, d_model=7168, vocab_size=129280, n_heads=128,
        attention="mla", q_lora_rank=1536, kv_lora_rank=512, qk_nope_head_dim=128,
        qk_rope_head_dim=64, v_head_dim=128, n_dense_layers=3, d_ff_dense=18432,
        n_routed_experts=256, n_shared_experts=1, d_expert=2048, top_k=8, ffn_matrices=3,
        tied_embeddings=False, router_bias=True),
    # Switch-C (Switch Transformers, Fedus, Zoph & Shazeer, arXiv:2101.03961, Table 9):
    # 1571B parameters, d_model 2080, expert width 6144 with a plain ReLU MLP (no GEGLU),
    # 32 heads of d_kv 64, 15 layers per stack, 2048 experts, expert frequency 1 (EVERY
    # layer is an MoE layer, not every other one), top-1. The encoder-decoder is 15 encoder
    # + 15 decoder blocks (the decoder's with cross-attention): 30 MoE layers x 2048 experts
    # x 2 x 2080 x 6144 = 1570.4B, which is how the 1571B comes out. The Hugging Face
    # config.json of google/switch-c-2048 agrees on d_model, d_ff, 2048 experts and 15 + 15
    # sparse layers, vocab 32128, router_bias false; it lists num_heads 30 (we keep the
    # paper's 32: the difference is 0.002% of the total). Tied embeddings assumed (as T5);
    # untying would add 0.07B (0.004%). Active parameters are not published.
    "switch-c": ModelConfig(
        name="switch-c", n_layers=30, d_model=2080, vocab_size=32128, n_heads=32,
        n_kv_heads=32, head_dim=64, attention="mha", n_routed_experts=2048, d_expert=6144,
        top_k=1, ffn_matrices=2, tied_embeddings=True, n_cross_attn_layers=15),
    # GLaM (64B/64E) (Du et al., "GLaM: Efficient Scaling of Language Models with
    # Mixture-of-Experts", arXiv:2112.06905): 1.2T total, 96.6B activated, 64 experts,
    # top-2, 32 MoE layers (Google AI blog, Dec 2021: "64 experts per MoE layer with 32 MoE
    # layers in total"), i.e. every other one of 64 layers; d_model 8192, FFN width 32768,
    # 128 heads of 128 (the paper's table of model sizes; the exact reproduction of 96.6B
    # below supports them), vocabulary 256K word pieces.
    # Structure we could not read directly but inferred from the published 96.6B: the dense
    # FFNs are gated (the paper replaces the non-MoE FFN's first layer by a GLU: 3 matrices),
    # the experts are plain 2-matrix MLPs, the embedding is tied and the vocabulary is 256000.
    # With these the active count is 96.6B (0.0% off) and the total 1.16T, which the paper
    # rounds to "1.2T" (2 significant digits: our count is 3.2% below 1.2T but inside the
    # rounding interval [1.15T, 1.25T); a gated expert would give 1.65T, far outside).
    "glam": ModelConfig(
        name="glam", n_layers=64, d_model=8192, vocab_size=256000, n_heads=128,
        n_kv_heads=128, head_dim=128, attention="mha", d_ff_dense=32768,
        n_routed_experts=64, d_expert=32768, top_k=2, ffn_matrices=2, dense_ffn_matrices=3,
        moe_every=2, tied_embeddings=True),
    # Kimi K2 (Moonshot AI, "Kimi K2: Open Agentic Intelligence", arXiv:2507.20534, and the
    # model card of moonshotai/Kimi-K2-Instruct): 1.04T total (the report; "1T" on the card),
    # 32B activated (both). Our count: 1.026T (-1.3%); active 32.86B with the input embedding
    # table, 31.69B without it (``active_matmul``, -1.0%: the convention tested).
    # Sizes: config.json (also in NVIDIA Megatron-Bridge's KimiK2Provider):
    # DeepSeek-V3's architecture with 61 layers, first 1 dense of width 18432, d_model 7168,
    # 64 heads, MLA q_lora_rank 1536, kv_lora_rank 512, qk_nope 128, qk_rope 64, v 128;
    # 384 routed + 1 shared experts of width 2048, top-8, vocab 163840, untied, routing bias.
    "kimi-k2": ModelConfig(
        name="kimi-k2", n_layers=61, d_model=7168, vocab_size=163840, n_heads=64,
        attention="mla", q_lora_rank=1536, kv_lora_rank=512, qk_nope_head_dim=128,
        qk_rope_head_dim=64, v_head_dim=128, n_dense_layers=1, d_ff_dense=18432,
        n_routed_experts=384, n_shared_experts=1, d_expert=2048, top_k=8, ffn_matrices=3,
        tied_embeddings=False, router_bias=True),
}

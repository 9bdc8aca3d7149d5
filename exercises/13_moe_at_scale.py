# Exercises for lesson 13: replace each `raise NotImplementedError(...)` with your code.
# Generated from solutions/13_moe_at_scale.py by `tinymoe stubs`; `tinymoe reset NN.M` restores a stub.
"""Lesson 13: MoE at scale: what a trillion parameters cost, and expert parallelism.

Part 1, on paper, for a transformer described by a ``tinymoe.scale.ModelConfig`` (fields
d_model, n_layers, vocab_size, n_heads, n_kv_heads, head_dim, attention ("mha" | "gqa" |
"mla") and the MLA ranks, n_routed_experts, n_shared_experts, d_expert, top_k,
ffn_matrices, tied_embeddings; properties n_moe_layers, n_dense_layers_total and
dense_matrices):

1. total and active parameters;
2. forward FLOPs per token (matmuls and attention);
3. training FLOPs (3x the forward: the 6ND rule) and GPU-hours at a given utilisation;
4. memory per device under data + expert parallelism (and ZeRO-1).

Part 2, expert parallelism simulated in one process: P "ranks" are list positions, rank r
holds x_per_rank[r] (its own tokens) and the experts e with owner[e] == r.

5. the all-to-all send counts, a (P, P) matrix;
6. dispatch: every rank sends each assignment's row to the rank that owns its expert;
7. combine: the results travel back and are added to their tokens, gate-weighted.

Flat assignments of one rank are in *priority order* as in lesson 12: for its n tokens
with experts (n, k), assignment a = c * n + t is choice c of token t
(``expert.T.reshape(-1)``), so its token is a % n.
"""

import numpy as np


def count_params(cfg):
    """Total and active parameters of an MoE transformer.

    cfg: a ModelConfig. d = d_model, H = n_heads. Count, with no biases:
    - the embedding, vocab_size * d, and the output projection, another vocab_size * d
      unless tied_embeddings (then the embedding matrix is reused);
    - per block, attention:
        "mha"/"gqa": W_q and W_o have d * H * head_dim weights each, W_k and W_v
        d * n_kv_heads * head_dim each (mha has n_kv_heads = H);
        "mla": queries d * q_lora_rank + q_lora_rank * H * (qk_nope + qk_rope), or
        d * H * (qk_nope + qk_rope) when q_lora_rank == 0; keys/values
        d * (kv_lora_rank + qk_rope) (the latent plus ONE RoPE key shared by all heads)
        + kv_lora_rank * H * (qk_nope + v_head_dim); W_o H * v_head_dim * d;
      (qk_nope = qk_nope_head_dim, qk_rope = qk_rope_head_dim, v_head_dim per head);
    - cfg.n_dense_layers_total dense FFNs of cfg.dense_matrices * d * d_ff_dense weights;
    - cfg.n_moe_layers MoE FFNs, each: a router d * n_routed_experts, n_shared_experts
      shared and n_routed_experts routed experts of ffn_matrices * d * d_expert each.
    The n_cross_attn_layers blocks of a decoder (encoder-decoder models) have a second
    attention of the same shape (cross-attention). Norm weights and routing biases are
    left out (< 0.01% of any shipped model). Active = what one token uses: everything
    except the routed experts, of which only top_k per MoE layer count.
    Returns (total, active), Python ints.

    Example: a one-block "mha" model, d = 4, vocab 10, H = 2 heads of 2, untied, one MoE
    layer with 4 routed experts of width 8, top-1, 2 matrices, no shared expert:
    embeddings 2 * 40, attention 4 * 16 = 64, router 16, experts 4 * 64 -> total 416,
    active 416 - 3 * 64 = 224.
    """
    raise NotImplementedError("exercise 13.1: embeddings, attention, dense FFNs, MoE layers")


def flops_per_token(cfg, seq_len):
    """Forward FLOPs per token, 2 FLOPs per multiply-add: (matmul, attention).

    matmul = 2 * (the active weights that multiply a vector): every active parameter of
    your count_params except the input embedding table, which is a lookup (with
    tied_embeddings the one table is also the output projection, so it counts).
    attention = the score and value products over a context of seq_len positions
    (no causal halving, the convention of Kaplan et al. 2020 and PaLM's MFU), per block
    (n_layers of them; cross-attention's products are left out):
    2 * H * d_qk * seq_len for q.k and 2 * H * d_v * seq_len for the weighted sum of v,
    with d_qk = d_v = head_dim ("mha"/"gqa": every QUERY head does its own products, even
    when key/value heads are shared) or d_qk = qk_nope + qk_rope, d_v = v_head_dim ("mla").
    Returns (matmul, attention), Python ints or floats.

    Example: the model of count_params' example (active 224, untied, vocab 10, d 4),
    seq_len 8: matmul 2 * (224 - 40) = 368; attention 1 block * 2 * 2 * (2 + 2) * 8 = 128.
    """
    raise NotImplementedError("exercise 13.2: 2 * (active - lookup); 2 H (d_qk + d_v) seq_len")


def training_cost(forward_flops_per_token, n_tokens, peak_flops, mfu):
    """Training compute and time: (train_flops, gpu_hours).

    forward_flops_per_token: forward FLOPs per token; n_tokens: D, tokens trained on;
    peak_flops: one GPU's peak FLOP/s; mfu: model FLOPs utilisation in (0, 1], the fraction
    of the peak that the run achieves. Training costs 3 forwards per token (the backward
    pass computes two products per forward product: gradients of the inputs and of the
    weights), train_flops = 3 * forward_flops_per_token * n_tokens (with forward = 2N
    matmul FLOPs this is the 6ND rule), and one GPU delivers peak_flops * mfu FLOP/s, so
    gpu_hours = train_flops / (peak_flops * mfu) / 3600.
    Raises ValueError naming mfu unless 0 < mfu <= 1.

    Example: training_cost(2e9, 1e12, 1e15, 0.5) -> (6e21, 3333.3...).
    """
    raise NotImplementedError("exercise 13.3: 3 forwards per token; flops / (peak * mfu) / 3600")


def memory_per_device(n_replicated, n_routed, n_devices, ep, param_bytes=2, grad_bytes=2,
                      optim_bytes=12, shard_optimizer=False):
    """Bytes of weights, gradients and optimizer state on one device.

    n_replicated: parameters every device holds (embeddings, attention, dense FFNs, routers,
    shared experts); n_routed: the routed experts' parameters of the whole model;
    n_devices: P devices training with data parallelism (each a replica of the model);
    ep: expert-parallel degree, the routed experts are split evenly over groups of ep
    devices (each device holds 1/ep of every MoE layer's experts; the P / ep groups are
    replicas of each other). Raises ValueError naming both unless ep >= 1 divides n_devices.
    Bytes per parameter: param_bytes (2 for bf16 weights), grad_bytes, optim_bytes (12 for
    Adam in mixed precision: an fp32 master copy, m and v).
    shard_optimizer (ZeRO stage 1): the optimizer state of every parameter is split over
    all devices that hold a replica of it, instead of kept whole on each of them.
    Returns {"params", "grads", "optimizer", "total"} in bytes (numbers).

    Example: memory_per_device(10, 80, 8, 4) -> each device holds 10 + 80 / 4 = 30
    parameters: params 60, grads 60, optimizer 360, total 480; with shard_optimizer=True
    the optimizer state is 10 * 12 / 8 + 20 * 12 / 2 = 135 bytes.
    """
    raise NotImplementedError("exercise 13.4: replicated + routed / ep; ZeRO-1 splits the state")


def send_counts(expert_per_rank, owner, n_ranks):
    """The all-to-all send counts of one MoE layer.

    expert_per_rank: P integer arrays, rank r's (n_r, k) expert choices (n_r may be 0); an
    entry of -1 is an assignment dropped by capacity: it is not sent anywhere.
    owner: (E,) int, owner[e] = the rank that holds expert e (any map, not only blocks).
    Returns counts (P, P) int: counts[src, dst] = the assignments of rank src whose expert
    lives on rank dst (the diagonal stays on its rank). Row src sums to what src sends;
    column dst to what dst receives.

    Example: expert_per_rank [[[0, 3]], [[1, 2], [3, 0]]], owner [0, 0, 1, 1], P = 2 ->
    [[1, 1], [2, 2]].
    """
    raise NotImplementedError("exercise 13.5: per source, bincount of owner[kept experts]")


def ep_dispatch(x_per_rank, expert_per_rank, owner, n_ranks):
    """Expert-parallel dispatch: the first all-to-all, simulated with lists.

    x_per_rank: P arrays, rank r's tokens (n_r, D); expert_per_rank: P arrays (n_r, k) of
    expert ids (no drops here); owner: (E,) int map expert -> rank.
    Each source rank s takes its flat assignments in priority order (a = c * n_s + t, token
    t = a % n_s) and orders them by destination rank owner[expert] (a stable sort does it),
    so each destination's rows are one contiguous chunk of its send buffer. Rank d's
    receive buffer is the chunks sent to d by ranks 0, 1, ..., P - 1, in that order
    (source-major, as MPI's Alltoallv lays them out).
    Returns (recv_x, recv_expert, send_order):
      recv_x: P arrays (R_d, D), the rows x_s[t] received by rank d, of x's dtype
        (shape (0, D) when d receives nothing);
      recv_expert: P int arrays (R_d,), the expert each received row is for;
      send_order: P int arrays (k * n_s,), the flat assignment index a at each position of
        rank s's send buffer (combine needs it to bring the results home).

    Example: one token per rank, D = 1, x = [[[10]], [[20]]], expert = [[[1, 0]], [[0, 1]]],
    owner [0, 1]: rank 0 sends a = 1 (expert 0) to itself and a = 0 (expert 1) to rank 1,
    so send_order [[1, 0], [0, 1]], recv_x [[[10], [20]], [[10], [20]]],
    recv_expert [[0, 0], [1, 1]].
    """
    raise NotImplementedError("exercise 13.6: sort by owner; receivers concatenate by source")


def ep_combine(out_per_rank, send_order, gate_per_rank, counts):
    """Expert-parallel combine: the second all-to-all (the reverse one) and the weighted sum.

    out_per_rank: P arrays (R_d, D), rank d's expert outputs, one row per received row of
    ep_dispatch (the same order: source-major); send_order: ep_dispatch's; gate_per_rank:
    P arrays (n_s, k), rank s's gates; counts: the (P, P) send counts (counts[s, d] rows
    went from s to d, so they are the rows of d's buffer after those of sources 0..s-1).
    Every rank d returns each source's chunk to it; rank s puts the rows it gets back, from
    ranks 0, 1, ..., P - 1 in turn, at the positions of its send buffer, i.e. row i is the
    result of flat assignment a = send_order[s][i] (token a % n_s, gate
    gate.T.reshape(-1)[a]), and adds them up per token:
        y_s[t] = sum over assignments a of token t of gate[a] * result[a].
    Returns P arrays y_s (n_s, D) of the outputs' dtype.

    Example: continuing ep_dispatch's (counts [[1, 1], [1, 1]]), with out = recv_x and
    gates [[[0.25, 0.75]], [[0.5, 0.5]]]: y = [[[10]], [[20]]].
    """
    raise NotImplementedError("exercise 13.7: return each chunk to its source, scatter-add")

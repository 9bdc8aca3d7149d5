"""Lesson 14 (capstone): a tiny mixture-of-experts language model.

A decoder-only language model reads characters x_1 .. x_t and predicts x_{t+1}. Its layers
are transformer blocks: causal self-attention mixes information between positions, then a
feed-forward network (here: an MoE layer) works on each position alone. This lesson
writes the parts that are easy to get subtly wrong, then trains the whole model:

1. scaled dot-product attention with a causal mask, in NumPy, and its backward;
2. splitting the channels into heads and merging them back;
3. the pre-norm transformer block around an MoE feed-forward, reporting its aux loss;
4. the training step that adds the MoE's auxiliary loss;
5. sampling the next token with a temperature and top-k;
6. perplexity, the language modeller's way of reporting a loss.

Shapes: B batch, T sequence length (positions), C = d_model channels, H heads,
D = C / H channels per head, V vocabulary size.
"""

import math

import numpy as np

from tinymoe.moe import update_bias
from tinymoe.nn import functional as F


def attention_forward(q, k, v, causal=True):
    """Scaled dot-product attention: out = softmax(q k^T / sqrt(D) + mask) v.

    q, k: (..., T, D); v: (..., T, Dv) NumPy float arrays with the same leading dims (for
    example (B, H)). scores[..., i, j] = <q_i, k_j> / sqrt(D); with causal=True position i
    may only look at positions j <= i (itself included): the scores with j > i are set to
    -inf BEFORE the softmax, so they get weight exactly 0 and the other weights of the row
    still sum to 1. The softmax runs over j (the last axis, the keys), stably (subtract the
    row max: scores of 1e4 must not overflow).
    Returns (out, cache): out (..., T, Dv) and cache = (q, k, v, p) with p (..., T, T) the
    attention weights (each row sums to 1), which `attention_backward` reads.

    Example: q = k = [[1, 0], [0, 1]] (T = 2, D = 2), v = [[1, 0], [0, 1]], causal ->
    row 0 sees only itself, p[0] = [1, 0]; row 1: scores [0, 1/sqrt(2)], p[1] = softmax =
    [0.330, 0.670]; out = p (v is the identity).
    """
    # BEGIN SOLUTION 14.1: scores = q k^T / sqrt(D), -inf where j > i, stable softmax over j
    n = q.shape[-2]
    scores = q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1])  # (..., T, T)
    if causal:
        future = np.triu(np.ones((n, n), dtype=bool), k=1)  # j > i
        scores = np.where(future, -np.inf, scores)
    scores = scores - scores.max(axis=-1, keepdims=True)  # the diagonal is never masked
    p = np.exp(scores)
    p /= p.sum(axis=-1, keepdims=True)
    return p @ v, (q, k, v, p)
    # END SOLUTION


def attention_backward(grad_out, cache):
    """The backward of `attention_forward`: (dq, dk, dv) given grad_out = dL/dout.

    grad_out: (..., T, Dv); cache = (q, k, v, p) as returned by the forward (p already
    carries the causal mask: its masked entries are 0). With s = q k^T / sqrt(D) and
    p = softmax(s) over the last axis:
        dv = p^T grad_out              dp = grad_out v^T
        ds = p * (dp - sum_j(dp * p))  (the softmax backward, row by row)
        dq = ds k / sqrt(D)            dk = ds^T q / sqrt(D)
    where ^T swaps the last two axes. Returns (dq, dk, dv) shaped like (q, k, v).

    Example: T = 1: p = [[1]], so ds = 0 and dq = dk = 0, dv = grad_out.
    """
    # BEGIN SOLUTION 14.2: dv = p^T g; ds = p * (dp - rowsum(dp * p)); dq, dk with 1/sqrt(D)
    q, k, v, p = cache
    scale = 1.0 / math.sqrt(q.shape[-1])
    dv = np.swapaxes(p, -1, -2) @ grad_out
    dp = grad_out @ np.swapaxes(v, -1, -2)
    ds = p * (dp - np.sum(dp * p, axis=-1, keepdims=True))
    dq = ds @ k * scale
    dk = np.swapaxes(ds, -1, -2) @ q * scale
    return dq, dk, dv
    # END SOLUTION


def split_heads(x, n_heads):
    """(B, T, C) -> (B, H, T, D) with D = C / H: head h gets channels h*D .. (h+1)*D - 1.

    x: a NumPy array (B, T, C). Raise ValueError naming C and H when C is not a multiple
    of H. Each head must be a (T, D) matrix whose row t is position t's slice of channels.
    Example: x (1, 2, 4) = [[[0, 1, 2, 3], [4, 5, 6, 7]]], H = 2 -> head 0 is
    [[0, 1], [4, 5]] and head 1 is [[2, 3], [6, 7]].
    """
    # BEGIN SOLUTION 14.3: reshape to (B, T, H, D), then swap the T and H axes
    batch, n, channels = x.shape
    if channels % n_heads:
        raise ValueError(f"split_heads: C = {channels} channels is not a multiple of "
                         f"H = {n_heads} heads")
    return x.reshape(batch, n, n_heads, channels // n_heads).transpose(0, 2, 1, 3)
    # END SOLUTION


def merge_heads(x):
    """(B, H, T, D) -> (B, T, H * D), the inverse of `split_heads`:
    merge_heads(split_heads(x, H)) == x. x: a NumPy array; position t of the result holds
    head 0's D channels for t, then head 1's, and so on.
    """
    # BEGIN SOLUTION 14.4: swap H and T back, then reshape to (B, T, H * D)
    batch, n_heads, n, dim = x.shape
    return x.transpose(0, 2, 1, 3).reshape(batch, n, n_heads * dim)
    # END SOLUTION


def moe_block(x, ln1, attn, ln2, ffn):
    """One pre-norm transformer block; returns (y, aux).

    x: a tinymoe Tensor (B, T, C); ln1, ln2: LayerNorm modules; attn: causal
    self-attention (B, T, C) -> (B, T, C); ffn: the feed-forward, an `nn.MoE` or a dense
    MLP, (..., C) -> (..., C). Pre-norm means each sub-layer reads a normalised copy and
    its output is ADDED to the residual stream:
        h = x + attn(ln1(x))
        y = h + ffn(ln2(h))
    aux: the feed-forward's auxiliary (balancing) loss from THIS forward, a 0-d Tensor
    (`ffn.aux_loss()`; exactly 0 for a dense MLP), for the model to add to its loss.
    """
    # BEGIN SOLUTION 14.5: h = x + attn(ln1(x)); y = h + ffn(ln2(h)); aux = ffn.aux_loss()
    h = x + attn(ln1(x))
    y = h + ffn(ln2(h))
    return y, ffn.aux_loss()
    # END SOLUTION


def train_step(model, optimizer, x, y):
    """One training step of a language model with MoE layers; returns (task_loss, aux).

    model(x) maps token ids x (B, T) int to logits (B, T, V) (a tinymoe Module whose MoE
    layers record their balancing losses); y (B, T) are the next tokens. The loss is the
    mean cross-entropy over all B * T positions PLUS model.aux_loss(), the MoE layers'
    weighted balancing losses; then clear the old gradients, backpropagate, take the
    optimiser step and apply the DeepSeek bias update (`tinymoe.moe.update_bias(model)`,
    a no-op for other routers), in that order.
    Returns (task_loss, aux) as Python floats (the cross-entropy and the aux loss).
    """
    # BEGIN SOLUTION 14.6: CE over (B*T, V) + model.aux_loss(); zero_grad, backward, step, bias
    logits = model(x)
    task = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), np.asarray(y).reshape(-1))
    aux = model.aux_loss()
    optimizer.zero_grad()
    (task + aux).backward()
    optimizer.step()
    update_bias(model)
    return task.item(), aux.item()
    # END SOLUTION


def sample_next(logits, temperature=1.0, top_k=None, rng=None):
    """Draw one next token per row from logits (B, V); returns (B,) int64.

    temperature > 0 divides the logits (below 1: sharper, above 1: flatter);
    temperature == 0 means greedy decoding, the argmax of each row (no division by 0).
    top_k: None (all tokens) or k >= 1: only the k largest logits of each row may be
    drawn (the others get probability 0; the kept ones are renormalised; logits tied with
    the k-th largest may be kept too). Draw from
    softmax(logits / temperature) with `rng` (a np.random.Generator; None = a new
    default_rng()), never the global np.random state: the same seed gives the same tokens.
    """
    # BEGIN SOLUTION 14.7: greedy at T = 0; keep the top-k logits; softmax(logits / T); draw
    logits = np.asarray(logits, dtype=np.float64)
    if temperature == 0:
        return logits.argmax(axis=-1).astype(np.int64)
    rng = np.random.default_rng() if rng is None else rng
    z = logits / temperature
    if top_k is not None and top_k < z.shape[-1]:
        kth = np.sort(z, axis=-1)[:, -top_k][:, None]  # the k-th largest of each row
        z = np.where(z >= kth, z, -np.inf)
    p = np.exp(z - z.max(axis=-1, keepdims=True))
    cdf = np.cumsum(p, axis=-1)
    u = rng.random((z.shape[0], 1)) * cdf[:, -1:]
    return np.minimum((cdf <= u).sum(axis=-1), z.shape[-1] - 1).astype(np.int64)
    # END SOLUTION


def perplexity(logits, targets):
    """exp(mean negative log-likelihood per token) of next-token logits.

    logits: (B, T, V) NumPy array; targets: (B, T) int. NLL_bt = -log softmax(logits[b,
    t])[targets[b, t]] in nats (natural log), computed stably (logits of 1e4 are fine);
    the mean runs over all B * T tokens; the result is a Python float >= 1 (a uniform
    guess over V tokens gives exactly V).
    """
    # BEGIN SOLUTION 14.8: exp of the mean over ALL tokens of -log softmax(logits)[target]
    z = logits - logits.max(axis=-1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    nll = -np.take_along_axis(log_p, np.asarray(targets)[..., None], axis=-1)
    return float(np.exp(nll.mean()))
    # END SOLUTION

"""Which tokens each expert of a language model takes: per MoE layer, a (vocab, experts)
matrix of routing counts, and a heatmap of it (do experts specialise on vowels, spaces,
punctuation?)."""

import numpy as np

from tinymoe.autograd import no_grad


def expert_token_counts(model, ids, block_size: int | None = None,
                        batch_size: int = 16) -> list[np.ndarray]:
    """Route the text ``ids`` (n,) through ``model`` (a ``MoEGPT``) and count, for every MoE
    layer, how often a token of each id was sent to each expert: a list (one per MoE layer,
    in block order) of (vocab_size, n_experts) int64 arrays. Each token counts once per
    expert that processed it (top_k times in all with a top-k router); the row of id v
    belongs to the *input* token v at that position. The text is cut into consecutive
    windows of ``block_size`` (default: the model's), run in eval mode without a graph;
    the mode the model was in is restored."""
    config = model.config
    block = config.block_size if block_size is None else block_size
    array = np.asarray(ids, dtype=np.int64)
    n_windows = len(array) // block
    if n_windows == 0:
        raise ValueError(f"expert_token_counts: {len(array)} ids are fewer than one window "
                         f"of block_size={block}")
    windows = array[: n_windows * block].reshape(n_windows, block)
    layers = model.moe_layers
    counts = [np.zeros((config.vocab_size, moe.n_experts), dtype=np.int64) for moe in layers]
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            for start in range(0, n_windows, batch_size):
                batch = windows[start:start + batch_size]
                model(batch)
                flat = batch.reshape(-1)  # the MoE's token order: (B, T) flattened
                for moe, count in zip(layers, counts):
                    used = (moe.stats.gates > 0).astype(np.int64)  # (B*T, E)
                    np.add.at(count, flat, used)
    finally:
        model.train(was_training)
    return counts


def plot_expert_tokens(counts: np.ndarray, chars, top: int = 30, ax=None, title=None):
    """Heatmap of one layer's ``counts`` (vocab, E) from ``expert_token_counts``: one row per
    character among the ``top`` most frequent, the share of that character's assignments
    each expert took (each row sums to 1; a uniform router gives 1/E everywhere, and with
    top-k routing no entry exceeds 1/k: 0.5 for top-2 means every occurrence of that
    character went to that expert). The colour scale runs from 0 to the largest share.
    ``chars``: the id -> character list (``tokenizer.chars``). Returns the Axes."""
    import matplotlib.pyplot as plt

    counts = np.asarray(counts)
    totals = counts.sum(axis=1)
    rows = np.argsort(-totals, kind="stable")[:top]
    rows = rows[totals[rows] > 0]
    share = counts[rows] / totals[rows, None]
    if ax is None:
        _, ax = plt.subplots(figsize=(1.0 + 0.6 * counts.shape[1], 0.25 * len(rows) + 1.2))
    image = ax.imshow(share, aspect="auto", cmap="viridis", vmin=0.0)
    names = [{" ": "space", "\n": "\\n"}.get(chars[i], chars[i]) for i in rows]
    ax.set_yticks(range(len(rows)), names, fontsize=8)
    ax.set_xticks(range(counts.shape[1]), [str(e) for e in range(counts.shape[1])])
    ax.set_xlabel("expert")
    ax.set_ylabel("input character")
    ax.set_title(title or "share of each character's assignments per expert")
    ax.figure.colorbar(image, ax=ax)
    return ax

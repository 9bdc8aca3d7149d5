"""Hidden tests for multi-head attention: split/merge against their definition (head h
owns columns h*Dh:(h+1)*Dh), and the layer against one tinymoe attention per head on
those columns (batched matmul + nn.functional.softmax), plus causality."""

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.grading.feedback import assert_close


def _one_head(q, k, v, causal):
    with tm.use_backend("numpy"):
        scores = tm.tensor(q) @ tm.tensor(k).transpose(-1, -2) / np.sqrt(q.shape[-1])
        if causal:
            scores = scores + np.triu(np.full(scores.shape[-2:], -np.inf), 1)
        return (tm.nn.functional.softmax(scores, dim=-1) @ tm.tensor(v)).data


def _reference_layer(x, Wq, Wk, Wv, Wo, n_heads, causal):
    head = x.shape[-1] // n_heads
    q, k, v = x @ Wq, x @ Wk, x @ Wv
    cols = [slice(h * head, (h + 1) * head) for h in range(n_heads)]
    merged = np.concatenate([_one_head(q[..., c], k[..., c], v[..., c], causal)
                             for c in cols], axis=-1)
    return merged @ Wo


def test_split_and_merge(drill):
    rng = np.random.default_rng(0)
    for _ in range(4):
        batch, n_tokens, n_heads, head = (int(n) for n in rng.integers(1, 6, size=4))
        x = rng.standard_normal((batch, n_tokens, n_heads * head))
        split = np.asarray(drill.split_heads(x.copy(), n_heads))
        assert split.shape == (batch, n_heads, n_tokens, head), (
            f"split_heads{x.shape} with {n_heads} heads must give (B, H, T, Dh)="
            f"{(batch, n_heads, n_tokens, head)}, got {split.shape}")
        for h in range(n_heads):
            if not np.array_equal(split[:, h], x[..., h * head:(h + 1) * head]):
                hint = (" (x.reshape(B, H, T, Dh) mixes positions into heads: reshape to "
                        "(B, T, H, Dh), then swap axes 1 and 2)"
                        if np.array_equal(split, x.reshape(split.shape)) else "")
                raise AssertionError(
                    f"split_heads: head {h} must hold columns {h * head}:{(h + 1) * head} of "
                    f"every token{hint}")
        assert_close(drill.merge_heads(split), x,
                     err_msg="merge_heads(split_heads(x)) must give x back")
    with pytest.raises(ValueError):
        drill.split_heads(rng.standard_normal((2, 3, 10)), 4)


def test_layer_matches_one_attention_per_head(drill):
    rng = np.random.default_rng(1)
    for causal in (True, False):
        batch, n_tokens, n_heads, head = 2, int(rng.integers(2, 8)), 3, int(rng.integers(1, 5))
        width = n_heads * head
        x = rng.standard_normal((batch, n_tokens, width))
        weights = [rng.standard_normal((width, width)) / np.sqrt(width) for _ in range(4)]
        got = drill.multi_head_attention(x.copy(), *weights, n_heads, causal=causal)
        want = _reference_layer(x, *weights, n_heads, causal)
        # scores / sqrt(D) = scores / sqrt(Dh) / sqrt(H): the same as Wq / sqrt(H)
        sqrt_d = _reference_layer(x, weights[0] / np.sqrt(n_heads), *weights[1:], n_heads,
                                  causal)
        hint = ("scores are scaled by sqrt(D) of the model instead of sqrt(Dh) of a head"
                if np.allclose(got, sqrt_d) else "output differs from per-head attention")
        assert_close(got, want, rtol=1e-8, atol=1e-10,
                     err_msg=f"multi_head_attention (causal={causal}): {hint}")


def test_layer_is_causal(drill):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 8, 6))
    weights = [rng.standard_normal((6, 6)) for _ in range(4)]
    out = np.asarray(drill.multi_head_attention(x.copy(), *weights, 2, causal=True))
    x2 = x.copy()
    x2[:, 4:] = rng.standard_normal(x2[:, 4:].shape)
    out2 = np.asarray(drill.multi_head_attention(x2, *weights, 2, causal=True))
    assert_close(out2[:, :4], out[:, :4], rtol=1e-12, atol=1e-13,
                 err_msg="causal: changing tokens 4.. changed the outputs of tokens 0..3")

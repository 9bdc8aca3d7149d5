"""CausalSelfAttention and TransformerBlock: causality, finite differences, a PyTorch twin
(outputs and gradients in float64), dropout modes and clear errors."""

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.errors import ShapeError
from tinymoe.nn import MLP, CausalSelfAttention, MoE, TransformerBlock

B, T, C, H = 2, 5, 8, 2


def _attention(block_size=None, dropout=0.0, bias=True):
    tm.manual_seed(0)
    attn = CausalSelfAttention(C, H, dropout=dropout, bias=bias, block_size=block_size,
                               dtype=tm.float64)
    for p in attn.parameters():  # non-zero biases too, so every parameter is exercised
        p.data[...] = np.random.default_rng(p.data.size).standard_normal(p.shape) * 0.5
    return attn


def torch_attention(torch, w, x, n_heads):
    """The twin: PyTorch's own fused causal attention on the same fused qkv weights."""
    batch, steps, width = x.shape
    qkv = torch.nn.functional.linear(x, w["qkv.weight"], w.get("qkv.bias"))
    q, k, v = (t.reshape(batch, steps, n_heads, width // n_heads).transpose(1, 2)
               for t in qkv.split(width, dim=-1))
    y = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
    y = y.transpose(1, 2).reshape(batch, steps, width)
    return torch.nn.functional.linear(y, w["proj.weight"], w.get("proj.bias"))


@pytest.mark.parametrize("bias", [True, False])
def test_attention_matches_pytorch_outputs_and_gradients(torch, rng, bias):
    attn = _attention(bias=bias)
    x_np = rng.standard_normal((B, T, C))
    x = tm.tensor(x_np, requires_grad=True)
    upstream = rng.standard_normal((B, T, C))
    y = attn(x)
    y.backward(upstream)
    w = {name: torch.tensor(p.data, requires_grad=True) for name, p in attn.named_parameters()}
    xt = torch.tensor(x_np, requires_grad=True)
    yt = torch_attention(torch, w, xt, H)
    yt.backward(torch.tensor(upstream))
    np.testing.assert_allclose(y.data, yt.detach().numpy(), atol=1e-10)
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), atol=1e-10)
    for name, p in attn.named_parameters():
        np.testing.assert_allclose(p.grad, w[name].grad.numpy(), atol=1e-10, err_msg=name)


def test_attention_gradients_match_finite_differences(rng):
    attn = _attention()
    x = tm.tensor(rng.standard_normal((B, T, C)), requires_grad=True)
    assert tm.gradcheck(lambda x, *params: attn(x), [x, *attn.parameters()])


def test_an_output_never_depends_on_later_positions(rng):
    attn = _attention()
    x_np = rng.standard_normal((B, T, C))
    x = tm.tensor(x_np, requires_grad=True)
    y = attn(x)
    for t in range(T):
        x.grad = None
        y[:, t].sum().backward(retain_graph=True)
        assert np.all(x.grad[:, t + 1:] == 0), f"position {t} sees a later position"
        assert np.any(x.grad[:, : t + 1] != 0)
    changed = x_np.copy()
    changed[:, 3:] += 10.0
    np.testing.assert_array_equal(attn(tm.tensor(changed)).data[:, :3], y.data[:, :3])


def test_the_first_position_attends_only_to_itself(rng):
    """Row 0 of the mask allows one key, so y_0 = proj(v_0) exactly."""
    attn = _attention()
    x = tm.tensor(rng.standard_normal((1, T, C)))
    v = (x.data[0, 0] @ attn.qkv.weight.data.T + attn.qkv.bias.data)[2 * C:]
    expected = v @ attn.proj.weight.data.T + attn.proj.bias.data
    np.testing.assert_allclose(attn(x).data[0, 0], expected, atol=1e-12)


def test_huge_scores_stay_finite(rng):
    attn = _attention()
    attn.qkv.weight.data *= 1e3
    x = tm.tensor(rng.standard_normal((B, T, C)) * 100, requires_grad=True)
    y = attn(x)
    y.sum().backward()
    assert np.isfinite(y.data).all() and np.isfinite(x.grad).all()


def test_dropout_acts_only_in_training(rng):
    attn = _attention(dropout=0.5)
    x = tm.tensor(rng.standard_normal((B, T, C)))
    attn.eval()
    first, second = attn(x).data, attn(x).data
    np.testing.assert_array_equal(first, second)
    plain = _attention(dropout=0.0)
    np.testing.assert_allclose(first, plain(x).data, atol=1e-12)
    attn.train()
    tm.manual_seed(3)
    a = attn(x).data
    tm.manual_seed(3)
    np.testing.assert_array_equal(a, attn(x).data)
    assert not np.allclose(a, first)


def test_float32_by_default_and_dtype_mismatch_is_named(rng):
    attn = CausalSelfAttention(C, H)
    assert attn(tm.tensor(rng.standard_normal((B, T, C)).astype(np.float32))).dtype == np.float32
    with pytest.raises(tm.DTypeError, match="CausalSelfAttention"):
        attn(tm.tensor(rng.standard_normal((B, T, C))))


@pytest.mark.parametrize("shape, message", [((B, T, C + 1), r"\(2, 5, 9\).*d_model = 8"),
                                            ((T, C), r"\(5, 8\) must be \(B, T, C\)")])
def test_wrong_input_shapes_are_named(shape, message):
    with pytest.raises(ShapeError, match=message):
        _attention()(tm.tensor(np.zeros(shape)))


def test_a_sequence_longer_than_block_size_is_refused():
    with pytest.raises(ShapeError, match="T=5 exceeds block_size=4"):
        _attention(block_size=4)(tm.tensor(np.zeros((1, 5, C))))


def test_heads_must_divide_d_model():
    with pytest.raises(ValueError, match="d_model=10 must be a multiple of n_heads=4"):
        CausalSelfAttention(10, 4)


def torch_layer_norm(torch, w, prefix, x):
    return torch.nn.functional.layer_norm(x, x.shape[-1:], w[f"{prefix}.weight"],
                                          w[f"{prefix}.bias"], 1e-5)


def torch_mlp(torch, w, prefix, x):
    h = torch.nn.functional.gelu(torch.nn.functional.linear(x, w[f"{prefix}.0.weight"],
                                                            w[f"{prefix}.0.bias"]))
    return torch.nn.functional.linear(h, w[f"{prefix}.2.weight"], w[f"{prefix}.2.bias"])


def torch_topk_moe(torch, w, prefix, x, top_k, aux_coef):
    """Mixtral-style top-k MoE with MLP experts (every expert computed densely, then
    picked) and the Switch balancing loss; returns (y, weighted aux loss)."""
    shape = x.shape
    h = x.reshape(-1, shape[-1])
    probs = torch.softmax(h @ w[f"{prefix}.router.weight"].T, dim=-1)  # (N, E)
    top, idx = probs.topk(top_k, dim=-1)
    gate = top / top.sum(dim=-1, keepdim=True) if top_k > 1 else top
    w1, b1, w2, b2 = (w[f"{prefix}.experts.{n}"] for n in ("w1", "b1", "w2", "b2"))
    hidden = torch.nn.functional.gelu(torch.einsum("nd,ehd->neh", h, w1) + b1)
    out = torch.einsum("neh,edh->ned", hidden, w2) + b2  # (N, E, D)
    rows = torch.arange(h.shape[0])[:, None]
    y = (out[rows, idx] * gate[..., None]).sum(dim=1)
    n_experts = probs.shape[1]
    f = torch.bincount(idx.flatten(), minlength=n_experts).double() / idx.numel()
    aux = aux_coef * n_experts * (f * probs.mean(dim=0)).sum()
    return y.reshape(shape), aux


def torch_block(torch, w, prefix, x, n_heads, moe=None):
    """Pre-norm block; ``moe`` = (top_k, aux_coef) for an MoE feed-forward. -> (y, aux)."""
    sub = {k[len(prefix) + 6:]: v for k, v in w.items() if k.startswith(f"{prefix}.attn.")}
    x = x + torch_attention(torch, sub, torch_layer_norm(torch, w, f"{prefix}.ln1", x), n_heads)
    h = torch_layer_norm(torch, w, f"{prefix}.ln2", x)
    if moe is None:
        return x + torch_mlp(torch, w, f"{prefix}.ffn", h), 0.0
    y, aux = torch_topk_moe(torch, w, f"{prefix}.ffn", h, *moe)
    return x + y, aux


@pytest.mark.parametrize("kind", ["mlp", "moe"])
def test_block_matches_pytorch_outputs_and_gradients(torch, rng, kind):
    tm.manual_seed(1)
    ffn = (MLP([C, 12, C], activation="gelu", dtype=tm.float64) if kind == "mlp"
           else MoE(C, 6, 4, top_k=2, aux_loss_coef=0.1, dtype=tm.float64))
    block = TransformerBlock(C, H, ffn, dtype=tm.float64)
    for p in block.parameters():
        p.data += np.random.default_rng(p.data.size).standard_normal(p.shape) * 0.1
    x_np = rng.standard_normal((B, T, C))
    upstream = rng.standard_normal((B, T, C))
    x = tm.tensor(x_np, requires_grad=True)
    y = block(x)
    aux = block.aux_loss()
    ((y * tm.tensor(upstream)).sum() + aux).backward()

    w = {name: torch.tensor(p.data, requires_grad=True) for name, p in block.named_parameters()}
    w = {f"b.{k}": v for k, v in w.items()}
    xt = torch.tensor(x_np, requires_grad=True)
    yt, aux_t = torch_block(torch, w, "b", xt, H, None if kind == "mlp" else (2, 0.1))
    ((yt * torch.tensor(upstream)).sum() + aux_t).backward()

    np.testing.assert_allclose(y.data, yt.detach().numpy(), atol=1e-5)
    assert aux.item() == pytest.approx(aux_t.detach().item() if kind == "moe" else 0.0, abs=1e-9)
    if kind == "moe":
        assert aux.item() > 0
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), atol=1e-5)
    for name, p in block.named_parameters():
        np.testing.assert_allclose(p.grad, w[f"b.{name}"].grad.numpy(), atol=1e-5,
                                   err_msg=name)


def test_block_refuses_an_ffn_that_changes_the_shape(rng):
    block = TransformerBlock(C, H, MLP([C, 4, 3], dtype=tm.float64), dtype=tm.float64)
    with pytest.raises(ShapeError, match=r"mapped \(2, 5, 8\) to \(2, 5, 3\)"):
        block(tm.tensor(rng.standard_normal((B, T, C))))
    with pytest.raises(TypeError, match="ffn must be a Module"):
        TransformerBlock(C, H, lambda x: x)

"""Weights travel both ways between tinymoe and PyTorch, and torch stays optional."""

import subprocess
import sys

import numpy as np
import pytest

import tinymoe as tm
from tinymoe import nn
from tinymoe.nn import load_torch_state_dict, to_torch_state_dict


def pair(lib):
    """The same classifier (seed 003's Embedding -> LSTM -> Linear, minus the loop)."""
    return lib.Sequential(lib.Embedding(11, 4), lib.LayerNorm(4), lib.Linear(4, 3))


def test_load_from_torch_tensors_keeps_our_dtype(torch):
    theirs, ours = pair(torch.nn), pair(nn)
    load_torch_state_dict(ours, theirs.state_dict())
    for (key, value), ref in zip(ours.state_dict().items(), theirs.state_dict().values()):
        assert value.dtype == np.float32, key
        np.testing.assert_allclose(value, ref.numpy().astype(np.float32), err_msg=key)
    ids = np.array([[1, 2, 10]])
    np.testing.assert_allclose(
        ours(tm.tensor(ids)).data, theirs(torch.tensor(ids)).detach().numpy(), rtol=1e-5, atol=1e-6
    )


def test_load_accepts_arrays_grad_tensors_views_and_bfloat16(torch):
    ours = nn.Linear(3, 2)
    weight = torch.randn(3, 2, requires_grad=True)  # .T: a non-contiguous view needing grad
    load_torch_state_dict(ours, {"weight": weight.T, "bias": np.array([1.0, 2.0])})
    np.testing.assert_allclose(ours.weight.data, weight.detach().numpy().T, rtol=1e-6)
    np.testing.assert_array_equal(ours.bias.data, [1.0, 2.0])
    load_torch_state_dict(
        ours, {"weight": torch.ones(2, 3, dtype=torch.bfloat16), "bias": torch.zeros(2)}
    )
    np.testing.assert_array_equal(ours.weight.data, 1.0)


def test_load_errors_pass_through(torch):
    with pytest.raises(KeyError, match="missing keys \\['bias'\\]"):
        load_torch_state_dict(nn.Linear(3, 2), {"weight": torch.zeros(2, 3)})
    with pytest.raises(ValueError, match=r"'weight'.*\(3, 2\).*\(2, 3\)"):
        load_torch_state_dict(
            nn.Linear(3, 2), {"weight": torch.zeros(3, 2), "bias": torch.zeros(2)}
        )


def test_export_loads_into_torch_and_computes_the_same(torch, rng):
    ours, theirs = nn.LSTM(3, 5).double(), torch.nn.LSTM(3, 5, batch_first=True)
    exported = to_torch_state_dict(ours)
    assert all(isinstance(v, torch.Tensor) and v.dtype == torch.float64 for v in exported.values())
    theirs.load_state_dict(exported)
    x = rng.standard_normal((2, 4, 3))
    out, _ = ours(tm.tensor(x))
    ref, _ = theirs(torch.tensor(x))
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-6, atol=1e-9)


def test_export_is_a_copy(torch):
    ours = nn.Linear(2, 2)
    exported = to_torch_state_dict(ours)
    exported["weight"].zero_()
    assert np.any(ours.weight.data != 0)


def test_export_without_torch_gives_arrays(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` raise ImportError
    exported = to_torch_state_dict(nn.Linear(2, 3))
    assert list(exported) == ["weight", "bias"]
    assert all(isinstance(v, np.ndarray) for v in exported.values())


def test_importing_tinymoe_nn_does_not_import_torch():
    code = "import sys, tinymoe, tinymoe.nn; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0

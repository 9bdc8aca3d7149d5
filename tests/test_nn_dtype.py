"""One dtype rule for every layer with parameters (PyTorch's): the input's dtype must be
the parameters' dtype, else a DTypeError names the layer, both dtypes and the fix."""

import numpy as np
import pytest

import tinymoe as tm
from tinymoe import nn

LAYERS = {
    "Linear": (lambda dtype: nn.Linear(4, 3, dtype=dtype), (5, 4)),
    "LayerNorm": (lambda dtype: nn.LayerNorm(4, dtype=dtype), (5, 4)),
    "RMSNorm": (lambda dtype: nn.RMSNorm(4, dtype=dtype), (5, 4)),
    "LSTM": (lambda dtype: nn.LSTM(4, 3, dtype=dtype), (2, 5, 4)),
    "MoE": (lambda dtype: nn.MoE(4, 6, 3, dtype=dtype), (5, 4)),
}


@pytest.mark.parametrize("name", list(LAYERS))
@pytest.mark.parametrize(("layer_dtype", "input_dtype"), [
    (np.float32, np.float64), (np.float64, np.float32), (np.float32, np.int64),
    (np.float64, np.int32),
])
def test_a_mismatched_input_dtype_raises_naming_the_layer_and_both_dtypes(
        name, layer_dtype, input_dtype, rng):
    make, shape = LAYERS[name]
    tm.manual_seed(0)
    layer = make(layer_dtype)
    x = tm.tensor((rng.standard_normal(shape) * 3).astype(input_dtype))
    with pytest.raises(tm.DTypeError) as info:
        layer(x)
    message = str(info.value)
    assert message.startswith(name), message
    for dtype in (layer_dtype, input_dtype):
        assert np.dtype(dtype).name in message, message
    assert "x.to(" in message, message
    # casting the layer to an integer dtype is no fix: only a float input gets that advice
    assert ("layer.to(" in message) == np.issubdtype(input_dtype, np.floating), message


@pytest.mark.parametrize("name", list(LAYERS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_matching_input_keeps_its_dtype(name, dtype, rng):
    make, shape = LAYERS[name]
    tm.manual_seed(0)
    out = make(dtype)(tm.tensor(rng.standard_normal(shape).astype(dtype)))
    out = out[0] if isinstance(out, tuple) else out
    assert out.dtype == dtype


def test_the_error_gives_the_layers_name_inside_a_model(rng):
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2, dtype=np.float64))
    with pytest.raises(tm.DTypeError, match=r"^Linear '2': input has a floating dtype float32"):
        model(tm.tensor(rng.standard_normal((3, 4)).astype(np.float32)))


def test_layers_without_parameters_follow_the_input(rng):
    x = tm.tensor(rng.standard_normal((3, 4)))  # float64
    for layer in (nn.ReLU(), nn.GELU(), nn.Dropout(0.5), nn.LayerNorm(4, elementwise_affine=False)):
        assert layer(x).dtype == np.float64


def test_embedding_takes_integer_ids_and_rejects_float_ids():
    emb = nn.Embedding(5, 3)
    assert emb(tm.tensor(np.array([0, 4, 2]))).dtype == np.float32
    with pytest.raises(tm.DTypeError, match="integer"):
        emb(tm.tensor(np.array([0.0, 1.0])))

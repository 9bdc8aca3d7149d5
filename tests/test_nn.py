"""Module machinery: registration, names, traversal, modes, state dicts, repr, dtype casts.

Key names, shapes and reprs are compared with the same network built from ``torch.nn``
(one builder, two libraries), so "like PyTorch" is checked, not assumed."""

from collections import OrderedDict

import numpy as np
import pytest

import tinymoe as tm
from tinymoe import nn


def build_net(lib):
    """The same small network from ``tinymoe.nn`` or ``torch.nn`` (same constructors)."""

    class Net(lib.Module):
        def __init__(self):
            super().__init__()
            self.embed = lib.Embedding(10, 4)
            self.layers = lib.ModuleList([lib.Linear(4, 5), lib.Linear(5, 2, bias=False)])
            self.head = lib.Sequential(
                lib.LayerNorm(2), lib.Tanh(), lib.Linear(2, 3), lib.LeakyReLU(0.2)
            )
            self.rnn = lib.LSTM(3, 2, batch_first=True)

    return Net()


def shapes(state):
    return {key: tuple(value.shape) for key, value in state.items()}


def test_parameter_names_and_state_dict_match_torch(torch):
    ours, theirs = build_net(nn), build_net(torch.nn)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert shapes(ours.state_dict()) == shapes(theirs.state_dict())
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert [type(m).__name__ for m in ours.modules()] == [
        type(m).__name__ for m in theirs.modules()
    ]


def test_repr_matches_torch(torch):
    assert repr(build_net(nn)) == repr(build_net(torch.nn))
    for make in (lambda lib: lib.RMSNorm(4), lambda lib: lib.GELU(), lambda lib: lib.Sigmoid()):
        assert repr(make(nn)) == repr(make(torch.nn))
    assert repr(nn.Linear(3, 4)) == "Linear(in_features=3, out_features=4, bias=True)"


def test_parameters_are_parameters_with_grad():
    net = build_net(nn)
    params = list(net.parameters())
    assert params and all(isinstance(p, nn.Parameter) and p.requires_grad for p in params)
    assert isinstance(nn.Parameter(np.zeros(3)), tm.Tensor)
    assert not nn.Parameter(np.zeros(3), requires_grad=False).requires_grad


def test_shared_parameter_listed_once_but_in_state_dict_under_each_name():
    a = nn.Linear(3, 3)
    b = nn.Linear(3, 3)
    b.weight = a.weight
    seq = nn.Sequential(a, b)
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias", "1.bias"]
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_reassignment_moves_between_registries():
    m = nn.Module()
    m.thing = nn.Parameter(np.zeros(2))
    m.thing = nn.Linear(2, 2)
    assert [n for n, _ in m.named_children()] == ["thing"]
    assert [n for n, _ in m.named_parameters()] == ["thing.weight", "thing.bias"]
    m.thing = None
    assert m.thing is None and list(m.parameters()) == []
    del m.thing
    assert "thing" not in m.state_dict() and not hasattr(m, "thing")


def test_plain_attributes_and_non_parameter_tensors_are_not_registered():
    m = nn.Module()
    m.scale = 3.0
    m.cache = tm.tensor([1.0, 2.0])
    assert list(m.parameters()) == [] and m.scale == 3.0


def test_bad_assignments_raise_clear_errors():
    class Forgot(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(np.zeros(2))

    with pytest.raises(AttributeError, match="super\\(\\).__init__"):
        Forgot()
    lin = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="parameter 'weight'"):
        lin.weight = np.zeros((2, 2))
    with pytest.raises(TypeError, match="Parameter"):
        lin.register_parameter("w", np.zeros(2))
    with pytest.raises(AttributeError, match="nope"):
        _ = lin.nope


def test_buffers_are_in_state_dict_not_parameters():
    m = nn.Linear(2, 2)
    m.register_buffer("running", np.arange(2.0))
    assert "running" in m.state_dict() and len(list(m.parameters())) == 2
    assert [n for n, _ in m.named_buffers()] == ["running"]
    m.running = np.ones(2)
    np.testing.assert_array_equal(m.state_dict()["running"], np.ones(2))


def test_train_eval_propagate_to_all_submodules():
    net = build_net(nn)
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_zero_grad_sets_every_grad_to_none():
    lin = nn.Linear(3, 2)
    lin(tm.randn(4, 3)).sum().backward()
    assert lin.weight.grad is not None
    lin.zero_grad()
    assert all(p.grad is None for p in lin.parameters())


def test_state_dict_is_a_copy_and_round_trips():
    src, dst = build_net(nn), build_net(nn)
    state = src.state_dict()
    assert isinstance(state, OrderedDict)
    state["head.2.weight"][...] = 0.0  # mutating the copy leaves the model alone
    assert np.any(src.head[2].weight.data != 0.0)
    dst.load_state_dict(src.state_dict())
    for (key, a), b in zip(src.state_dict().items(), dst.state_dict().values()):
        np.testing.assert_array_equal(a, b, err_msg=key)


def test_load_state_dict_is_in_place_and_keeps_dtype():
    lin = nn.Linear(3, 2)
    weight_obj, weight_array = lin.weight, lin.weight.data
    new = {"weight": np.ones((2, 3), dtype=np.float64), "bias": tm.zeros(2)}  # arrays or Tensors
    lin.load_state_dict(new)
    assert lin.weight is weight_obj and lin.weight.data is weight_array
    assert lin.weight.dtype == np.float32
    np.testing.assert_array_equal(lin.weight.data, 1.0)
    np.testing.assert_array_equal(lin.bias.data, 0.0)


def test_load_state_dict_errors_name_keys_and_shapes():
    lin = nn.Linear(3, 2)
    good = lin.state_dict()
    with pytest.raises(KeyError, match="missing keys \\['bias'\\]"):
        lin.load_state_dict({"weight": good["weight"]})
    with pytest.raises(KeyError, match="unexpected keys \\['extra'\\]"):
        lin.load_state_dict({**good, "extra": np.zeros(1)})
    with pytest.raises(ValueError, match=r"'weight'.*\(3, 2\).*\(2, 3\)"):
        lin.load_state_dict({"weight": np.zeros((3, 2)), "bias": good["bias"]})
    counter = nn.Module()
    counter.register_buffer("steps", np.zeros(2, dtype=np.int64))
    with pytest.raises(TypeError, match="'steps' of dtype float64 into int64"):
        counter.load_state_dict({"steps": np.ones(2)})
    before = lin.state_dict()
    with pytest.raises(ValueError):  # a failed load changes nothing
        lin.load_state_dict({"weight": np.ones((2, 3)), "bias": np.zeros(5)})
    np.testing.assert_array_equal(lin.weight.data, before["weight"])


def test_load_state_dict_non_strict_reports_keys():
    lin = nn.Linear(3, 2)
    result = lin.load_state_dict({"weight": np.ones((2, 3)), "extra": 1.0}, strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["extra"]
    np.testing.assert_array_equal(lin.weight.data, 1.0)


def test_to_double_casts_in_place_and_keeps_identity():
    net = build_net(nn)
    params = list(net.parameters())
    assert all(p.dtype == np.float32 for p in params)
    assert net.double() is net
    assert [id(p) for p in net.parameters()] == [id(p) for p in params]
    assert all(p.dtype == np.float64 for p in net.parameters())
    assert all(v.dtype == np.float64 for v in net.state_dict().values())
    net.float()
    assert all(p.dtype == np.float32 for p in net.parameters())


def test_sequential_and_module_list_indexing():
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)]
    seq = nn.Sequential(*layers)
    assert len(seq) == 3 and seq[0] is layers[0] and seq[-1] is layers[2]
    assert list(seq) == layers
    assert isinstance(seq[1:], nn.Sequential) and list(seq[1:]) == layers[1:]
    x = tm.randn(4, 2)
    np.testing.assert_allclose(seq(x).data, layers[2](layers[1](layers[0](x))).data)
    with pytest.raises(IndexError, match="index 3 out of range for length 3"):
        seq[3]
    ml = nn.ModuleList(layers[:1]).append(layers[1])
    ml.extend([layers[2]])
    ml[1] = nn.Tanh()
    assert [n for n, _ in ml.named_children()] == ["0", "1", "2"]
    assert isinstance(ml[1], nn.Tanh)


def test_sequential_from_ordered_dict_uses_names():
    seq = nn.Sequential(OrderedDict(fc=nn.Linear(2, 2), act=nn.ReLU()))
    assert list(seq.state_dict()) == ["fc.weight", "fc.bias"]
    assert isinstance(seq[1], nn.ReLU)


def test_forward_must_be_implemented():
    with pytest.raises(NotImplementedError, match="Module must implement forward"):
        nn.Module()(1)

"""tinymoe.optim against torch.optim, state-dict resumption, param groups, clipping, errors."""

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.optim import SGD, Adam, AdamW, clip_grad_norm_
from tinymoe.serialization import load, save

SHAPES = [(4, 3), (3,), (2, 2)]  # the last parameter never gets a gradient
STEPS = 50


def make_params(rng):
    return [tm.tensor(rng.standard_normal(s), requires_grad=True, dtype=tm.float64)
            for s in SHAPES]


def as_torch(torch, params):
    return [torch.tensor(p.data.copy(), requires_grad=True) for p in params]


def random_grads(rng, steps):
    return [[rng.standard_normal(s) for s in SHAPES[:-1]] for _ in range(steps)]


def set_grads(params, grads):
    for p, g in zip(params, grads):
        p.grad = g.copy()


def assert_matches_torch(torch, rng, make_ours, make_theirs, groups=None):
    """Step both optimisers STEPS times on the same gradients; compare every step."""
    ours = make_params(rng)
    theirs = as_torch(torch, ours)
    split = (lambda ps: [{"params": ps[:1], **groups[0]}, {"params": ps[1:], **groups[1]}]
             if groups else ps)
    opt, topt = make_ours(split(ours)), make_theirs(split(theirs))
    for step, grads in enumerate(random_grads(rng, STEPS)):
        set_grads(ours, grads)
        for t, g in zip(theirs, grads):
            t.grad = torch.tensor(g)
        opt.step()
        topt.step()
        for p, t in zip(ours, theirs):
            np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=1e-6, atol=1e-12,
                                       err_msg=f"step {step}")
    assert np.array_equal(ours[-1].data, theirs[-1].detach().numpy())  # grad None: untouched


SGD_CONFIGS = [
    dict(lr=0.1),
    dict(lr=0.05, momentum=0.9),
    dict(lr=0.05, momentum=0.9, dampening=0.5),
    dict(lr=0.05, momentum=0.9, nesterov=True),
    dict(lr=0.05, momentum=0.8, weight_decay=0.1),
    dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1),
    dict(lr=0.1, weight_decay=0.3),
]
ADAM_CONFIGS = [
    dict(),
    dict(lr=0.01, amsgrad=True),
    dict(lr=0.01, weight_decay=0.1),
    dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05, amsgrad=True),
]


@pytest.mark.parametrize("config", SGD_CONFIGS, ids=str)
def test_sgd_matches_torch(torch, rng, config):
    assert_matches_torch(torch, rng, lambda ps: SGD(ps, **config),
                         lambda ps: torch.optim.SGD(ps, **config))


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("name", ["Adam", "AdamW"])
@pytest.mark.parametrize("config", ADAM_CONFIGS, ids=str)
def test_adam_family_matches_torch(torch, rng, backend, name, config):
    ours = {"Adam": Adam, "AdamW": AdamW}[name]
    with tm.use_backend(backend):
        assert_matches_torch(torch, rng, lambda ps: ours(ps, **config),
                             lambda ps: getattr(torch.optim, name)(ps, **config))


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_param_groups_with_their_own_hyperparameters(torch, rng, name):
    ours = {"SGD": SGD, "Adam": Adam}[name]
    common = dict(lr=0.1, momentum=0.9) if name == "SGD" else {}
    groups = [dict(lr=0.3), dict(lr=0.003, weight_decay=0.1)]
    assert_matches_torch(torch, rng, lambda gs: ours(gs, **common),
                         lambda gs: getattr(torch.optim, name)(gs, **common), groups=groups)


OPTIMISERS = {
    "SGD": lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    "Adam": lambda ps: Adam(ps, lr=0.01, amsgrad=True, weight_decay=0.1),
    "AdamW": lambda ps: AdamW(ps, lr=0.01),
}


def walk(obj):
    """Every leaf of a nested dict/list/tuple."""
    if isinstance(obj, dict):
        assert all(isinstance(k, int | str) for k in obj)
        return [leaf for v in obj.values() for leaf in walk(v)]
    if isinstance(obj, list | tuple):
        return [leaf for v in obj for leaf in walk(v)]
    return [obj]


def as_if_from_file(state_dict):
    """What a flat file format may give back: string keys, sequences as arrays."""
    if isinstance(state_dict, dict):
        return {str(k): as_if_from_file(v) for k, v in state_dict.items()}
    if isinstance(state_dict, list | tuple):
        return np.asarray(state_dict)
    return state_dict


@pytest.mark.parametrize("via", ["memory", "flattened", "checkpoint"])
@pytest.mark.parametrize("name", OPTIMISERS)
def test_state_dict_resume_is_bit_exact(rng, tmp_path, name, via):
    make = OPTIMISERS[name]
    grads = random_grads(rng, 20)
    params = make_params(rng)
    opt = make([{"params": params[:2]}, {"params": params[2:], "lr": 0.05}])
    for g in grads[:10]:
        set_grads(params, g)
        opt.step()
    saved, saved_params = opt.state_dict(), [p.data.copy() for p in params]
    for g in grads[10:]:  # uninterrupted; also checks that `saved` is a snapshot
        set_grads(params, g)
        opt.step()

    fresh = [tm.tensor(d, requires_grad=True, dtype=tm.float64) for d in saved_params]
    opt2 = make([{"params": fresh[:2]}, {"params": fresh[2:]}])
    if via == "flattened":
        saved = as_if_from_file(saved)
    elif via == "checkpoint":
        save(saved, tmp_path / "optim.npz")
        saved = load(tmp_path / "optim.npz")
    opt2.load_state_dict(saved)
    assert opt2.param_groups[1]["lr"] == 0.05
    for g in grads[10:]:
        set_grads(fresh, g)
        opt2.step()
    for p, q in zip(params, fresh):
        assert np.array_equal(p.data, q.data)


def test_state_dict_layout_is_pytorch_like(rng):
    params = make_params(rng)
    opt = Adam([{"params": params[:1]}, {"params": params[1:], "lr": 0.1}])
    set_grads(params, random_grads(rng, 1)[0])
    opt.step()
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1, 2]]
    assert sorted(sd["state"]) == [0, 1]  # parameter 2 had no gradient, so no state
    assert sd["state"][0]["step"] == 1
    assert sd["state"][1]["exp_avg"].shape == SHAPES[1]
    assert all(isinstance(leaf, int | float | bool | np.ndarray) for leaf in walk(sd))
    assert "Parameter Group 1\n    amsgrad: False" in repr(opt) and "    lr: 0.1" in repr(opt)


def test_load_state_dict_validates(rng):
    params = make_params(rng)
    opt = Adam(params)
    set_grads(params, random_grads(rng, 1)[0])
    opt.step()
    sd = opt.state_dict()
    with pytest.raises(ValueError, match="1 parameter groups, the optimizer has 2"):
        Adam([{"params": params[:1]}, {"params": params[1:]}]).load_state_dict(sd)
    with pytest.raises(ValueError, match="group 0 has 3 parameters .* 2 in the optimizer"):
        Adam(params[:2]).load_state_dict(sd)
    other = [tm.tensor(np.zeros((4, 3))), tm.tensor(np.zeros(5)), tm.tensor(np.zeros((2, 2)))]
    with pytest.raises(ValueError, match=r"'exp_avg' of parameter 1 has shape \(3,\).*\(5,\)"):
        Adam(other).load_state_dict(sd)
    with pytest.raises(ValueError, match="keys 'state' and 'param_groups'"):
        Adam(params).load_state_dict({"state": {}})


def test_zero_grad(rng):
    params = make_params(rng)
    opt = SGD(params, lr=0.1)
    set_grads(params, random_grads(rng, 1)[0])
    grad = params[0].grad
    opt.zero_grad(set_to_none=False)
    assert params[0].grad is grad and not grad.any()
    assert params[2].grad is None
    opt.zero_grad()
    assert all(p.grad is None for p in params)


@pytest.mark.parametrize("cls", [SGD, Adam, AdamW])
def test_bad_arguments_name_the_optimiser(rng, cls):
    params = make_params(rng)
    name = cls.__name__
    with pytest.raises(ValueError, match=f"{name}: invalid learning rate -0.1"):
        cls(params, lr=-0.1)
    with pytest.raises(ValueError, match=f"{name}: invalid learning rate -1"):
        cls([{"params": params[:1]}, {"params": params[1:], "lr": -1}])
    with pytest.raises(TypeError, match=f"{name}: parameter 1 of group 0 is a ndarray"):
        cls([params[0], np.zeros(3)])
    with pytest.raises(TypeError, match=f"{name}: params must be an iterable"):
        cls(params[0])
    with pytest.raises(ValueError, match=f"{name}: got an empty parameter list"):
        cls([])
    with pytest.raises(ValueError, match=f"{name}: a parameter appears more than once"):
        cls([{"params": params[:2]}, {"params": params[1:]}])
    with pytest.raises(ValueError, match=f"{name}: unknown hyperparameter"):
        cls([{"params": params, "learning_rate": 0.1}])
    opt = cls(params)
    params[0].grad = np.zeros((3, 4))
    with pytest.raises(ValueError, match=rf"{name}.step: gradient of shape \(3, 4\)"):
        opt.step()


@pytest.mark.parametrize("cls", [Adam, AdamW])
@pytest.mark.parametrize("betas", [(1.0, 0.999), (0.9, -0.1), (0.9,)])
def test_bad_betas(rng, cls, betas):
    with pytest.raises(ValueError, match=f"{cls.__name__}: .*beta"):
        cls(make_params(rng), betas=betas)


def test_sgd_nesterov_needs_momentum(rng):
    with pytest.raises(ValueError, match="SGD: nesterov momentum needs momentum > 0"):
        SGD(make_params(rng), lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="dampening == 0"):
        SGD(make_params(rng), lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_matches_torch(torch, rng, norm_type, max_norm):
    params = make_params(rng)
    set_grads(params, random_grads(rng, 1)[0])
    theirs = as_torch(torch, params)
    for t, p in zip(theirs, params):
        t.grad = None if p.grad is None else torch.tensor(p.grad)
    total = clip_grad_norm_(params, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert total == pytest.approx(expected.item(), rel=1e-12)
    for p, t in zip(params[:-1], theirs):
        np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=1e-12)
    clipped = np.linalg.norm(np.concatenate([p.grad.ravel() for p in params[:-1]]), norm_type)
    assert clipped <= max_norm * (1 + 1e-9)


def test_clip_grad_norm_without_grads_and_nonfinite(rng):
    params = make_params(rng)
    assert clip_grad_norm_(params, 1.0) == 0.0
    params[0].grad = np.full((4, 3), np.nan)
    with pytest.raises(RuntimeError, match="clip_grad_norm_: the total 2.0-norm .* nan"):
        clip_grad_norm_(params[0], 1.0, error_if_nonfinite=True)

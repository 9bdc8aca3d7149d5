"""The backend switch: which implementation the engine's array ops actually run, and
what ``import tinymoe`` does (and does not do) to the process."""

import importlib
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

import tinymoe as tm
from tinymoe import reference
from tinymoe.errors import DTypeError, ShapeError
from tinymoe.nn import functional as F

backend_module = importlib.import_module("tinymoe.backend")
ROOT = pathlib.Path(tm.__file__).parent


@pytest.fixture
def spies(monkeypatch):
    """Wrap every kernel and every reference of ``DISPATCH``; record ``numba.<name>`` or
    ``numpy.<name>`` for each call that reaches one."""
    calls = []

    def spy(label, real):
        def wrapper(*args, **kwargs):
            calls.append(label)
            return real(*args, **kwargs)

        return wrapper

    for name, ((module, function), ref) in backend_module.DISPATCH.items():
        kernels = importlib.import_module(module)
        monkeypatch.setattr(kernels, function, spy(f"numba.{name}", getattr(kernels, function)))
        monkeypatch.setitem(backend_module.DISPATCH, name,
                            ((module, function), spy(f"numpy.{name}", ref)))
    return calls


def _adam_args(rng):
    p = rng.standard_normal((3, 4))
    return (p, np.ones_like(p), np.zeros_like(p), np.zeros_like(p))


HYPER = dict(step=1, lr=0.1, beta1=0.9, beta2=0.99, eps=1e-8)


def _every_op(rng):
    """Call every public dispatch function of tinymoe.backend once, small float64 inputs."""
    a, b = rng.standard_normal((40, 50)), rng.standard_normal((50, 60))
    offsets = np.array([0, 15, 15, 40])
    w = rng.standard_normal((3, 7, 50))
    backend_module.matmul(a, b)
    backend_module.softmax_cross_entropy(a, np.zeros(40, np.int64))
    backend_module.adam_step(*_adam_args(rng), **HYPER)
    backend_module.erf(a)
    backend_module.gelu(a)
    backend_module.gelu_backward(a, a)
    for name, args in [("grouped_matmul", (a, w, offsets)),
                       ("grouped_matmul_tn", (a, a, offsets)),
                       ("segment_sum", (a, offsets)),
                       ("scatter_add_rows", (a, np.ones(40), np.arange(40) % 5, 5)),
                       ("grouped_linear", (a, w, None, offsets, None, "gelu")),
                       ("grouped_linear_grad", (a, w, offsets, "relu", a[:, :7])),
                       ("combine_backward", (a[:5], a, np.ones(40), np.arange(40) % 5))]:
        backend_module.implementation(name)(*args)


def test_default_is_numba_and_unknown_names_fail():
    assert tm.get_backend() == "numba"
    with pytest.raises(ValueError, match="set_backend.*'blas'"):
        tm.set_backend("blas")
    assert tm.get_backend() == "numba"


def test_module_and_context_manager_have_different_names():
    assert tm.backend is backend_module  # the module, no longer shadowed
    assert tm.use_backend is backend_module.use_backend


def test_context_restores_even_after_an_error():
    with tm.use_backend("numpy"):
        assert tm.get_backend() == "numpy"
        with tm.use_backend("numba"):
            assert tm.get_backend() == "numba"
        assert tm.get_backend() == "numpy"
    assert tm.get_backend() == "numba"
    with pytest.raises(RuntimeError), tm.use_backend("numpy"):
        raise RuntimeError("boom")
    assert tm.get_backend() == "numba"
    tm.set_backend("numpy")
    try:
        assert backend_module.get_backend() == "numpy"
    finally:
        tm.set_backend("numba")


def test_numba_backend_runs_every_kernel(rng, spies):
    _every_op(rng)
    assert spies == [f"numba.{name}" for name in backend_module.DISPATCH]


def test_numpy_backend_runs_every_reference_and_no_kernel(rng, spies):
    with tm.use_backend("numpy"):
        _every_op(rng)
    # the NumPy GELU calls the reference erf itself, not through the table
    assert spies == [f"numpy.{name}" for name in backend_module.DISPATCH]


def test_numpy_backend_trains_an_moe_model_without_a_kernel(rng, spies):
    """Forward, backward and an Adam step of a GELU MoE with noisy top-k routing (whose
    load loss uses erf) and a cross-entropy loss: every kernel path, none taken."""
    tm.manual_seed(0)
    model = tm.nn.Sequential(tm.nn.Linear(6, 8), tm.nn.MoE(8, 16, 4, router="noisy_topk"),
                             tm.nn.Linear(8, 3))
    opt = tm.optim.Adam(model.parameters(), lr=1e-2)
    x = tm.tensor(rng.standard_normal((12, 6)).astype(np.float32))
    y = tm.tensor(rng.integers(0, 3, 12))
    with tm.use_backend("numpy"):
        loss = F.cross_entropy(model(x), y) + model.aux_loss()
        loss.backward()
        opt.step()
    assert spies, "the step ran no dispatched op at all"
    assert not [c for c in spies if c.startswith("numba.")], spies
    assert {"numpy.grouped_matmul", "numpy.adam_step", "numpy.erf"} <= set(spies), spies


def test_wide_cross_entropy_rows_stay_on_numpy(rng, spies):
    wide = rng.standard_normal((4, backend_module.FUSED_CROSS_ENTROPY_MAX_CLASSES + 1))
    backend_module.softmax_cross_entropy(wide, np.zeros(4, np.int64))
    assert spies == ["numpy.softmax_cross_entropy"]


def test_non_contiguous_adam_state_takes_the_numpy_path(rng, spies):
    p = rng.standard_normal((4, 6))[:, ::2]
    backend_module.adam_step(p, np.ones_like(p), np.zeros((4, 3)), np.zeros((4, 3)), **HYPER)
    assert spies == ["numpy.adam_step"]
    assert np.isfinite(p).all()


@pytest.mark.parametrize("name", ["numba", "numpy"])
def test_bad_input_errors_name_the_op(name):
    with tm.use_backend(name):
        with pytest.raises(ShapeError, match=r"softmax_cross_entropy.*\(4, 3\).*\(5,\)"):
            backend_module.softmax_cross_entropy(np.zeros((4, 3)), np.zeros(5, np.int64))
        with pytest.raises(IndexError, match=r"softmax_cross_entropy.*\[0, 3\)"):
            backend_module.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3]))
        with pytest.raises(DTypeError, match="softmax_cross_entropy.*targets"):
            backend_module.softmax_cross_entropy(np.zeros((2, 3)), np.zeros(2))
        p = np.zeros((2, 3))
        with pytest.raises(ShapeError, match=r"adam_step.*\(3, 2\)"):
            backend_module.adam_step(p, np.zeros((3, 2)), p.copy(), p.copy(), **HYPER)
        with pytest.raises(ValueError, match="adam_step: step counts from 1"):
            backend_module.adam_step(p, p.copy(), p.copy(), p.copy(), **{**HYPER, "step": 0})


def test_reference_erf_is_math_erf(rng):
    import math

    x = rng.standard_normal(50) * 3
    np.testing.assert_array_equal(reference.erf(x), [math.erf(v) for v in x])
    assert reference.erf(x.astype(np.float32)).dtype == np.float32
    assert reference.erf(np.zeros((0, 3))).shape == (0, 3)


def test_no_kernel_module_imports_the_backend_switch():
    pattern = re.compile(r"^\s*(from tinymoe\.backend |import tinymoe\.backend|"
                         r"from tinymoe import .*\bbackend\b)", re.M)
    offenders = [p.name for p in (ROOT / "kernels").glob("*.py") if pattern.search(p.read_text())]
    assert offenders == [], f"kernel modules must not depend on the backend switch: {offenders}"


# ---------------------------------------------------------------- the process

def _python(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.split()


def test_import_loads_no_numba_and_sets_nothing():
    out = _python("""
import os, sys
before = {k: v for k, v in os.environ.items() if k.startswith("NUMBA")}
import tinymoe
after = {k: v for k, v in os.environ.items() if k.startswith("NUMBA")}
heavy = [m for m in ("numba", "llvmlite", "matplotlib", "tqdm") if m in sys.modules]
print(before == after, heavy or "none")
""")
    assert out == ["True", "none"], f"import tinymoe loaded {out[1]} or changed NUMBA_* vars"


def test_numpy_backend_never_imports_numba():
    out = _python("""
import sys, numpy as np, tinymoe as tm
tm.set_backend("numpy")
model = tm.nn.Sequential(tm.nn.Linear(6, 8), tm.nn.GELU(), tm.nn.MoE(8, 16, 4), tm.nn.Linear(8, 3))
opt = tm.optim.Adam(model.parameters())
loss = tm.nn.functional.cross_entropy(model(tm.randn(5, 6)), tm.tensor([0, 1, 2, 0, 1]))
(loss + model.aux_loss()).backward()
opt.step()
print("numba" in sys.modules)
""")
    assert out == ["False"]


def test_first_kernel_call_configures_numba():
    """The settings land in numba.config on the first dispatch, not at import; an
    environment variable the user set wins."""
    code = """
import sys, numpy as np, tinymoe
assert "numba" not in sys.modules
tinymoe.backend.matmul(np.ones((2, 2)), np.ones((2, 2)))
import numba, tinymoe.kernels as k
print(numba.config.THREADING_LAYER, ",".join(numba.config.THREADING_LAYER_PRIORITY),
      k.configure()["threading_layer_from_env"])
"""
    import os

    clean = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_THREADING_LAYER")}
    out = subprocess.run([sys.executable, "-c", code], env=clean, capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["default", "omp,workqueue,tbb", "False"]
    out = subprocess.run([sys.executable, "-c", code],
                         env={**clean, "NUMBA_THREADING_LAYER": "workqueue"},
                         capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "workqueue" and out[2] == "True"


# ---------------------------------------------------------------- through the Tensor API

def test_tensor_matmul_and_linear_follow_the_backend(rng, spies):
    x = tm.tensor(rng.standard_normal((40, 50)).astype(np.float32))
    w = tm.tensor(rng.standard_normal((60, 50)).astype(np.float32))
    results = {}
    for name in ("numpy", "numba"):
        spies.clear()
        with tm.use_backend(name):
            results[name] = ((x @ w.T).numpy(), F.linear(x, w).numpy())
        assert spies == [f"{name}.matmul"] * 2, spies
    for got, want in zip(results["numba"], results["numpy"]):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("name", ["numba", "numpy"])
def test_matmul_gradients_agree_across_backends(rng, name):
    a = tm.tensor(rng.standard_normal((2, 33, 40)), requires_grad=True)
    b = tm.tensor(rng.standard_normal((40, 35)), requires_grad=True)
    with tm.use_backend(name):
        (a @ b).sum().backward()
    g = np.ones((2, 33, 35))
    np.testing.assert_allclose(a.grad, g @ b.data.T, rtol=1e-12)
    np.testing.assert_allclose(b.grad, np.einsum("bmk,bmn->kn", a.data, g), rtol=1e-12)


def test_fused_cross_entropy_gradcheck(rng, spies):
    logits = tm.tensor(rng.standard_normal((6, 5)) * 3, requires_grad=True)
    targets = tm.tensor(rng.integers(0, 5, 6))
    assert tm.gradcheck(lambda z: F.cross_entropy(z, targets), (logits,))
    assert "numba.softmax_cross_entropy" in spies

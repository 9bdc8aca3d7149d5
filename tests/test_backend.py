"""The backend switch: which implementation the engine's array ops actually run."""

import importlib

import numpy as np
import pytest

import tinymoe as tm
from tinymoe import kernels
from tinymoe.errors import DTypeError, ShapeError
from tinymoe.nn import functional as F

backend_module = importlib.import_module("tinymoe.backend")


class _NumpySpy:
    """Stands in for ``numpy`` inside tinymoe/backend.py only (patching numpy itself
    would also hit Numba's compiler)."""

    def __init__(self, calls):
        self.calls = calls

    def __getattr__(self, name):
        return getattr(np, name)

    def matmul(self, *args):
        self.calls.append("numpy.matmul")
        return np.matmul(*args)

    def exp(self, *args):
        self.calls.append("numpy.exp")  # the NumPy cross-entropy's exp
        return np.exp(*args)


@pytest.fixture
def spies(monkeypatch):
    """Wrap the kernels and the NumPy entry points the backend may call; record who ran."""
    calls = []

    def wrap(name):
        real = getattr(kernels, name)

        def spy(*args, **kwargs):
            calls.append(f"numba.{name}")
            return real(*args, **kwargs)

        monkeypatch.setattr(kernels, name, spy)

    for name in ("matmul", "softmax_cross_entropy", "adam_step"):
        wrap(name)
    monkeypatch.setattr(backend_module, "np", _NumpySpy(calls))
    return calls


def _adam_args(rng):
    p = rng.standard_normal((3, 4))
    return (p, np.ones_like(p), np.zeros_like(p), np.zeros_like(p))


HYPER = dict(step=1, lr=0.1, beta1=0.9, beta2=0.99, eps=1e-8)


def test_default_is_numba_and_unknown_names_fail():
    assert tm.get_backend() == "numba"
    with pytest.raises(ValueError, match="set_backend.*'blas'"):
        tm.set_backend("blas")
    assert tm.get_backend() == "numba"


def test_context_restores_even_after_an_error():
    with tm.backend("numpy"):
        assert tm.get_backend() == "numpy"
        with tm.backend("numba"):
            assert tm.get_backend() == "numba"
        assert tm.get_backend() == "numpy"
    assert tm.get_backend() == "numba"
    with pytest.raises(RuntimeError), tm.backend("numpy"):
        raise RuntimeError("boom")
    assert tm.get_backend() == "numba"
    tm.set_backend("numpy")
    try:
        assert backend_module.get_backend() == "numpy"
    finally:
        tm.set_backend("numba")


def test_numba_backend_runs_the_kernels(rng, spies):
    a, b = rng.standard_normal((40, 50)), rng.standard_normal((50, 60))
    backend_module.matmul(a, b)
    backend_module.softmax_cross_entropy(a, np.zeros(40, np.int64))
    backend_module.adam_step(*_adam_args(rng), **HYPER)
    assert spies == ["numba.matmul", "numba.softmax_cross_entropy", "numba.adam_step"]


def test_numpy_backend_runs_numpy(rng, spies):
    a, b = rng.standard_normal((40, 50)), rng.standard_normal((50, 60))
    with tm.backend("numpy"):
        np.testing.assert_allclose(backend_module.matmul(a, b), a @ b, rtol=1e-12)
        backend_module.softmax_cross_entropy(a, np.zeros(40, np.int64))
        backend_module.adam_step(*_adam_args(rng), **HYPER)
    assert spies == ["numpy.matmul", "numpy.exp"]
    assert not [c for c in spies if c.startswith("numba")]


def test_wide_cross_entropy_rows_stay_on_numpy(rng, spies):
    wide = rng.standard_normal((4, backend_module.FUSED_CROSS_ENTROPY_MAX_CLASSES + 1))
    backend_module.softmax_cross_entropy(wide, np.zeros(4, np.int64))
    assert spies == ["numpy.exp"]


def test_non_contiguous_adam_state_takes_the_numpy_path(rng, spies):
    p = rng.standard_normal((4, 6))[:, ::2]
    backend_module.adam_step(p, np.ones_like(p), np.zeros((4, 3)), np.zeros((4, 3)), **HYPER)
    assert "numba.adam_step" not in spies
    assert np.isfinite(p).all()


@pytest.mark.parametrize("name", ["numba", "numpy"])
def test_bad_input_errors_name_the_op(name):
    with tm.backend(name):
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


# ---------------------------------------------------------------- through the Tensor API

def test_tensor_matmul_and_linear_follow_the_backend(rng, spies):
    x = tm.tensor(rng.standard_normal((40, 50)).astype(np.float32))
    w = tm.tensor(rng.standard_normal((60, 50)).astype(np.float32))
    results = {}
    for name in ("numpy", "numba"):
        spies.clear()
        with tm.backend(name):
            results[name] = ((x @ w.T).numpy(), F.linear(x, w).numpy())
        assert spies.count(f"{name}.matmul") == 2, spies
    for got, want in zip(results["numba"], results["numpy"]):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("name", ["numba", "numpy"])
def test_matmul_gradients_agree_across_backends(rng, name):
    a = tm.tensor(rng.standard_normal((2, 33, 40)), requires_grad=True)
    b = tm.tensor(rng.standard_normal((40, 35)), requires_grad=True)
    with tm.backend(name):
        (a @ b).sum().backward()
    g = np.ones((2, 33, 35))
    np.testing.assert_allclose(a.grad, g @ b.data.T, rtol=1e-12)
    np.testing.assert_allclose(b.grad, np.einsum("bmk,bmn->kn", a.data, g), rtol=1e-12)


def test_fused_cross_entropy_gradcheck(rng, spies):
    logits = tm.tensor(rng.standard_normal((6, 5)) * 3, requires_grad=True)
    targets = tm.tensor(rng.integers(0, 5, 6))
    assert tm.gradcheck(lambda z: F.cross_entropy(z, targets), (logits,))
    assert "numba.softmax_cross_entropy" in spies

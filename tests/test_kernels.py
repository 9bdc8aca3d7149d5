"""The Numba kernels against their NumPy references (tinymoe/kernels/)."""

import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import pytest
from llvmlite import binding as llvm
from numba import njit

from tinymoe import kernels, reference
from tinymoe.errors import DTypeError, ShapeError
from tinymoe.kernels import LADDER, isa, matmul, matmul_reference
from tinymoe.kernels import gemm as gemm_module
from tinymoe.kernels import matmul_ladder as ml
from tinymoe.kernels.tiles import Tile, tile_mr, tile_nr, zeros_tile

FLOATS = [np.float32, np.float64]
JIT_OFF = os.environ.get("NUMBA_DISABLE_JIT") == "1"


@pytest.fixture(params=["serial", "threaded"])
def paths(request, monkeypatch):
    """Run the elementwise and row kernels serially, then threaded, whatever the size."""
    from tinymoe.kernels import activations, adam, cross_entropy

    for module in (activations, adam, cross_entropy):
        monkeypatch.setattr(module, "PARALLEL_MIN", 1 if request.param == "threaded" else 2**62)
    return request.param


@pytest.fixture(autouse=True)
def kernel_from_32_cubed(monkeypatch):
    """The engine sends products under ``gemm.SMALL`` (128^3) to np.matmul, where BLAS is
    faster; these tests reach every edge case with small shapes, so they run the kernel
    from 32^3 multiply-adds on."""
    monkeypatch.setattr(gemm_module, "SMALL", 32**3)


def _close(got, a, b):
    """got == a @ b to the accuracy of a.dtype, judged against a float64 reference."""
    assert got.dtype == np.result_type(a, b)
    want = np.matmul(a.astype(np.float64), b.astype(np.float64))
    assert got.shape == want.shape
    k = a.shape[-1]
    tol = (2e-6 if a.dtype == np.float32 else 1e-14) * np.sqrt(max(k, 1))
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * 4)


def _pair(rng, m, k, n, dtype, transposed=False):
    """a (m, k), b (k, n); ``transposed`` gives them as .T views of (k, m), (n, k)."""
    if transposed:
        return (rng.standard_normal((k, m)).astype(dtype).T,
                rng.standard_normal((n, k)).astype(dtype).T)
    return rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype)


# ---------------------------------------------------------------- the ladder

@pytest.mark.parametrize("dtype", FLOATS)
def test_reference_is_the_definition(rng, dtype):
    a, b = _pair(rng, 5, 4, 3, dtype)
    want = [[sum(a[i, k] * b[k, j] for k in range(4)) for j in range(3)] for i in range(5)]
    np.testing.assert_allclose(matmul_reference(a, b), want, rtol=1e-6)


@pytest.mark.nojit
@pytest.mark.parametrize("rung", LADDER)
@pytest.mark.parametrize("dtype", FLOATS)
def test_rung_tiny(rng, rung, dtype):
    for m, k, n in [(1, 1, 1), (7, 5, 6)]:
        a, b = _pair(rng, m, k, n, dtype)
        got = LADDER[rung](a, b)
        np.testing.assert_allclose(got, matmul_reference(a, b), rtol=1e-5, atol=1e-5)
        _close(got, a, b)


@pytest.mark.parametrize("rung", LADDER)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("transposed", [False, True], ids=["contiguous", "transposed"])
def test_rung_against_reference(rng, rung, dtype, transposed):
    shapes = [(1, 1, 1), (7, 7, 7), (33, 33, 33), (127, 127, 127),  # odd squares
              (5, 130, 3), (130, 3, 67), (1, 70, 90), (90, 70, 1), (66, 1, 9),  # skinny
              (13, 300, 70)]  # K past rung 7's float32 k-panel (256)
    for m, k, n in shapes:
        a, b = _pair(rng, m, k, n, dtype, transposed)
        got = LADDER[rung](a, b)
        np.testing.assert_allclose(got, matmul_reference(a, b),
                                   rtol=1e-4 if dtype == np.float32 else 1e-12, atol=1e-4)
        _close(got, a, b)


@pytest.mark.parametrize("rung", LADDER)
def test_rung_propagates_nan_and_inf(rung):
    a = np.ones((9, 9))
    a[2, 3] = np.nan
    a[5, 0] = np.inf
    got = LADDER[rung](a, np.ones((9, 9)))
    assert np.isnan(got[2]).all() and np.isposinf(got[5]).all()
    assert np.isfinite(np.delete(got, [2, 5], axis=0)).all()


@njit
def _fresh_tiles(fill, tile):
    """Take a zeros_tile three times in a loop, dirtying it each time; count the
    nonzero entries found in the fresh tiles (must be 0)."""
    dirty = 0
    for rep in range(3):
        acc = zeros_tile(fill.dtype, tile)
        for r in range(acc.shape[0]):
            for c in range(acc.shape[1]):
                dirty += acc[r, c] != 0
                acc[r, c] = fill[rep]
    return dirty, acc.shape[0], acc.shape[1]


@pytest.mark.nojit
@pytest.mark.parametrize("dtype", FLOATS)
def test_zeros_tile_is_fresh_and_zero_each_time(dtype):
    fill = np.array([1.0, -2.0, np.nan], dtype)
    for tile in (ml.RUNG7, Tile(4, 8)):
        assert _fresh_tiles(fill, tile) == (0, tile.mr, tile.nr)
        assert zeros_tile(dtype, tile).dtype == dtype


def _micro_kernel_loops(env_extra: dict, tile: str = "rung7") -> list[list[str]]:
    """The FMA lines of each basic block of rung 7's compiled micro-kernel (float32) that
    has any, from a fresh process: with RUNG7's tile, or ("engine") with the tile the
    engine picks under ``env_extra``. A block also reports each vector register moved to
    or from the stack (an accumulator spilled to memory)."""
    code = """
import re, sys, numpy as np, tinymoe
from tinymoe.kernels import matmul_ladder as ml
a = np.ones((160, 160), np.float32)  # above gemm.SMALL: the kernel runs
ml.matmul_packed(a, a) if sys.argv[1] == "rung7" else tinymoe.kernels.matmul(a, a)
for sig in ml._micro.signatures:
    print(ml._micro.inspect_asm(sig))
"""
    with tempfile.TemporaryDirectory() as cache:  # inspect_asm needs a real compile
        env = {**os.environ, "NUMBA_CACHE_DIR": cache, **env_extra}
        out = subprocess.run([sys.executable, "-c", code, tile], capture_output=True,
                             text=True, check=True, env=env)
    blocks, block = [], []
    for line in out.stdout.splitlines():
        if line.rstrip().endswith(":") and not line.startswith("\t"):  # a label: new block
            blocks.append(block)
            block = []
        elif "vfmadd" in line or ("rsp" in line and "mm" in line):
            block.append(line)
    blocks.append(block)
    return [b for b in blocks if any("vfmadd" in x for x in b)]


def _accumulators(block: list[str]) -> set[str]:
    return {x.split(",")[-1].strip() for x in block if "vfmadd" in x}


HOST_AVX512 = "+avx512f" in llvm.get_host_cpu_features().flatten().split(",")
X86 = llvm.get_host_cpu_name() not in ("generic", "") and "+sse2" in llvm.get_host_cpu_features(
).flatten()


@pytest.mark.slow
@pytest.mark.skipif(JIT_OFF or not HOST_AVX512, reason="needs the JIT and an AVX-512 CPU")
def test_avx512_hosts_get_512_bit_fma_unless_opted_out():
    """Each k loop of the 6x32 float32 tile updates 12 zmm accumulators, none on the
    stack; with TINYMOE_AVX512=0 the engine's tile (AVX2's) has no zmm at all."""
    loops = _micro_kernel_loops({})
    assert loops
    for block in loops:
        assert not any("rsp" in x for x in block), block
        accumulators = _accumulators(block)
        assert len(accumulators) == 12 and all("zmm" in x for x in accumulators), block
    loops = _micro_kernel_loops({"TINYMOE_AVX512": "0"}, "engine")
    assert loops and all("zmm" not in x and "ymm" in x for b in loops for x in b if "vfmadd" in x)


@pytest.mark.slow
@pytest.mark.skipif(JIT_OFF or not X86, reason="needs the JIT and an x86-64 CPU")
def test_forced_avx2_engine_tile_keeps_12_accumulators_in_registers():
    """NUMBA_CPU_NAME=haswell makes AVX2 code on any x86-64: the engine then picks 6x16
    float32, each of whose k loops updates 12 ymm accumulators (no zmm, no spill)."""
    loops = _micro_kernel_loops({"NUMBA_CPU_NAME": "haswell"}, "engine")
    assert loops
    for block in loops:
        assert not any("zmm" in x or "rsp" in x for x in block), block
        assert len(_accumulators(block)) == 12, block


@pytest.mark.slow
@pytest.mark.skipif(JIT_OFF or not X86, reason="needs the JIT and an x86-64 CPU")
def test_float32_gelu_loops_compile_to_vector_arithmetic():
    """The float32 GELU loops (forward and gradient, flat and the grouped GEMM's epilogue)
    must run on packed float64 vectors: a call, an early return or a rolled polynomial
    loop left in the body keeps them scalar (measured 4-7x slower). Counts the packed
    double-precision multiplies, adds and FMAs on ymm/zmm registers in each kernel's own
    function (its serial loops; not the threaded branch's separate function, nor callees),
    on the host and as AVX2 code."""
    code = """
import re, numpy as np, tinymoe
from tinymoe.kernels import activations as act, grouped_gemm as gg
x = np.ones(8, np.float32)
act._gelu_flat(x, x.copy(), False)
act._gelu_backward_flat(x, x, x.copy(), False)
rows = np.ones((2, 8), np.float32)
gg._epilogue(rows, rows.copy(), rows, rows, 0, 0, gg.GELU_GRAD)
packed = re.compile(r"\\tv(fn?madd\\w*|mul|add|sub)pd\\s.*[yz]mm")
for kernel in (act._gelu_flat, act._gelu_backward_flat, gg._epilogue):
    count, inside = 0, False
    for line in kernel.inspect_asm(kernel.signatures[0]).splitlines():
        if re.match(r"[^.\\s#][^\\s]*:", line):  # a function's symbol: is it the kernel's own?
            inside = kernel.__name__ in line and "parfor" not in line
        count += inside and bool(packed.search(line))
    print(kernel.__name__, count)
"""
    for extra in ({}, {"NUMBA_CPU_NAME": "haswell"}):
        with tempfile.TemporaryDirectory() as cache:  # inspect_asm needs a real compile
            env = {**os.environ, "NUMBA_CACHE_DIR": cache, **extra}
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 check=True, env=env).stdout
        counts = dict(line.split() for line in out.splitlines())
        assert all(int(n) >= 40 for n in counts.values()), (extra, counts)


# ---------------------------------------------------------------- activations


@pytest.mark.nojit
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1,), (7, 33), (3, 5, 4)])
def test_fused_gelu_matches_its_numpy_reference(dtype, shape, rng, paths):
    from tinymoe.kernels import activations

    x = (rng.standard_normal(shape) * 3).astype(dtype)
    grad = rng.standard_normal(shape).astype(dtype)
    tol = 1e-6 if dtype == np.float32 else 1e-13
    out = activations.gelu(x)
    assert out.dtype == dtype and out.shape == shape
    np.testing.assert_allclose(out, reference.gelu(x), rtol=tol, atol=tol)
    np.testing.assert_allclose(activations.gelu_backward(x, grad),
                               reference.gelu_backward(x, grad), rtol=tol, atol=tol)


def test_float32_gelu_and_its_gradient_are_within_one_ulp_to_the_far_tail(paths):
    """Against the float64 reference rounded to float32, at most 1 ulp from x = -40 to 8.
    Below -4 the values are tiny (GELU(-10) = -7.6e-23) and come from erfc's Mills-ratio
    form: 1 + erf(x / sqrt 2) has cancelled to exactly 0 by x = -5.7, which made them 1-3%
    off (1 / x^2 relative) before."""
    from tinymoe.kernels import activations

    x = np.concatenate([-np.geomspace(4, 40, 3000), np.linspace(-8, 8, 20001)]).astype(
        np.float32)
    grad = np.ones_like(x)
    for name, got, want in [
            ("gelu", activations.gelu(x), reference.gelu(x.astype(np.float64))),
            ("gelu_backward", activations.gelu_backward(x, grad),
             reference.gelu_backward(x.astype(np.float64), grad.astype(np.float64)))]:
        want = want.astype(np.float32)
        ulps = np.abs(got.view(np.int32).astype(np.int64) - want.view(np.int32).astype(np.int64))
        worst = int(ulps.argmax())
        assert ulps.max() <= 1, f"{name}({x[worst]!r}) = {got[worst]!r}, reference {want[worst]!r}"


@pytest.mark.nojit
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_erf_kernel_matches_its_numpy_reference(dtype, rng, paths):
    from tinymoe.kernels import activations

    x = (rng.standard_normal((5, 7)) * 3).astype(dtype)
    tol = 1e-6 if dtype == np.float32 else 1e-15
    out = activations.erf(x)
    assert out.dtype == dtype and out.shape == x.shape
    np.testing.assert_allclose(out, reference.erf(x), rtol=tol, atol=tol)


def _math_erf(x: np.ndarray) -> np.ndarray:
    """math.erf of every element, in float64 (math.erf is accurate to ~1 ulp)."""
    return np.array([math.erf(v) for v in x.astype(np.float64).ravel()]).reshape(x.shape)


ERF_POINTS = np.concatenate([
    np.linspace(-6, 6, 1_000_001),  # dense, through both polynomials and their seams
    [np.nextafter(1.0, 0), 1.0, np.nextafter(1.0, 2), 3.999999, 4.0, 4.000001, 5.999999, 6.0],
    np.geomspace(1e-300, 1e-3, 600), -np.geomspace(1e-300, 1e-3, 600),  # tiny, subnormal
    np.geomspace(6, 1e300, 300), -np.geomspace(6, 1e300, 300),  # the tails
])


@pytest.mark.parametrize("sign", [1, -1])
def test_erf_kernel_float32_is_within_one_ulp_of_math_erf(sign):
    """The float32 polynomials, evaluated in float64 and rounded once: at most 1 ulp from
    math.erf rounded to float32, over the dense grid, the tails and float32's subnormals."""
    from tinymoe.kernels import activations

    with np.errstate(over="ignore"):  # |x| > 3.4e38 becomes +-inf in float32: still tested
        x = (sign * ERF_POINTS).astype(np.float32)
    want = _math_erf(x).astype(np.float32)
    got = activations.erf(x)
    assert got.dtype == np.float32
    ulps = np.abs(got.view(np.int32).astype(np.int64) - want.view(np.int32).astype(np.int64))
    worst = int(ulps.argmax())
    assert ulps.max() <= 1, f"erf({x[worst]!r}) = {got[worst]!r}, math.erf: {want[worst]!r}"


def test_erf_kernel_float64_is_math_erf():
    from tinymoe.kernels import activations

    x = np.concatenate([ERF_POINTS, -ERF_POINTS])
    np.testing.assert_array_equal(activations.erf(x), _math_erf(x))


@pytest.mark.nojit
@pytest.mark.parametrize("dtype", FLOATS)
def test_erf_kernel_special_values(dtype, paths):
    from tinymoe.kernels import activations

    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-30, -1e30], dtype)
    got = activations.erf(x)
    np.testing.assert_array_equal(got[[0, 1, 2, 3, 6]], [0, 0, 1, -1, -1])
    assert list(np.signbit(got[:2])) == [False, True], "erf(-0) must be -0"
    assert np.isnan(got[4])
    assert got[5] == dtype(2 / math.sqrt(math.pi) * 1e-30)


# Every power of ten from 1e-30 to 1e30 (1e-45 to 1e38 in float32's range), both signs,
# the seams of the erf polynomials (x / sqrt 2 = 1, 4, 6), +-0, +-inf and nan.
EXTREME = np.concatenate([s * 10.0 ** np.arange(-30, 31) for s in (1, -1)]
                         + [s * np.sqrt(2) * np.array([1.0, 4.0, 6.0]) for s in (1, -1)]
                         + [[0.0, -0.0, np.inf, -np.inf, np.nan, 3e38, -3e38, 1e-45]])


@pytest.mark.nojit
@pytest.mark.parametrize("dtype", FLOATS)
def test_activation_kernels_match_their_references_at_extreme_inputs(dtype, paths):
    """erf, GELU and GELU' at every magnitude: finite where the reference is finite, the
    same infinities and nans, and close. Both give the limits at +-inf: GELU(-inf) = 0,
    GELU'(+inf) = 1, GELU'(-inf) = 0 (not inf * 0 = nan)."""
    from tinymoe.kernels import activations

    x = EXTREME.astype(dtype)
    grad = np.full_like(x, 0.5)
    tol = 1e-6 if dtype == np.float32 else 1e-13
    for name, got, want in [("erf", activations.erf(x), reference.erf(x)),
                            ("gelu", activations.gelu(x), reference.gelu(x)),
                            ("gelu_backward", activations.gelu_backward(x, grad),
                             reference.gelu_backward(x, grad))]:
        assert got.dtype == dtype, name
        np.testing.assert_array_equal(np.isnan(got), np.isnan(x), err_msg=f"{name}: nan")
        finite = np.isfinite(want)
        np.testing.assert_array_equal(np.isfinite(got), finite, err_msg=f"{name}: finite")
        np.testing.assert_array_equal(got[np.isinf(got)], want[np.isinf(want)], err_msg=name)
        np.testing.assert_allclose(got[finite], want[finite], rtol=tol, atol=tol, err_msg=name)
    limits = np.array([np.inf, -np.inf], dtype)
    for module in (activations, reference):
        np.testing.assert_array_equal(module.gelu(limits), [np.inf, 0])
        np.testing.assert_array_equal(module.gelu_backward(limits, np.ones_like(limits)), [1, 0])


# ---------------------------------------------------------------- engine matmul

MATMUL_SHAPES = [
    ((40, 50), (50, 60)),
    ((33, 33), (33, 33)),
    ((127, 127), (127, 127)),
    ((50,), (50, 700)),  # vector @ matrix
    ((700, 50), (50,)),  # matrix @ vector
    ((3, 1, 40, 50), (2, 50, 60)),  # broadcast batch dims
    ((2, 40, 50), (50, 70)),  # batch @ matrix
    ((40, 50), (4, 50, 70)),  # matrix @ batch
    ((1, 200, 300), (300, 1)),  # skinny
]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize(("sa", "sb"), MATMUL_SHAPES)
def test_matmul_matches_numpy(rng, sa, sb, dtype):
    a = rng.standard_normal(sa).astype(dtype)
    b = rng.standard_normal(sb).astype(dtype)
    _close(matmul(a, b), a, b)


@pytest.mark.nojit
@pytest.mark.parametrize("dtype", FLOATS)
def test_matmul_kernel_tiny(rng, dtype, monkeypatch):
    """33^3 is just above SMALL as these tests set it, so the Numba path runs (and its edge
    handling)."""
    calls = _spy_gemm(monkeypatch)
    a, b = _pair(rng, 33, 33, 33, dtype)
    _close(matmul(a, b), a, b)
    _close(matmul(a[None], b[None]), a[None], b[None])
    assert len(calls) == 2


def _spy_gemm(monkeypatch):
    """Record the arguments of every kernel call (``_gemm``) made by kernels.matmul."""
    calls = []
    real = gemm_module._gemm

    def spy(*args):
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(gemm_module, "_gemm", spy)
    return calls


@pytest.mark.parametrize("dtype", FLOATS)
def test_transposed_and_strided_operands_are_not_copied(rng, dtype, monkeypatch):
    """A @ W.T (linear forward), G @ W (input gradient), X.T @ G (weight gradient), batched
    and strided views: the kernel receives views of the caller's arrays and packs them
    itself, so no operand is copied first."""
    calls = _spy_gemm(monkeypatch)
    x = rng.standard_normal((64, 80)).astype(dtype)
    w = rng.standard_normal((96, 80)).astype(dtype)
    g = rng.standard_normal((64, 96)).astype(dtype)
    cases = [(x, w.T), (g, w), (x.T, g), (x[None].swapaxes(-1, -2), g[None]),
             (x[::2, ::3], w[::2].T[::3]), (np.stack([x, x])[:, ::2], w.T)]
    for a, b in cases:
        _close(matmul(a, b), a, b)
        a_stack, bt_stack = calls[-1][:2]
        assert np.shares_memory(a_stack, a) and np.shares_memory(bt_stack, b)
    assert len(calls) == len(cases)


def test_matmul_small_products_use_blas(rng, monkeypatch):
    calls = _spy_gemm(monkeypatch)
    a, b = _pair(rng, 8, 8, 8, np.float32)
    _close(matmul(a, b), a, b)
    assert calls == []


def test_kernel_matmul_runs_the_kernel_at_any_size(rng, monkeypatch):
    """``kernel_matmul`` is what lesson 06 and the benchmark time as the kernel: it must not
    hand a small product to BLAS, and it refuses what the kernel cannot take."""
    calls = _spy_gemm(monkeypatch)
    for m, k, n, dtype in [(1, 1, 1, np.float32), (8, 8, 8, np.float64), (70, 33, 45, np.float32)]:
        a, b = _pair(rng, m, k, n, dtype)
        _close(kernels.kernel_matmul(a, b), a, b)
    assert len(calls) == 3
    with pytest.raises(ShapeError, match=r"kernel_matmul.*\(3, 4\) @ \(5, 6\)"):
        kernels.kernel_matmul(np.ones((3, 4)), np.ones((5, 6)))
    with pytest.raises(DTypeError, match="kernel_matmul.*float32 @ float64"):
        kernels.kernel_matmul(np.ones((3, 4), np.float32), np.ones((4, 5)))


@pytest.mark.parametrize(("a", "b"), [
    (np.arange(12).reshape(3, 4), np.arange(20).reshape(4, 5)),  # integers
    (np.ones((40, 50), np.float32), np.ones((50, 60))),  # mixed float dtypes
    (np.ones((40, 50), bool), np.ones((50, 60), bool)),
], ids=["int", "mixed", "bool"])
def test_matmul_other_dtypes_follow_numpy(a, b):
    got = matmul(a, b)
    assert got.dtype == np.matmul(a, b).dtype
    np.testing.assert_array_equal(got, np.matmul(a, b))


@pytest.mark.parametrize(("sa", "sb", "words"), [
    ((3, 4), (5, 6), "inner dimensions"),
    ((2, 40, 50), (3, 50, 60), "batch dimensions"),
    ((), (3,), "1 dim"),
])
def test_matmul_errors_name_op_and_shapes(sa, sb, words):
    with pytest.raises(ShapeError, match=words) as info:
        matmul(np.ones(sa), np.ones(sb))
    assert "matmul" in str(info.value) and str(tuple(sb)) in str(info.value)


# ---------------------------------------------------------------- tiles per ISA

@njit
def _packed_serial(a, b, tile):
    """a @ b by rung 7's pieces with ``tile``, on one thread (a small compile)."""
    mr, nr = tile_mr(tile), tile_nr(tile)
    k, n = b.shape
    bp = np.zeros(((n + nr - 1) // nr, k, nr), a.dtype)
    for jp in range(bp.shape[0]):
        ml.pack_b_panel_tile(b, jp * nr, bp[jp], tile)
    out = np.zeros((a.shape[0], n), a.dtype)
    ml.packed_rows_tile(a, bp, out, 0, (a.shape[0] + mr - 1) // mr, tile)
    return out


def _view(rng, rows, cols, dtype, unit, row_bytes=None):
    """A (rows, cols) view typed with Numba's 'A' layout (one compiled layout for every
    case) whose ``unit`` axis ("rows": along a row, "cols": down a column, "none") has
    unit stride; ``row_bytes`` sets the row stride of a "rows" view."""
    if unit == "rows":
        width = (row_bytes or 2 * cols * np.dtype(dtype).itemsize) // np.dtype(dtype).itemsize
        return rng.standard_normal((rows, width)).astype(dtype)[:, :cols]
    if unit == "cols":
        return rng.standard_normal((2 * cols, rows)).astype(dtype)[:cols].T
    return rng.standard_normal((rows, 2 * cols)).astype(dtype)[:, ::2]


# Every tile some CPU gets, with its dtype, and an odd one (MR 5, NR 12, k-panels of a few
# steps) in both; the host's tiles also run through every engine matmul test above.
TILE_CASES = sorted({(kernel, dtype) for kernel, tiles in isa.KERNELS.items()
                     for dtype, tile in tiles.items() if tile is not None}) + [
    ("odd", "float32"), ("odd", "float64")]
ODD_TILE = Tile(5, 12, 16, 256, 2)


@pytest.mark.nojit
@pytest.mark.parametrize(("kernel", "dtype"), TILE_CASES)
def test_every_tile_matches_the_reference(rng, kernel, dtype):
    """Each layout path of rung 7: A read in place (rows contiguous; also with a 4 KiB
    row stride) or packed (A.T, no unit stride), with a partial last panel of rows; B
    packed from its rows or from its columns (B = W.T) or neither."""
    tile = ODD_TILE if kernel == "odd" else isa.KERNELS[kernel][dtype]
    edge = (2 * tile.mr + 1, 40, 3 * tile.nr - 1)
    for (m, k, n), a_unit, b_unit, row_bytes in [
            ((1, 1, 1), "none", "none", None), ((7, 5, 13), "cols", "cols", None),
            ((13, 300, 37), "rows", "rows", None), (edge, "rows", "cols", None),
            (edge, "cols", "rows", None), (edge, "none", "rows", None),
            ((tile.mr + 2, 300, tile.nr + 1), "rows", "rows", 4096)]:
        a = _view(rng, m, k, dtype, a_unit, row_bytes)
        b = _view(rng, k, n, dtype, b_unit)
        _close(_packed_serial(a, b, tile), a, b)


@pytest.mark.parametrize("dtype", FLOATS)
def test_generic_kernel_is_the_register_blocked_rung(rng, dtype, monkeypatch):
    """CPUs without a known vector unit run rung 6 on every engine matmul path."""
    monkeypatch.setattr(isa, "_choice", isa.choose({"TINYMOE_GEMM_KERNEL": "generic"}))
    calls = _spy_gemm(monkeypatch)
    x = rng.standard_normal((70, 45)).astype(dtype)
    w = rng.standard_normal((38, 45)).astype(dtype)
    cases = [(x, w.T), (x.T, x), (np.stack([x, x[::-1]]), w.T), (x[None], w[None].swapaxes(1, 2))]
    for a, b in cases:
        _close(matmul(a, b), a, b)
    assert len(calls) == 4


FAKE_AVX2 = "+avx,+avx2,+fma,+sse2,-avx512f,-avx512bw"
FAKE_AVX512 = "+avx,+avx2,+fma,+sse2,+avx512f,+avx512bw"


@pytest.mark.parametrize(("env", "cpu", "features", "machine", "kernel"), [
    ({}, "znver3", FAKE_AVX2, "x86_64", "avx2"),
    ({}, "skylake-avx512", FAKE_AVX512, "x86_64", "avx512"),
    ({"TINYMOE_AVX512": "0"}, "skylake-avx512", FAKE_AVX512, "x86_64", "avx2"),
    ({}, "sandybridge", "+avx,+sse2,-avx2,-fma", "x86_64", "generic"),  # AVX without FMA
    ({}, "apple-m1", "+neon,+fp-armv8,+v8.5a", "arm64", "neon"),
    ({}, "generic", "", "riscv64", "generic"),
    ({"NUMBA_CPU_NAME": "haswell"}, "skylake-avx512", FAKE_AVX512, "x86_64", "avx2"),
    ({"NUMBA_CPU_NAME": "icelake-server"}, "znver3", FAKE_AVX2, "x86_64", "avx512"),
    ({"NUMBA_CPU_NAME": "no-such-cpu"}, "znver3", FAKE_AVX2, "x86_64", "generic"),
    ({"NUMBA_CPU_NAME": "cortex-a76"}, "cortex-a76", "+neon", "aarch64", "neon"),
    ({"NUMBA_CPU_NAME": "host"}, "znver3", FAKE_AVX2, "x86_64", "avx2"),
    ({"NUMBA_CPU_FEATURES": "+avx2,+fma"}, "x86-64", "+sse2", "x86_64", "avx2"),
    ({"TINYMOE_GEMM_KERNEL": "generic"}, "znver3", FAKE_AVX2, "x86_64", "generic"),
    ({"TINYMOE_GEMM_KERNEL": "avx512"}, "znver3", FAKE_AVX2, "x86_64", "avx512"),
])
def test_kernel_follows_the_cpu_numba_targets(env, cpu, features, machine, kernel):
    got = isa.choose(env, host_cpu=cpu, host_features=features, machine=machine)
    assert got.kernel == kernel
    assert got.tiles == isa.KERNELS[kernel]
    assert kernel in got.describe()


@pytest.mark.parametrize(("kernel", "registers", "vector_bytes"), [
    ("avx2", 16, 32), ("avx512", 32, 64), ("neon", 32, 16)])
def test_every_tile_fits_its_register_file(kernel, registers, vector_bytes):
    """Accumulators + one row of B (NR / lanes vectors) + one broadcast of A <= registers."""
    for dtype, tile in isa.KERNELS[kernel].items():
        assert tile.vector_bytes == vector_bytes
        lanes = vector_bytes // np.dtype(dtype).itemsize
        assert tile.nr % lanes == 0 and tile.lanes(dtype) == lanes
        assert tile.registers(dtype) + tile.nr // lanes + 1 <= registers, (dtype, tile)
    assert Tile(6, 32, 32).registers("float32") == 24  # the AVX-512 tile on AVX2: spills


def test_tile_override():
    env = {"TINYMOE_GEMM_TILE": "4x24"}
    tiles = isa.choose(env, host_cpu="znver3", host_features=FAKE_AVX2).tiles
    assert [(t.mr, t.nr, t.vector_bytes) for t in tiles.values()] == [(4, 24, 32)] * 2
    env = {"TINYMOE_GEMM_TILE": "6x16, 6x8", "TINYMOE_GEMM_KERNEL": "generic"}
    tiles = isa.choose(env, host_cpu="znver3", host_features=FAKE_AVX2).tiles
    assert (tiles["float32"].nr, tiles["float64"].nr, tiles["float64"].vector_bytes) == (16, 8, 16)


@pytest.mark.parametrize(("env", "words"), [
    ({"TINYMOE_GEMM_KERNEL": "sse"}, "TINYMOE_GEMM_KERNEL.*avx512, avx2, neon, generic.*'sse'"),
    ({"TINYMOE_GEMM_TILE": "6by16"}, "TINYMOE_GEMM_TILE.*6x16.*'6by16'"),
    ({"TINYMOE_GEMM_TILE": "6x16,6x8,4x4"}, "TINYMOE_GEMM_TILE"),
    ({"TINYMOE_GEMM_TILE": "0x16"}, "Tile: need 1 <= mr"),
])
def test_bad_overrides_say_what_is_expected(env, words):
    with pytest.raises(ValueError, match=words):
        isa.choose(env, host_cpu="znver3", host_features=FAKE_AVX2)


# ---------------------------------------------------------------- fused Adam

def _textbook_adam(p, grads, lr, beta1, beta2, eps, weight_decay, decoupled, amsgrad):
    """Kingma & Ba's Adam (+ L2 or AdamW decay, + torch's AMSGrad), plain float64 NumPy."""
    p = p.astype(np.float64).copy()
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    v_max = np.zeros_like(p)
    history = []
    for t, g in enumerate(grads, start=1):
        if decoupled:
            p = p - lr * weight_decay * p
        else:
            g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        v_max = np.maximum(v_max, v)
        m_hat = m / (1 - beta1**t)
        v_hat = (v_max if amsgrad else v) / (1 - beta2**t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        history.append(p)
    return history


ADAM_CASES = [(0.0, False, False), (0.1, False, False), (0.1, True, False), (0.05, True, True),
              (0.0, False, True)]


def _run_adam(step_fn, p0, grads, *, weight_decay, decoupled, amsgrad, **hyper):
    p = p0.copy()
    m, v, vmax = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    history = []
    for t, g in enumerate(grads, start=1):
        step_fn(p, g, m, v, step=t, weight_decay=weight_decay, decoupled=decoupled,
                max_exp_avg_sq=vmax if amsgrad else None, **hyper)
        history.append(p.copy())
    return history


@pytest.mark.parametrize(("weight_decay", "decoupled", "amsgrad"), ADAM_CASES)
def test_fused_adam_is_textbook_adam_for_100_steps(rng, weight_decay, decoupled, amsgrad,
                                                   paths):
    """Threaded, 17 x 1000 elements span two chunks of the parallel loop plus a remainder."""
    from tinymoe.kernels.adam import CHUNK

    hyper = dict(lr=3e-3, beta1=0.9, beta2=0.99, eps=1e-8)
    p0 = rng.standard_normal((17, 1000))
    assert CHUNK < p0.size < 2 * CHUNK
    grads = [rng.standard_normal(p0.shape) * 10.0 ** rng.integers(-3, 2) for _ in range(100)]
    got = _run_adam(kernels.adam_step, p0, grads, weight_decay=weight_decay,
                    decoupled=decoupled, amsgrad=amsgrad, **hyper)
    want = _textbook_adam(p0, grads, weight_decay=weight_decay, decoupled=decoupled,
                          amsgrad=amsgrad, **hyper)
    for step, (g, w) in enumerate(zip(got, want), start=1):
        np.testing.assert_allclose(g, w, rtol=1e-11, atol=1e-13, err_msg=f"step {step}")


@pytest.mark.parametrize(("weight_decay", "decoupled", "amsgrad"), ADAM_CASES[2:4])
def test_fused_adam_float32_matches_numpy(rng, weight_decay, decoupled, amsgrad):
    hyper = dict(lr=1e-2, beta1=0.9, beta2=0.999, eps=1e-8)
    p0 = rng.standard_normal((64, 33)).astype(np.float32)
    grads = [rng.standard_normal(p0.shape).astype(np.float32) for _ in range(20)]
    want = _run_adam(reference.adam_step, p0, grads, weight_decay=weight_decay,
                     decoupled=decoupled, amsgrad=amsgrad, **hyper)
    got = _run_adam(kernels.adam_step, p0, grads, weight_decay=weight_decay,
                    decoupled=decoupled, amsgrad=amsgrad, **hyper)
    assert got[-1].dtype == np.float32
    np.testing.assert_allclose(got[-1], want[-1], rtol=1e-5, atol=1e-6)


# Gradients and parameters from the tiny to the huge, both signs. In float32, (1 - beta2)
# * g * g (the reference's order) is finite up to |g| ~ 5.8e20 while g * g overflows from
# 1.85e19: a kernel that squares first gets v = inf at 3e19 and stops moving p.
ADAM_GRADS = [0.0, 1e-30, 1e-3, 1.0, 1e10, 1e19, 3e19, 1e30]
ADAM_PARAMS = [0.0, 1e-30, 1e-3, 1.0, 1e19, 1e30]


def _adam_grid(dtype):
    """(param, grad) over every pair of ADAM_PARAMS x ADAM_GRADS with both signs."""
    p, g = np.meshgrid([s * v for v in ADAM_PARAMS for s in (1, -1)],
                       [s * v for v in ADAM_GRADS for s in (1, -1)])
    return p.ravel().astype(dtype), g.ravel().astype(dtype)


@pytest.mark.nojit
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize(("weight_decay", "decoupled", "amsgrad"), ADAM_CASES)
def test_fused_adam_is_its_reference_bit_for_bit_at_extreme_magnitudes(
        dtype, weight_decay, decoupled, amsgrad, paths):
    """Same operations in the same order (no fastmath): param and both moments equal the
    NumPy reference exactly after each of 4 steps, overflow to inf included (float32
    g = 1e30: (1 - beta2) g^2 = 1e57 is inf in both, and the param stays put in both)."""
    hyper = dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=weight_decay,
                 decoupled=decoupled)
    p0, g = _adam_grid(dtype)
    states = []
    for step_fn in (kernels.adam_step, reference.adam_step):
        p = p0.copy()
        m, v, vmax = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
        history = []
        for t in range(1, 5):
            with np.errstate(over="ignore", invalid="ignore"):  # NumPy warns on the infs
                step_fn(p, g, m, v, step=t, max_exp_avg_sq=vmax if amsgrad else None, **hyper)
            history.append((p.copy(), m.copy(), v.copy()))
        states.append(history)
    for t, (got, want) in enumerate(zip(*states), start=1):
        for name, a, b in zip(("param", "exp_avg", "exp_avg_sq"), got, want):
            np.testing.assert_array_equal(a, b, err_msg=f"{name} after step {t}")
    moved_kernel, moved_reference = states[0][-1][0] != p0, states[1][-1][0] != p0
    np.testing.assert_array_equal(moved_kernel, moved_reference)


@pytest.mark.nojit
@pytest.mark.parametrize("g", [1e-15, 1.0, 1e19, 3e19, 5e20])
def test_fused_adam_float32_steps_by_lr_for_any_finite_second_moment(g, paths):
    """Adam's first step is lr * sign(g) whatever |g| (m_hat / sqrt(v_hat) = g / |g|),
    as long as (1 - beta2) g^2 neither overflows nor underflows: in float32, for |g| in
    about [3e-18, 5.8e20]."""
    p = np.array([1.0, -1.0], np.float32)
    grad = np.array([g, -g], np.float32)
    m, v = np.zeros_like(p), np.zeros_like(p)
    kernels.adam_step(p, grad, m, v, step=1, lr=1e-2, beta1=0.9, beta2=0.999, eps=0.0)
    assert np.isfinite(v).all(), f"second moment overflowed at |g| = {g:g}"
    np.testing.assert_allclose(p, [0.99, -0.99], rtol=1e-6)


def test_fused_adam_float32_matches_torch_at_extreme_magnitudes(torch):
    """torch.optim.Adam (float32) and the kernel agree to float32 rounding from 1e-30 to
    3e19 gradients on tiny to huge parameters (torch updates m by lerp, so not bit for
    bit), and move the same parameters."""
    p0, g = _adam_grid(np.float32)
    keep = np.abs(g) <= 3e19  # at 1e30 (1 - beta2) g^2 overflows float32 in both
    p0, g = p0[keep], g[keep]
    got = _run_adam(kernels.adam_step, p0, [g] * 3, lr=1e-3, beta1=0.9, beta2=0.999,
                    eps=1e-8, weight_decay=0.0, decoupled=False, amsgrad=False)[-1]
    tp = torch.tensor(p0, requires_grad=True)
    opt = torch.optim.Adam([tp], lr=1e-3, foreach=False)
    for _ in range(3):
        tp.grad = torch.tensor(g)
        opt.step()
    want = tp.detach().numpy()
    np.testing.assert_allclose(got, want, rtol=3e-7, atol=0)
    np.testing.assert_array_equal(got != p0, want != p0)


@pytest.mark.nojit
def test_fused_adam_tiny(rng):
    hyper = dict(lr=0.1, beta1=0.8, beta2=0.9, eps=1e-6)
    p0 = rng.standard_normal((3, 2))
    grads = [rng.standard_normal(p0.shape) for _ in range(3)]
    got = _run_adam(kernels.adam_step, p0, grads, weight_decay=0.1, decoupled=True,
                    amsgrad=True, **hyper)
    want = _textbook_adam(p0, grads, weight_decay=0.1, decoupled=True, amsgrad=True, **hyper)
    np.testing.assert_allclose(got[-1], want[-1], rtol=1e-12)


def test_fused_adam_matches_torch(rng, torch):
    p0 = rng.standard_normal((8, 3))
    grads = [rng.standard_normal(p0.shape) for _ in range(30)]
    got = _run_adam(kernels.adam_step, p0, grads, lr=1e-2, beta1=0.9, beta2=0.999, eps=1e-8,
                    weight_decay=0.01, decoupled=True, amsgrad=True)
    tp = torch.tensor(p0, requires_grad=True)
    opt = torch.optim.AdamW([tp], lr=1e-2, weight_decay=0.01, amsgrad=True)
    for g in grads:
        tp.grad = torch.tensor(g)
        opt.step()
    np.testing.assert_allclose(got[-1], tp.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_fused_adam_rejects_non_contiguous_state():
    p = np.zeros((4, 4))[:, ::2]
    with pytest.raises(ValueError, match="adam_step.*C-contiguous"):
        kernels.adam_step(p, np.zeros_like(p), np.zeros_like(p), np.zeros_like(p), step=1,
                          lr=0.1, beta1=0.9, beta2=0.99, eps=1e-8)


# ---------------------------------------------------------------- fused cross-entropy

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize(("n", "c", "scale"), [(1, 1, 1.0), (7, 3, 1.0), (64, 33, 5.0),
                                               (50, 10, 1e4)])
def test_fused_cross_entropy_matches_numpy(rng, dtype, n, c, scale, paths):
    logits = (rng.standard_normal((n, c)) * scale).astype(dtype)
    targets = rng.integers(0, c, n)
    loss, dlogits = kernels.softmax_cross_entropy(logits, targets)
    want_loss, want_d = reference.softmax_cross_entropy(logits, targets)
    assert loss.dtype == dtype and dlogits.dtype == dtype
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(loss, want_loss, rtol=tol, atol=tol)
    np.testing.assert_allclose(dlogits, want_d, rtol=tol, atol=tol)
    # invariants: finite at 1e4, loss >= 0, each gradient row sums to 0
    assert np.isfinite(loss).all() and (loss >= -tol).all()
    np.testing.assert_allclose(dlogits.sum(axis=1), 0, atol=10 * tol)


@pytest.mark.nojit
@pytest.mark.parametrize("dtype", FLOATS)
def test_fused_cross_entropy_matches_numpy_at_extreme_logits(dtype, paths):
    """Logits of +-1e30, float32's +-3e38, 1e-30, +-inf and nan (target: column 0): the
    same losses, infinities and nans as the reference. A row holding +inf has no finite
    softmax (inf - inf), so both give nan there; a -inf target logit gives loss inf."""
    big = 3e38 if dtype == np.float32 else 1e308
    inf, nan = np.inf, np.nan
    logits = np.array([[1e30, -1e30, 0], [-1e30, 1e30, 0], [1e30, 1e30, 1e30],
                       [-1e30, -1e30, -1e30], [big, -big, 0], [-big, big, big],
                       [1e-30, -1e-30, 0], [-inf, 0, 0], [0, -inf, 0], [inf, 0, 0],
                       [0, inf, 0], [-inf, -inf, -inf], [nan, 0, 0], [0, nan, 0]], dtype)
    targets = np.zeros(len(logits), np.int64)
    # NumPy warns on -3e38 - 3e38 and inf - inf (so does the kernel with the JIT off)
    with np.errstate(over="ignore", invalid="ignore"):
        loss, dlogits = kernels.softmax_cross_entropy(logits, targets)
        want_loss, want_d = reference.softmax_cross_entropy(logits, targets)
    tol = 1e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(loss, want_loss, rtol=tol, atol=tol, equal_nan=True)
    np.testing.assert_allclose(dlogits, want_d, rtol=tol, atol=tol, equal_nan=True)
    np.testing.assert_allclose(loss[:4], [0, 2e30, np.log(3), np.log(3)], rtol=tol)
    assert loss[7] == np.inf and np.isnan(loss[9:]).all()


@pytest.mark.nojit
def test_fused_cross_entropy_tiny():
    logits = np.array([[0.0, 0.0], [1e4, 0.0], [2.0, 1.0]])
    loss, dlogits = kernels.softmax_cross_entropy(logits, np.array([0, 1, 0]))
    np.testing.assert_allclose(loss, [np.log(2), 1e4, np.log1p(np.exp(-1.0))], rtol=1e-12)
    p = 1 / (1 + np.exp(-1.0))
    np.testing.assert_allclose(dlogits, [[-0.5, 0.5], [1, -1], [p - 1, 1 - p]], atol=1e-12)


def test_fused_cross_entropy_matches_torch(rng, torch):
    logits = rng.standard_normal((20, 7)) * 3
    targets = rng.integers(0, 7, 20)
    loss, dlogits = kernels.softmax_cross_entropy(logits, targets)
    t = torch.tensor(logits, requires_grad=True)
    want = torch.nn.functional.cross_entropy(t, torch.tensor(targets), reduction="none")
    want.sum().backward()
    np.testing.assert_allclose(loss, want.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(dlogits, t.grad.numpy(), atol=1e-12)


# ---------------------------------------------------------------- lazy compilation

LAYER_PROBE = """
import sys, numba, numpy as np
if sys.argv[1] == "no-omp":
    sys.modules["numba.np.ufunc.omppool"] = None  # import fails: as if OpenMP were missing
import tinymoe
from tinymoe.kernels import adam
x = np.zeros(4)
adam._adam_flat(x, x, x, x, x[:0], np.ones(9), False, False, True)  # a parallel loop
print(numba.threading_layer())
"""


@pytest.mark.skipif(JIT_OFF, reason="no threads with the JIT off")
@pytest.mark.parametrize(("env", "mode", "layer"), [
    ({}, "plain", "omp"),  # the default: spinning OpenMP threads, cheap launches
    ({}, "no-omp", "workqueue"),  # OpenMP cannot load: Numba's fallback, not an error
    ({"NUMBA_THREADING_LAYER": "workqueue"}, "plain", "workqueue"),  # the user decides
])
def test_threading_layer_defaults_to_omp_with_fallback(env, mode, layer):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_THREADING_LAYER")}
    out = subprocess.run([sys.executable, "-c", LAYER_PROBE, mode], env={**clean, **env},
                         capture_output=True, text=True, check=True)
    assert out.stdout.split()[-1] == layer


@pytest.mark.skipif(JIT_OFF, reason="nothing is compiled with the JIT off")
def test_import_compiles_nothing():
    """A fresh `import tinymoe` (and of the kernels) leaves every dispatcher uncompiled."""
    code = """
import sys, numba, tinymoe, tinymoe.kernels
mods = [m for name, m in sys.modules.items() if name.startswith("tinymoe")]
Dispatcher = numba.core.dispatcher.Dispatcher
found = [v for m in mods for v in vars(m).values() if isinstance(v, Dispatcher)]
assert len(found) >= 10, len(found)
print(sum(len(d.signatures) for d in found), tinymoe.get_backend())
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "numba"]


def test_every_numba_function_lives_under_tinymoe_kernels():
    """``tinymoe.kernels`` sets Numba's CPU features when imported; a jitted function
    decorated elsewhere first would fix the vector width before that."""
    import pathlib

    import tinymoe

    root = pathlib.Path(tinymoe.__file__).parent
    outside = [str(p.relative_to(root)) for p in root.rglob("*.py")
               if "kernels" not in p.parts and ("@njit" in p.read_text()
                                                or "numba.njit" in p.read_text())]
    assert outside == [], f"move these jitted functions into tinymoe/kernels/: {outside}"

"""Hidden tests for the drill tiled_matmul. Oracles: the tinymoe engine's matmul for the
values, and a recording block_matmul for the tiling contract (tile sizes, call count)."""

import math

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.grading.feedback import assert_close


class Recorder:
    """A block_matmul that checks tile sizes and counts its calls."""

    def __init__(self, tile):
        self.tile, self.calls = tile, []

    def __call__(self, a_tile, b_tile):
        a_tile, b_tile = np.asarray(a_tile), np.asarray(b_tile)
        self.calls.append((a_tile.shape, b_tile.shape))
        assert a_tile.ndim == b_tile.ndim == 2 and a_tile.shape[1] == b_tile.shape[0], (
            f"block_matmul called with incompatible tiles {a_tile.shape} @ {b_tile.shape}")
        assert max(a_tile.shape + b_tile.shape) <= self.tile, (
            f"block_matmul called with tiles {a_tile.shape} @ {b_tile.shape}, larger than "
            f"tile={self.tile}")
        assert min(a_tile.shape + b_tile.shape) > 0, (
            f"block_matmul called with an empty tile {a_tile.shape} @ {b_tile.shape} (a loop "
            "that runs past the end of the matrix)")
        return a_tile @ b_tile


def _engine(a, b):
    return (tm.tensor(a, dtype=tm.float64) @ tm.tensor(b, dtype=tm.float64)).data


@pytest.mark.parametrize("case", range(4))
def test_matches_engine_with_sizes_not_multiple_of_tile(drill, case):
    rng = np.random.default_rng(1671 + case)
    tile = int(rng.integers(2, 6))
    m, k, n = (int(v) for v in rng.integers(1, 4 * tile, 3))
    a, b = rng.standard_normal((m, k)), rng.standard_normal((k, n))
    rec = Recorder(tile)
    got = np.asarray(drill.matmul_tiled(a, b, tile, block_matmul=rec))
    context = f"({m}, {k}) @ ({k}, {n}) with tile={tile}"
    assert got.shape == (m, n), f"{context}: shape {got.shape}; expected ({m}, {n})"
    want = _engine(a, b)
    if not np.allclose(got, want, rtol=1e-10, atol=1e-12):
        done = np.zeros((m, n), bool)
        done[:m - m % tile, :n - n % tile] = True  # the full tiles of the output
        edge = done.any() and not done.all() and np.allclose(got[done], want[done])
        hint = ("the last, partial blocks are missing or wrong" if edge else
                "values differ: does each output tile accumulate (+=) over every K block?")
        assert_close(got, want, rtol=1e-10, atol=1e-12, err_msg=f"{context}: {hint}")
    calls = math.ceil(m / tile) * math.ceil(n / tile) * math.ceil(k / tile)
    assert len(rec.calls) == calls, (
        f"{context}: block_matmul called {len(rec.calls)} times; expected ceil(M/t) ceil(N/t) "
        f"ceil(K/t) = {calls}")


def test_dtype_and_degenerate_sizes(drill):
    rng = np.random.default_rng(1675)
    a = rng.standard_normal((7, 5)).astype(np.float32)
    b = rng.standard_normal((5, 3)).astype(np.float32)
    got = np.asarray(drill.matmul_tiled(a, b, 4))
    assert got.dtype == np.float32, f"float32 inputs gave {got.dtype}; expected float32"
    assert_close(got, a.astype(np.float64) @ b.astype(np.float64), rtol=1e-5, atol=1e-5,
                 err_msg="float32 product is wrong")
    got = np.asarray(drill.matmul_tiled(rng.standard_normal((3, 0)),
                                        rng.standard_normal((0, 4)), 2, Recorder(2)))
    assert got.shape == (3, 4) and np.all(got == 0), "K = 0 must give a (3, 4) matrix of zeros"
    a, b = rng.standard_normal((6, 6)), rng.standard_normal((6, 6))
    rec = Recorder(16)
    assert_close(drill.matmul_tiled(a, b, 16, rec), _engine(a, b), rtol=1e-10, atol=1e-12,
                 err_msg="tile larger than the matrix: one block, the whole product")
    assert len(rec.calls) == 1, f"tile > size must make exactly 1 call, made {len(rec.calls)}"

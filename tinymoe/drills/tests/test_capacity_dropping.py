"""Hidden tests for capacity and token dropping: oracle tinymoe.moe.capacity
(expert_capacity, within_capacity), invariants (at most C kept per expert, the kept ones
are the earliest, nothing dropped when there is room)."""

import numpy as np
import pytest

from tinymoe.grading.feedback import assert_close
from tinymoe.moe.capacity import expert_capacity as engine_capacity
from tinymoe.moe.capacity import within_capacity


def test_capacity_formula(drill):
    rng = np.random.default_rng(0)
    for _ in range(20):
        n_tokens, n_experts, k = rng.integers(1, 100), rng.integers(1, 17), rng.integers(1, 4)
        factor = float(rng.choice([0.5, 1.0, 1.25, 2.0, 0.3]))
        got = drill.expert_capacity(int(n_tokens), int(n_experts), int(k), factor)
        want = engine_capacity(int(n_tokens), int(n_experts), int(k), factor)
        floor = int(factor * k * n_tokens // n_experts)
        hint = ("round up (ceil), not down" if got == floor and want != floor
                else "C = ceil(capacity_factor * top_k * T / E)")
        assert_close(got, want, err_msg=f"expert_capacity(T={n_tokens}, E={n_experts}, "
                                        f"k={k}, c={factor}) = {got}: {hint}")
    with pytest.raises(ValueError):
        drill.expert_capacity(10, 4, 1, 0.0)


def test_keep_mask_matches_the_engine(drill):
    rng = np.random.default_rng(1)
    for _ in range(8):
        n_experts = int(rng.integers(2, 9))
        n = int(rng.integers(0, 60))
        # skewed routing, and the last expert never chosen
        expert = rng.choice(n_experts - 1, size=n, p=rng.dirichlet(np.ones(n_experts - 1) / 2))
        capacity = int(rng.integers(1, 8))
        got = np.asarray(drill.keep_mask(expert.copy(), n_experts, capacity))
        want = within_capacity(expert, n_experts, capacity)
        assert got.shape == want.shape, f"keep_mask must have shape (A,)={want.shape}"
        for e in range(n_experts):
            kept = int(np.sum(got & (expert == e)))
            assert kept == min(capacity, int(np.sum(expert == e))), (
                f"expert {e} keeps {kept} assignments; it must keep min(capacity={capacity}, "
                f"its count={int(np.sum(expert == e))})")
        assert np.array_equal(got, want), (
            "each expert must keep its EARLIEST assignments (array order is priority order)")


def test_room_for_everyone_drops_nothing(drill):
    rng = np.random.default_rng(2)
    expert = rng.integers(0, 5, size=37)
    keep = np.asarray(drill.keep_mask(expert, 5, 37))
    assert keep.all(), "with capacity >= A nothing may be dropped"
    assert np.asarray(drill.keep_mask(np.zeros(0, dtype=np.int64), 5, 3)).shape == (0,), (
        "no assignments must give an empty mask")

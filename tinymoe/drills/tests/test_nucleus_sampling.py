"""Hidden tests for the drill nucleus_sampling. Oracles: invariants (the kept set is the
most probable tokens, its mass reaches p and dropping its least likely token falls below
p; top-k keeps everything >= the k-th largest), and empirical frequencies of many draws
against the filtered softmax (a 5-sigma band)."""

import numpy as np
import pytest


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _kept(out, shape, name):
    out = np.asarray(out)
    assert out.shape == shape, f"{name} returned shape {out.shape}; expected {shape}"
    return np.isfinite(out)


def test_worked_example(drill):
    z = np.log(np.array([[0.5, 0.2, 0.2, 0.1]]))
    keep = z.copy()
    for p, want in ((0.6, [1, 1, 0, 0]), (0.4, [1, 0, 0, 0]), (1.0, [1, 1, 1, 1])):
        got = _kept(drill.top_p_filter(z, p), z.shape, "top_p_filter")
        assert np.array_equal(got[0], np.array(want, bool)), (
            f"top_p_filter(p={p}) on probabilities [0.5, 0.2, 0.2, 0.1] keeps "
            f"{np.flatnonzero(got[0]).tolist()}; expected {np.flatnonzero(want).tolist()}")
    got = _kept(drill.top_k_filter(z, 2), z.shape, "top_k_filter")
    assert np.array_equal(got[0], [True, True, True, False]), (
        f"top_k_filter(k=2) keeps {np.flatnonzero(got[0]).tolist()}; expected [0, 1, 2] "
        "(tokens tied with the k-th largest are kept)")
    assert np.array_equal(z, keep), "the logits were modified in place"
    kept = np.asarray(drill.top_k_filter(z, 2))[0, :3]
    assert np.allclose(kept, z[0, :3]), "kept logits must be unchanged"


@pytest.mark.parametrize("case", range(3))
def test_filters_keep_the_right_sets(drill, case):
    rng = np.random.default_rng(1681 + case)
    b, v = int(rng.integers(1, 6)), int(rng.integers(2, 30))
    z = 2 * rng.standard_normal((b, v))
    z[0, : v // 2] = z[0, 0]                      # ties in the first row
    probs = _softmax(z)
    for k in (1, int(rng.integers(1, v + 1)), v, v + 5):
        keep = _kept(drill.top_k_filter(z, k), z.shape, "top_k_filter")
        kth = np.sort(z, axis=1)[:, -min(k, v)][:, None]
        assert np.array_equal(keep, z >= kth), (
            f"top_k_filter(k={k}, V={v}) keeps the wrong tokens: keep every logit >= the "
            "row's k-th largest (all of them when k >= V)")
    for p in (0.05, float(rng.uniform(0.2, 0.9)), 0.999):
        keep = _kept(drill.top_p_filter(z, p), z.shape, "top_p_filter")
        for row in range(b):
            mass = probs[row, keep[row]].sum()
            assert keep[row].any(), f"top_p_filter(p={p}) kept no token in row {row}"
            assert mass >= p - 1e-12, (
                f"top_p_filter(p={p}) row {row}: kept mass {mass:.4f} < p (the nucleus must "
                "reach p: keep the token that crosses it)")
            if keep[row].any() and (~keep[row]).any():
                assert probs[row, keep[row]].min() >= probs[row, ~keep[row]].max(), (
                    f"top_p_filter(p={p}) row {row}: a dropped token is more likely than a "
                    "kept one (sort by probability, highest first)")
            weakest = probs[row, keep[row]].min()
            assert mass - weakest < p + 1e-12, (
                f"top_p_filter(p={p}) row {row}: the set is not the smallest: without its "
                f"least likely token it still has mass {mass - weakest:.4f} >= p")


def _filtered_probs(z, temperature, k, p):
    """The distribution sample() must draw from, for one row of logits z (V,)."""
    want = _softmax(z / temperature)
    if k is not None:
        want = np.where(z < np.sort(z)[-k], 0.0, want)
        want /= want.sum()
    if p is not None:
        order = np.argsort(-want, kind="stable")
        before = np.cumsum(want[order]) - want[order]
        keep = np.zeros(len(z), bool)
        keep[order[before < p]] = True
        want = np.where(keep, want, 0) / want[keep].sum()
    return want


def test_sample_frequencies_and_never_a_filtered_token(drill):
    rng = np.random.default_rng(1684)
    v, draws = 6, 20000
    z = rng.standard_normal(v) * 1.5
    rows = np.tile(z, (draws, 1))
    for temperature, k, p in ((1.0, None, None), (0.5, 3, None), (2.0, None, 0.7),
                              (1.0, 4, 0.8)):
        want = _filtered_probs(z, temperature, k, p)
        ids = np.asarray(drill.sample(rows, np.random.default_rng(7), temperature, k, p))
        context = f"sample(temperature={temperature}, k={k}, p={p})"
        assert ids.shape == (draws,), f"{context} returned shape {ids.shape}; expected ({draws},)"
        freq = np.bincount(ids, minlength=v)[:v] / draws
        banned = (want == 0) & (freq > 0)
        assert not banned.any(), f"{context} drew filtered-out token(s) " \
            f"{np.flatnonzero(banned).tolist()}"
        band = 5 * np.sqrt(want * (1 - want) / draws) + 1e-9
        bad = np.abs(freq - want) > band
        if bad.any():
            untempered = _filtered_probs(z, 1.0, k, p)
            hint = ("it always returns the most likely token (greedy), it does not sample"
                    if freq.max() == 1 else "the temperature is ignored" if temperature != 1
                    and np.all(np.abs(freq - untempered) < 5 * np.sqrt(
                        untempered * (1 - untempered) / draws) + 1e-9)
                    else "sample from the softmax of the kept logits")
            raise AssertionError(
                f"{context}: token frequencies {np.round(freq, 3).tolist()} differ from the "
                f"filtered softmax {np.round(want, 3).tolist()} by more than 5 sigma ({hint})")

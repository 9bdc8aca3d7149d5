"""Hidden tests for the drill beam_search_step. Oracle: every candidate enumerated by a
plain loop here and sorted by (-score, parent, token); the statement's example."""

import numpy as np
import pytest

from tinymoe.grading.feedback import assert_close


def _oracle(scores, log_probs, k, finished, eos_id):
    b, v = log_probs.shape
    done = np.zeros(b, bool) if finished is None else finished
    cands = []
    for i in range(b):
        if done[i]:
            cands.append((-scores[i], i, eos_id))
        else:
            cands += [(-(scores[i] + log_probs[i, t]), i, t) for t in range(v)]
    best = sorted(cands)[:k]
    return (np.array([-c[0] for c in best]), np.array([c[1] for c in best]),
            np.array([c[2] for c in best]),
            np.array([bool(done[c[1]]) or c[2] == eos_id for c in best]))


def _check(drill, scores, log_probs, k, finished, eos_id, context):
    got = drill.beam_search_step(scores, log_probs, k, finished=finished, eos_id=eos_id)
    want = _oracle(scores, log_probs, k, finished, eos_id)
    got = [np.asarray(g) for g in got]
    names = ("new_scores", "parents", "tokens", "new_finished")
    for name, g, w in zip(names, got, want):
        assert g.shape == w.shape, (
            f"{context}: {name} has shape {g.shape}; expected {w.shape} (k' = min(k, number "
            "of candidates), and a finished beam is ONE candidate)")
    if finished is not None and np.any(finished):
        reused = np.bincount(got[1], minlength=len(scores))[np.asarray(finished)]
        assert reused.max(initial=0) <= 1, (
            f"{context}: a finished beam appears {reused.max()} times among the results: it "
            "must offer one candidate, not V")
    finite = np.isfinite(want[0])
    assert np.array_equal(got[0][~finite], want[0][~finite]), (
        f"{context}: new_scores {got[0].tolist()}; expected {want[0].tolist()}")
    assert_close(got[0][finite], want[0][finite], rtol=1e-12, err_msg=f"{context}: new_scores "
                 "are not the k best cumulative scores, best first")
    assert np.array_equal(got[1], want[1]) and np.array_equal(got[2], want[2]), (
        f"{context}: (parent, token) pairs {list(zip(got[1].tolist(), got[2].tolist()))} "
        f"expected {list(zip(want[1].tolist(), want[2].tolist()))} (flat index // V is the "
        "parent, % V the token; ties by (parent, token))")
    assert np.array_equal(got[3].astype(bool), want[3]), (
        f"{context}: new_finished is wrong (finished parent, or the eos token)")


def test_worked_example(drill):
    scores = np.array([-1.0, -2.0])
    log_probs = np.log([[0.1, 0.6, 0.3], [0.2, 0.2, 0.6]])
    _check(drill, scores, log_probs, 3, np.array([False, True]), 0, "worked example")


@pytest.mark.parametrize("case", range(3))
def test_random_beams(drill, case):
    rng = np.random.default_rng(1691 + case)
    b, v = int(rng.integers(1, 6)), int(rng.integers(2, 12))
    z = rng.standard_normal((b, v))
    log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    scores = -rng.uniform(0, 5, b)
    finished = rng.random(b) < 0.4 if case else None
    eos = int(rng.integers(0, v))
    for k in (1, int(rng.integers(2, b * v + 1)), b * v + 3):
        _check(drill, scores, log_probs, k, finished, eos, f"B={b}, V={v}, k={k}, eos={eos}")


def test_ties_and_banned_tokens(drill):
    scores = np.array([0.0, 0.0, -0.5])
    with np.errstate(divide="ignore"):
        log_probs = np.log(np.array([[0.5, 0.25, 0.25], [0.5, 0.25, 0.25], [1.0, 0.0, 0.0]]))
    _check(drill, scores, log_probs, 4, None, 2, "equal scores and -inf log-probabilities")
    _check(drill, scores, log_probs, 20, np.array([True, False, False]), 2,
           "k larger than the candidates, with -inf scores at the end")

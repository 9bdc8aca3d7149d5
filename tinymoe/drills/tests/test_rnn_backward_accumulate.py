"""Hidden tests for the drill rnn_backward_accumulate. Oracle: float64 finite differences
of loss = sum(hs * R) (R fixed random) for every input, at T = 1 and T > 1."""

import numpy as np
import pytest

from tinymoe.gradcheck import numerical_gradient
from tinymoe.grading.feedback import close

NAMES = ("x", "h0", "Wx", "Wh", "b")


def _mismatches(drill, seed, T):
    """Names of the gradients that disagree with finite differences, and the shapes."""
    rng = np.random.default_rng(seed)
    B, D, H = 3, 4, 5
    inputs = [rng.standard_normal((T, B, D)), rng.standard_normal((B, H)),
              0.5 * rng.standard_normal((D, H)), 0.5 * rng.standard_normal((H, H)),
              0.2 * rng.standard_normal(H)]
    R = rng.standard_normal((T, B, H))
    hs, cache = drill.rnn_forward(*inputs)
    grads = drill.rnn_backward(R, cache)
    bad = []
    for name, arr, grad in zip(NAMES, inputs, grads):
        numeric = numerical_gradient(lambda _: float(np.sum(drill.rnn_forward(*inputs)[0] * R)),
                                     arr)
        if not close(np.asarray(grad), numeric, rtol=1e-5, atol=1e-8):
            bad.append(name)
    return bad


def test_single_time_step(drill):
    bad = _mismatches(drill, 1731, T=1)
    assert not bad, f"T=1: the gradients of {', '.join(bad)} disagree with finite differences"


@pytest.mark.parametrize("T", [2, 5])
def test_longer_sequences(drill, T):
    bad = _mismatches(drill, 1732 + T, T=T)
    if bad:
        one_step = _mismatches(drill, 1731, T=1)
        note = (" (they agree for a single time step: only the contributions of some time "
                "steps survive)") if not one_step else ""
        raise AssertionError(f"T={T}: the gradients of {', '.join(bad)} disagree with finite "
                             f"differences{note}")

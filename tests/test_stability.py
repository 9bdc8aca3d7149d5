"""Softmax-family functions and logit losses stay finite at |x| = 1e4."""

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.nn import functional as F

LARGE = np.array([[1e4, -1e4, 0.0, 5e3], [-1e4, -1e4, -1e4, -1e4], [1e4, 1e4, -3.0, 2.0]])


@pytest.mark.parametrize("dtype", [tm.float32, tm.float64])
@pytest.mark.parametrize("name, fn", [
    ("softmax", lambda x: F.softmax(x, dim=1)),
    ("log_softmax", lambda x: F.log_softmax(x, dim=1)),
    ("cross_entropy", lambda x: F.cross_entropy(x, np.array([1, 2, 3]))),
    ("cross_entropy_smoothed", lambda x: F.cross_entropy(x, np.array([1, 0, 3]),
                                                          label_smoothing=0.1)),
    ("bce_with_logits", lambda x: F.binary_cross_entropy_with_logits(x, (x.data > 0) * 1.0)),
    ("sigmoid", lambda x: x.sigmoid()),
    ("logsumexp", lambda x: x.logsumexp(dim=1)),
])
def test_finite_values_and_gradients_at_1e4(name, fn, dtype):
    x = tm.tensor(LARGE, dtype=dtype, requires_grad=True)
    out = fn(x)
    assert np.isfinite(out.data).all(), f"{name} overflowed"
    out.sum().backward()
    assert np.isfinite(x.grad).all(), f"{name} gradient overflowed"


def test_softmax_saturates_to_exact_one_hot():
    p = F.softmax(tm.tensor(LARGE[:1], dtype=tm.float64), dim=1)
    np.testing.assert_allclose(p.data, [[1, 0, 0, 0]], atol=0)


def test_cross_entropy_of_confident_wrong_logit_is_the_gap():
    loss = F.cross_entropy(tm.tensor([[1e4, -1e4]], dtype=tm.float64), np.array([1]))
    assert loss.item() == pytest.approx(2e4)

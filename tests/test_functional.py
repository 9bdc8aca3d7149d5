"""nn.functional behaviour that the op table does not cover: dropout, embedding, GELU."""

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.nn import functional as F


def test_dropout_keeps_expectation_and_zeroes_p_of_entries():
    tm.manual_seed(0)
    x = tm.ones(200, 200, requires_grad=True)
    y = F.dropout(x, p=0.3)
    zero_fraction = (y.data == 0).mean()
    assert zero_fraction == pytest.approx(0.3, abs=0.01)
    np.testing.assert_allclose(y.data[y.data != 0], 1 / 0.7, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, y.data)  # same mask scales the gradient


def test_dropout_is_identity_in_eval_and_rejects_bad_p():
    x = tm.randn(3, 4)
    assert F.dropout(x, 0.5, training=False) is x
    with pytest.raises(ValueError, match="dropout: p must lie in"):
        F.dropout(x, 1.5)


def test_embedding_gradient_adds_repeated_rows():
    weight = tm.randn(5, 3, dtype=tm.float64, requires_grad=True)
    F.embedding(np.array([[1, 1], [4, 1]]), weight).sum().backward()
    np.testing.assert_array_equal(weight.grad[:, 0], [0, 3, 0, 0, 1])


def test_gelu_matches_its_definition_with_the_error_function():
    x = np.linspace(-4, 4, 9)
    from math import erf, sqrt

    expected = [v * 0.5 * (1 + erf(v / sqrt(2))) for v in x]
    np.testing.assert_allclose(F.gelu(tm.tensor(x)).data, expected, rtol=1e-12)

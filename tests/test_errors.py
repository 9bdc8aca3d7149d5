"""Bad input gets a clear error naming the op and the shapes or dtypes."""

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.nn import functional as F


def test_matmul_inner_dimension_mismatch_names_both_shapes():
    with pytest.raises(tm.ShapeError, match=r"matmul: \(3, 4\) @ \(5, 6\): inner dimensions "
                                            r"4 and 5 differ"):
        tm.zeros(3, 4) @ tm.zeros(5, 6)


def test_matmul_batch_dims_must_broadcast():
    with pytest.raises(tm.ShapeError, match="batch dimensions"):
        tm.zeros(2, 3, 4) @ tm.zeros(3, 4, 5)


@pytest.mark.parametrize("op", [lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b,
                                lambda a, b: a / b, tm.maximum])
def test_elementwise_broadcast_error_names_shapes(op):
    with pytest.raises(tm.ShapeError, match=r"\(3, 4\) and \(5,\) cannot be broadcast"):
        op(tm.zeros(3, 4), tm.ones(5))


def test_linear_shape_error():
    with pytest.raises(tm.ShapeError, match=r"linear: input \(2, 3\) and weight \(4, 5\)"):
        F.linear(tm.zeros(2, 3), tm.zeros(4, 5))


def test_losses_refuse_silent_broadcasting():
    with pytest.raises(tm.ShapeError, match=r"mse_loss: input shape \(4, 1\) and target shape "
                                            r"\(4,\)"):
        F.mse_loss(tm.zeros(4, 1), tm.zeros(4))
    with pytest.raises(tm.ShapeError, match="binary_cross_entropy_with_logits"):
        F.binary_cross_entropy_with_logits(tm.zeros(4, 1), tm.zeros(4))


def test_cross_entropy_target_dtype_and_range():
    logits = tm.zeros(3, 4)
    with pytest.raises(tm.DTypeError, match="cross_entropy: target must hold integer class "
                                            "indices.*float32"):
        F.cross_entropy(logits, tm.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(IndexError, match=r"cross_entropy: target value 7 is outside \[0, 4\)"):
        F.cross_entropy(logits, np.array([0, 7, 1]))
    with pytest.raises(IndexError, match="target value -1"):
        F.nll_loss(logits, np.array([0, -1, 1]))
    with pytest.raises(tm.ShapeError, match=r"input \(3, 4\) and target \(2,\)"):
        F.cross_entropy(logits, np.array([0, 1]))
    with pytest.raises(ValueError, match="reduction must be one of"):
        F.cross_entropy(logits, np.array([0, 1, 2]), reduction="avg")


def test_index_dtype_errors():
    with pytest.raises(tm.DTypeError, match="gather: index must be an integer tensor, got "
                                            "dtype float64"):
        tm.zeros(2, 3).gather(1, np.zeros((2, 3)))
    with pytest.raises(tm.DTypeError, match="embedding: indices"):
        F.embedding(tm.tensor([0.0, 1.0]), tm.zeros(4, 2))
    with pytest.raises(tm.DTypeError, match="one_hot"):
        tm.one_hot(tm.tensor([0.5]), 3)
    with pytest.raises(IndexError, match=r"embedding: index 4 is outside \[0, 4\)"):
        F.embedding(np.array([0, 4]), tm.zeros(4, 2))


def test_bce_on_probabilities_outside_unit_interval():
    with pytest.raises(ValueError, match="binary_cross_entropy: input must hold probabilities"):
        F.binary_cross_entropy(tm.tensor([1.5]), tm.tensor([1.0]))


def test_shape_op_errors():
    with pytest.raises(tm.ShapeError, match=r"reshape: cannot reshape \(2, 3\)"):
        tm.zeros(2, 3).reshape(4, 2)
    with pytest.raises(tm.ShapeError, match="cat: shapes"):
        tm.cat([tm.zeros(2, 3), tm.zeros(2, 4)], dim=0)
    with pytest.raises(tm.ShapeError, match="stack: all tensors need the same shape"):
        tm.stack([tm.zeros(2), tm.zeros(3)])
    with pytest.raises(tm.ShapeError, match="sum: dim 3 is out of range"):
        tm.zeros(2, 3).sum(dim=3)
    with pytest.raises(tm.ShapeError, match="expand"):
        tm.zeros(2, 3).expand(4, 3)


def test_bce_at_exact_zero_and_one_is_finite():
    p = tm.tensor([0.0, 1.0, 0.0, 1.0], dtype=tm.float64, requires_grad=True)
    y = tm.tensor([0.0, 1.0, 1.0, 0.0], dtype=tm.float64)
    loss = F.binary_cross_entropy(p, y, reduction="none")
    np.testing.assert_allclose(loss.data, [0.0, 0.0, 100.0, 100.0])
    loss.sum().backward()
    assert np.isfinite(p.grad).all()

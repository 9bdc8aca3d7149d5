"""Bad arguments get an error naming the function, the argument and the value.

One table: (case id, a call that must fail, the exception type, a phrase of the message).
Silent wrong answers (a NaN learning rate, a BCE target of 2) are the worst kind of bad
input, so every case here used to return something instead of raising.
"""

import math

import numpy as np
import pytest

import tinymoe as tm
from tinymoe import optim
from tinymoe.nn import functional as F


def _param():
    return tm.tensor(np.ones(3), requires_grad=True)


def _grad_param():
    p = _param()
    p.grad = np.ones(3)
    return p


CASES = [
    # optimisers: every hyperparameter, validated in one place per optimiser
    (
        "adam lr nan",
        lambda: optim.Adam([_param()], lr=math.nan),
        ValueError,
        "Adam: invalid learning rate nan",
    ),
    (
        "adam lr inf",
        lambda: optim.Adam([_param()], lr=math.inf),
        ValueError,
        "invalid learning rate inf",
    ),
    (
        "adam lr str",
        lambda: optim.Adam([_param()], lr="0.1"),
        TypeError,
        "Adam: learning rate must be a real number, got str '0.1'",
    ),
    (
        "adam lr negative",
        lambda: optim.Adam([_param()], lr=-1e-3),
        ValueError,
        "invalid learning rate",
    ),
    (
        "adam beta2 = 1",
        lambda: optim.Adam([_param()], betas=(0.9, 1.0)),
        ValueError,
        "invalid betas[1] 1.0",
    ),
    (
        "adam beta1 nan",
        lambda: optim.Adam([_param()], betas=(math.nan, 0.9)),
        ValueError,
        "invalid betas[0] nan",
    ),
    ("adam eps negative", lambda: optim.Adam([_param()], eps=-1e-8), ValueError, "invalid eps"),
    (
        "adamw weight decay nan",
        lambda: optim.AdamW([_param()], weight_decay=math.nan),
        ValueError,
        "AdamW: invalid weight_decay nan",
    ),
    (
        "sgd lr nan",
        lambda: optim.SGD([_param()], lr=math.nan),
        ValueError,
        "SGD: invalid learning rate",
    ),
    (
        "sgd momentum negative",
        lambda: optim.SGD([_param()], lr=0.1, momentum=-0.5),
        ValueError,
        "SGD: invalid momentum -0.5",
    ),
    (
        "sgd dampening nan",
        lambda: optim.SGD([_param()], lr=0.1, dampening=math.nan),
        ValueError,
        "SGD: invalid dampening",
    ),
    (
        "param group lr nan",
        lambda: optim.SGD([{"params": [_param()], "lr": math.nan}], lr=0.1),
        ValueError,
        "SGD: invalid learning rate nan",
    ),
    # gradient clipping
    (
        "clip max_norm negative",
        lambda: optim.clip_grad_norm_([_grad_param()], -1.0),
        ValueError,
        "clip_grad_norm_: max_norm must be a number >= 0",
    ),
    (
        "clip max_norm nan",
        lambda: optim.clip_grad_norm_([_grad_param()], math.nan),
        ValueError,
        "max_norm must be a number >= 0",
    ),
    # losses
    (
        "bce target 2",
        lambda: F.binary_cross_entropy(tm.tensor([0.5]), np.array([2.0])),
        ValueError,
        "binary_cross_entropy: target must hold values in [0, 1]",
    ),
    (
        "bce target nan",
        lambda: F.binary_cross_entropy(tm.tensor([0.5]), np.array([math.nan])),
        ValueError,
        "target must hold values in [0, 1]",
    ),
    # the random generator
    ("manual_seed -1", lambda: tm.manual_seed(-1), ValueError, "manual_seed: seed must be >= 0"),
    (
        "manual_seed 1.5",
        lambda: tm.manual_seed(1.5),
        TypeError,
        "manual_seed: seed must be an integer, got float 1.5",
    ),
]


@pytest.mark.parametrize("call, error, phrase", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_named(call, error, phrase):
    with pytest.raises(error) as info:
        call()
    assert phrase in str(info.value), f"message {str(info.value)!r} lacks {phrase!r}"


def test_valid_edges_still_work():
    """The checks refuse only what is wrong: zero rates, infinite max_norm, soft targets."""
    optim.Adam([_param()], lr=0.0, betas=(0.0, 0.0), eps=0.0)
    optim.SGD([_param()], lr=0.0)
    p = _grad_param()
    assert optim.clip_grad_norm_([p], math.inf) == pytest.approx(math.sqrt(3))
    np.testing.assert_array_equal(p.grad, np.ones(3))
    loss = F.binary_cross_entropy(tm.tensor([0.25, 0.75]), np.array([0.0, 0.3]))
    assert np.isfinite(loss.item())
    tm.manual_seed(np.int64(3))

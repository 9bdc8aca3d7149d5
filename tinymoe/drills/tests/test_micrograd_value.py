"""Hidden tests for the drill micrograd_value. Oracles: closed-form derivatives, the
tinymoe engine's autograd on 0-d float64 tensors (the same expression), and a deep chain
whose derivative is a known power."""

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.grading.feedback import assert_close


def _expression(a, b, c):
    """Uses every operation, a number on either side, and reuses a, b and c."""
    h = (a * b + a**2).tanh() + (a - c).exp() / b + (3 * c).relu() - 1 / a
    return h * (2 - b) + (-c) ** 3 + (a / 4).relu()


def test_worked_example_and_reuse(drill):
    a, b = drill.Value(2.0), drill.Value(-3.0)
    c = a * b + a
    c.backward()
    assert c.data == -4.0, f"a * b + a at a=2, b=-3 must be -4, got {c.data}"
    if a.grad == -3.0:
        pytest.fail("a.grad is -3, the gradient of its last use only: a value used twice must "
                    "ACCUMULATE (+=) the gradients of its uses, not overwrite them")
    assert (a.grad, b.grad) == (-2.0, 2.0), (
        f"d(a*b + a)/da = b + 1 = -2 and d/db = a = 2; got {(a.grad, b.grad)}")
    x = drill.Value(3.0)
    y = x * x  # the same Value on both sides of one operation
    y.backward()
    assert x.grad == 6.0, f"d(x*x)/dx at x=3 must be 6, got {x.grad} (both uses add up)"


def test_diamond_graph_visits_each_node_once(drill):
    # s is used by two later nodes: its grad is complete only after both have passed theirs
    a = drill.Value(1.5)
    s = a * 2.0
    t = s * s + s.tanh()
    t.backward()
    sv = 3.0
    want = (2 * sv + (1 - np.tanh(sv) ** 2)) * 2.0
    assert_close(a.grad, want, rtol=1e-12,
                 err_msg="wrong gradient through a shared node: visit nodes in reverse "
                         "topological order (each node once, after all its consumers)")


def test_random_expression_matches_engine(drill):
    rng = np.random.default_rng(1501)
    for _ in range(3):
        x = rng.uniform(0.3, 1.5, size=3) * rng.choice([-1, 1], size=3)
        vals = [drill.Value(float(v)) for v in x]
        out = _expression(*vals)
        out.backward()
        ts = [tm.tensor(float(v), requires_grad=True, dtype=tm.float64) for v in x]
        want = _expression(*ts)
        want.backward()
        assert_close(out.data, want.item(), rtol=1e-12,
                     err_msg="the forward value of an expression with +, -, *, /, **, tanh, "
                             "exp, relu is wrong")
        for name, v, t in zip("abc", vals, ts):
            assert_close(v.grad, float(t.grad), rtol=1e-9, atol=1e-12,
                         err_msg=f"d out / d {name} is wrong at {tuple(np.round(x, 3))}")


def test_deep_chain(drill):
    x = drill.Value(0.5)
    y = x
    for _ in range(5000):
        y = y * 1.0001
    try:
        y.backward()
    except RecursionError:
        pytest.fail("backward hits the recursion limit on a chain of 5000 operations: build "
                    "the topological order with an explicit stack, not recursion")
    assert_close(x.grad, 1.0001**5000, rtol=1e-9,
                 err_msg="d/dx of x * c^5000 must be c^5000 on a deep chain")

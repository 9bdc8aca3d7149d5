"""Graded tests for lesson 04: the scalar autograd engine (`Value`, `topo_sort`).

Oracles: closed-form local derivatives, central finite differences of the same expression
in plain floats, and invariants of a topological order. Each operation's `_backward` is
checked with an upstream gradient other than 1 and with inputs that already hold gradient.
Every random draw is seeded inside the test.
"""

import math

import numpy as np
import pytest


@pytest.fixture
def m(load_exercise):
    return load_exercise("04_scalar_autograd")


def hand_node(Value, data, inputs, local_grads):
    """A node whose `_backward` is written here (not by the learner): it adds
    local_grad * out.grad to each input. Lets topo_sort/backward be graded on their own."""
    out = Value(data, tuple(inputs), "f")

    def _backward():
        for x, d in zip(inputs, local_grads):
            x.grad += d * out.grad

    out._backward = _backward
    return out


def _check_local_backward(Value, what, build, data, local, upstream=2.5, pre=(0.25, -0.5)):
    """Grade one node's `_backward`: build(*inputs) makes the node from fresh leaves holding
    `data`; `local` are its exact local derivatives. Checked with out.grad = `upstream` on
    fresh leaves, then on leaves that already hold gradient `pre` (from other uses)."""
    leaves = [Value(x) for x in data]
    out = build(*leaves)
    out.grad = upstream
    out._backward()
    got = [leaf.grad for leaf in leaves]
    want = [d * upstream for d in local]
    if got != pytest.approx(want, rel=1e-9, abs=1e-12):
        if got == pytest.approx(list(local), rel=1e-9, abs=1e-12):
            pytest.fail(
                f"{what}: with out.grad = {upstream} the inputs got the bare local derivatives "
                f"{got}: multiply by out.grad (the chain rule), expected {want}"
            )
        pytest.fail(f"{what}: with out.grad = {upstream} the inputs got {got}; expected {want}")
    leaves = [Value(x) for x in data]
    out = build(*leaves)
    for leaf, g in zip(leaves, pre):
        leaf.grad = g
    out.grad = upstream
    out._backward()
    got = [leaf.grad for leaf in leaves]
    if got != pytest.approx([g + w for g, w in zip(pre, want)], rel=1e-9, abs=1e-12):
        if got == pytest.approx(want, rel=1e-9, abs=1e-12):
            pytest.fail(
                f"{what}: inputs that already held gradient {list(pre[: len(leaves)])} (from "
                f"other uses) ended with {got}: you assigned with = instead of accumulating "
                "with +="
            )
        pytest.fail(
            f"{what}: inputs holding gradient {list(pre[: len(leaves)])} beforehand ended with "
            f"{got}; expected {[g + w for g, w in zip(pre, want)]} (add, +=)"
        )


@pytest.mark.exercise("04.1")
@pytest.mark.points(1)
def test_add(m):
    a, b = m.Value(2.0), m.Value(-5.5)
    c = a + b
    assert c.data == pytest.approx(-3.5), "a + b has the wrong value"
    assert set(map(id, c._prev)) == {id(a), id(b)}, (
        "a + b must record its inputs: _prev == (a, b), or backward never reaches them"
    )
    assert c._op == "+", f"a + b must have _op == '+', got {c._op!r}"
    _check_local_backward(m.Value, "a + b", lambda x, y: x + y, (2.0, -5.5), (1.0, 1.0))
    try:
        d = m.Value(1.5) + 2
    except AttributeError as err:
        pytest.fail(f"Value(1.5) + 2 failed ({err}): wrap a plain number in a Value first")
    assert isinstance(d, m.Value) and d.data == pytest.approx(3.5), (
        "Value + number must wrap the number in a Value"
    )
    assert (2 + m.Value(1.5)).data == pytest.approx(3.5), "number + Value must work"


@pytest.mark.exercise("04.1")
@pytest.mark.points(1)
def test_add_accumulates(m):
    a = m.Value(4.0)
    c = a + a
    c.grad = 1.0
    c._backward()
    if a.grad == pytest.approx(1.0):
        pytest.fail(
            "gradient of a + a is 2, got 1.0: you assigned with = instead of accumulating with "
            "+=, so the second use of a overwrote the first one's share"
        )
    assert a.grad == pytest.approx(2.0), f"gradient of a + a is 2, got {a.grad}"


@pytest.mark.exercise("04.2")
@pytest.mark.points(1)
def test_mul(m):
    x, y = np.random.default_rng(401).normal(size=2)
    a, b = m.Value(x), m.Value(y)
    c = a * b
    assert c.data == pytest.approx(x * y), "a * b has the wrong value"
    assert set(map(id, c._prev)) == {id(a), id(b)}, "a * b must record _prev == (a, b)"
    c.grad = 1.0
    c._backward()
    if (a.grad, b.grad) == pytest.approx((x, y)):
        pytest.fail("d(a*b)/da = b and d(a*b)/db = a: you swapped them")
    _check_local_backward(m.Value, "a * b", lambda p, q: p * q, (x, y), (y, x))
    s = m.Value(3.0)
    sq = s * s
    sq.grad = 1.0
    sq._backward()
    if s.grad == pytest.approx(3.0):
        pytest.fail("d(a*a)/da = 2a = 6, got 3.0: you assigned with = instead of accumulating "
                    "with +=, so the second use of a overwrote the first one's share")
    assert s.grad == pytest.approx(6.0), f"d(a*a)/da = 2a = 6, got {s.grad}"
    assert (2 * m.Value(1.5)).data == pytest.approx(3.0), "number * Value must work"


@pytest.mark.exercise("04.3")
@pytest.mark.points(1)
def test_pow(m):
    for x, k in [(2.0, 3), (1.7, -1.0), (2.5, 0.5), (0.8, 2), (-1.5, 3)]:
        out = m.Value(x) ** k
        assert out.data == pytest.approx(x**k), f"Value({x}) ** {k} has the wrong value"
        local = k * x ** (k - 1)
        v = m.Value(x)
        o = v**k
        o.grad = 1.0
        o._backward()
        if v.grad == pytest.approx(k * x**k):
            pytest.fail(f"d(x**{k})/dx is k * x**(k-1); you used k * x**k ({v.grad:.5g})")
        _check_local_backward(m.Value, f"Value({x}) ** {k}", lambda v, k=k: v**k, (x,), (local,))
    with pytest.raises(TypeError):
        m.Value(2.0) ** m.Value(3.0)


@pytest.mark.exercise("04.3")
@pytest.mark.points(1)
def test_pow_at_zero(m):
    for k in (2, 3):
        v = m.Value(0.0)
        out = v**k
        out.grad = 1.0
        try:
            out._backward()
        except ZeroDivisionError as err:
            pytest.fail(
                f"d(x**{k})/dx at x = 0 raised ZeroDivisionError ({err}): compute "
                "k * x**(k - 1), not k * out / x"
            )
        assert out.data == 0.0 and v.grad == 0.0, (
            f"Value(0.0) ** {k} must be 0 with gradient 0, got {out.data} and {v.grad}"
        )


@pytest.mark.exercise("04.4")
@pytest.mark.points(1)
def test_tanh(m):
    for x in [-2.0, -0.3, 0.0, 0.5, 1.7]:
        out = m.Value(x).tanh()
        assert out.data == pytest.approx(math.tanh(x)), f"tanh({x}) has the wrong value"
        v = m.Value(x)
        o = v.tanh()
        o.grad = 1.0
        o._backward()
        if x != 0 and v.grad == pytest.approx(1 - x**2):
            pytest.fail(f"d tanh(x)/dx = 1 - tanh(x)^2; you used 1 - x^2 at x={x}")
        _check_local_backward(m.Value, f"Value({x}).tanh()", lambda t: t.tanh(), (x,),
                              (1 - math.tanh(x) ** 2,))


@pytest.mark.exercise("04.4")
@pytest.mark.points(1)
def test_tanh_large_inputs(m):
    for x, expected in [(400.0, 1.0), (-400.0, -1.0)]:
        try:
            out = m.Value(x).tanh()
        except OverflowError:
            pytest.fail(f"tanh({x}) overflowed: (e^2x-1)/(e^2x+1) does, math.tanh does not")
        assert out.data == expected, (
            f"tanh({x}) should be {expected}, got {out.data}: (e^2x-1)/(e^2x+1) overflows, "
            "use math.tanh"
        )
        out.grad = 1.0
        out._backward()
        assert out._prev[0].grad == 0.0, f"the gradient of tanh at {x} must be 0.0"


def assert_topological(order, root, nodes):
    ids = [id(n) for n in order]
    assert len(ids) == len(set(ids)), "a node appears twice: mark visited nodes (by identity)"
    assert set(ids) == {id(n) for n in nodes}, (
        "topo_sort must return exactly the nodes reachable from root"
    )
    assert order[-1] is root, "the root must come last"
    where = {id(n): i for i, n in enumerate(order)}
    for n in order:
        for child in n._prev:
            assert where[id(child)] < where[id(n)], (
                "an input comes after a node that uses it: inputs must come first"
            )


@pytest.mark.exercise("04.5")
@pytest.mark.points(1)
def test_topo_sort_diamond(m):
    V = m.Value
    a = V(1.0)
    b = V(1.0, (a,))  # same data as a: nodes must be told apart by identity
    c = V(2.0, (a, a))  # a repeated input
    d = V(3.0, (c, b, a))
    e = V(4.0, (d, c))
    unreachable = V(5.0, (a,))
    order = m.topo_sort(e)
    assert all(n is not unreachable for n in order), "only nodes reachable from root"
    assert_topological(order, e, [a, b, c, d, e])


@pytest.mark.exercise("04.5")
@pytest.mark.points(1)
def test_topo_sort_deep_chain_no_recursion_limit(m):
    V = m.Value
    nodes = [V(0.0)]
    for _ in range(5000):
        nodes.append(V(0.0, (nodes[-1],)))
    try:
        order = m.topo_sort(nodes[-1])
    except RecursionError:
        pytest.fail("topo_sort hit Python's recursion limit on a chain of 5000 nodes: use an "
                    "explicit stack instead of recursion")
    assert [id(n) for n in order] == [id(n) for n in nodes], "a chain sorts to itself"


def _topo_sort(root):
    """A correct iterative topological sort, standing in for exercise 04.5's in 04.6."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in node._prev)
    return order


@pytest.fixture
def m_alone(m, monkeypatch):
    """The lesson module with a correct topo_sort, so that backward (04.6) is graded apart
    from exercise 04.5 (whose own tests report its mistakes)."""
    monkeypatch.setattr(m, "topo_sort", _topo_sort)
    return m


@pytest.mark.exercise("04.6")
@pytest.mark.points(1)
def test_backward_waits_for_all_paths(m_alone):
    V = m_alone.Value
    a = V(1.5)
    b = hand_node(V, 2 * a.data, [a], [2.0])  # b = 2a
    c = hand_node(V, 3 * a.data, [a], [3.0])  # c = 3a
    c2 = hand_node(V, c.data + 1, [c], [1.0])  # a longer path through c
    d = hand_node(V, b.data * c2.data, [b, c2], [c2.data, b.data])  # d = b * (c + 1)
    d.backward()
    assert d.grad == 1.0, "backward must seed root.grad = 1.0"
    # d = 2a (3a + 1)  ->  dd/da = 12a + 2
    assert a.grad == pytest.approx(12 * a.data + 2), (
        f"a.grad should be 12a + 2 = {12 * a.data + 2}, got {a.grad}: run _backward in REVERSE "
        "topological order so every node's grad is complete before it is passed on"
    )


@pytest.mark.exercise("04.6")
@pytest.mark.points(1)
def test_backward_deep_chain(m_alone):
    V = m_alone.Value
    x = V(0.5)
    y = x
    for _ in range(3000):
        y = hand_node(V, y.data, [y], [1.0])
    try:
        y.backward()
    except RecursionError:
        pytest.fail("backward hit Python's recursion limit on a chain of 3000 nodes: walk the "
                    "graph with topo_sort's list (or an explicit stack), not by recursion")
    assert x.grad == pytest.approx(1.0), f"x.grad should be 1.0 through the chain, got {x.grad}"


def _engine_function(x, w, b, z, op):
    """The expression graded in the next test, for Values or floats (op supplies tanh etc.)."""
    n = x * w + b * x - z
    return (op["tanh"](n) + x * x) ** 2 / w + op["exp"](n * z) - 3.0 * op["relu"](b + b)


def _broken_prerequisites(m) -> list[str]:
    """Exercises 04.1-04.4 whose basic checks fail (their own tests say how)."""
    V, broken = m.Value, []
    checks = {
        "04.1 (__add__)": (lambda a, b: a + b, (2.0, -3.0), (1.0, 1.0)),
        "04.2 (__mul__)": (lambda a, b: a * b, (2.0, -3.0), (-3.0, 2.0)),
        "04.3 (__pow__)": (lambda a, b: a**3 + b * 0.0, (2.0, -3.0), (12.0, 0.0)),
        "04.4 (tanh)": (lambda a, b: a.tanh() + b * 0.0, (0.5, -3.0), (1 - math.tanh(0.5) ** 2, 0)),
    }
    for name, (build, data, local) in checks.items():
        try:
            leaves = [V(d) for d in data]
            out = build(*leaves)
            out.grad = 1.0
            for node in reversed(_topo_sort(out)):
                node._backward()
            ok = [leaf.grad for leaf in leaves] == pytest.approx(list(local), abs=1e-9)
        except Exception:  # noqa: BLE001 (any error in the learner's op means it is broken)
            ok = False
        if not ok:
            broken.append(name)
    return broken


@pytest.mark.exercise("04.6")
@pytest.mark.points(1)
def test_whole_engine_matches_finite_differences(m_alone):
    m = m_alone
    vals = np.random.default_rng(402).uniform(0.5, 1.5, size=4)
    try:
        leaves = [m.Value(v) for v in vals]
        y = _engine_function(*leaves, {"tanh": lambda t: t.tanh(), "exp": lambda t: t.exp(),
                                        "relu": lambda t: t.relu()})
        y.backward()
        floats = {"tanh": math.tanh, "exp": math.exp, "relu": lambda t: max(t, 0.0)}
        assert y.data == pytest.approx(_engine_function(*vals, floats)), (
            "the forward value of the whole expression is wrong"
        )
        h = 1e-6
        for i, name in enumerate("xwbz"):
            up, down = vals.copy(), vals.copy()
            up[i] += h
            down[i] -= h
            fd = (_engine_function(*up, floats) - _engine_function(*down, floats)) / (2 * h)
            assert leaves[i].grad == pytest.approx(fd, rel=1e-6), (
                f"d y / d {name} is {leaves[i].grad:.6g}; a central finite difference gives "
                f"{fd:.6g}"
            )
    except NotImplementedError:
        raise
    except Exception as err:
        broken = _broken_prerequisites(m)
        if broken:
            pytest.fail(
                f"this test uses every operation; exercise(s) {', '.join(broken)} fail their "
                f"own checks, which explains this failure: fix them first ({err})"
            )
        raise

"""Graded tests for lesson 04: the scalar autograd engine (`Value`, `topo_sort`)."""

import math

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


def local_grads(out):
    """Run only `out`'s own `_backward` with out.grad = 1; return its inputs' grads."""
    out.grad = 1.0
    out._backward()
    return [x.grad for x in out._prev]


@pytest.mark.exercise("04.1")
@pytest.mark.points(1)
def test_add(m):
    a, b = m.Value(2.0), m.Value(-5.5)
    c = a + b
    assert c.data == pytest.approx(-3.5), "a + b has the wrong value"
    assert set(map(id, c._prev)) == {id(a), id(b)}, "a + b must record (a, b) as its _prev"
    c.grad = 3.0
    c._backward()
    assert (a.grad, b.grad) == pytest.approx((3.0, 3.0)), (
        "d(a+b)/da = 1, so a.grad should be 1 * out.grad = 3.0: did you multiply by out.grad?"
    )
    d = m.Value(1.5) + 2
    assert d.data == pytest.approx(3.5), "Value + number must wrap the number in a Value"
    assert (2 + m.Value(1.5)).data == pytest.approx(3.5)


@pytest.mark.exercise("04.1")
@pytest.mark.points(1)
def test_add_accumulates(m):
    a = m.Value(4.0)
    c = a + a
    c.grad = 1.0
    c._backward()
    assert a.grad == pytest.approx(2.0), (
        f"gradient of a + a is 2, got {a.grad}: are you accumulating with += instead of = ?"
    )
    x, y = m.Value(1.0), m.Value(2.0)
    x.grad, y.grad = 0.25, -0.5  # contributions from other uses of x and y
    c = x + y
    c.grad = 1.0
    c._backward()
    assert (x.grad, y.grad) == pytest.approx((1.25, 0.5)), (
        "x and y already had gradient from other paths; _backward must ADD to it (+=) "
        "for BOTH inputs, not overwrite it"
    )


@pytest.mark.exercise("04.2")
@pytest.mark.points(1)
def test_mul(m, rng):
    x, y = rng.normal(size=2)
    a, b = m.Value(x), m.Value(y)
    c = a * b
    assert c.data == pytest.approx(x * y), "a * b has the wrong value"
    ga, gb = local_grads(c)
    assert ga == pytest.approx(y) and gb == pytest.approx(x), (
        "d(a*b)/da = b and d(a*b)/db = a: did you swap them?"
    )
    s = m.Value(3.0)
    sq = s * s
    local_grads(sq)
    assert s.grad == pytest.approx(6.0), (
        f"d(a*a)/da = 2a = 6, got {s.grad}: are you accumulating with += instead of = ?"
    )
    x, y = m.Value(2.0), m.Value(-1.0)
    x.grad, y.grad = 0.25, -0.5
    local_grads(x * y)
    assert (x.grad, y.grad) == pytest.approx((-0.75, 1.5)), (
        "x and y already had gradient from other paths; _backward must ADD to it (+=) "
        "for BOTH inputs, not overwrite it"
    )
    assert (2 * m.Value(1.5)).data == pytest.approx(3.0), "number * Value must work"


@pytest.mark.exercise("04.3")
@pytest.mark.points(1)
def test_pow(m):
    for x, k in [(2.0, 3), (1.7, -1.0), (2.5, 0.5), (0.8, 2)]:
        v = m.Value(x)
        out = v**k
        assert out.data == pytest.approx(x**k), f"Value({x}) ** {k} has the wrong value"
        (g,) = local_grads(out)
        h = 1e-6
        fd = ((x + h) ** k - (x - h) ** k) / (2 * h)
        assert g == pytest.approx(fd, rel=1e-5), (
            f"d(x**{k})/dx at x={x} should be {k}*x**{k - 1} = {fd:.5g}, got {g:.5g}"
        )
    with pytest.raises(TypeError):
        m.Value(2.0) ** m.Value(3.0)


@pytest.mark.exercise("04.4")
@pytest.mark.points(1)
def test_tanh(m):
    for x in [-2.0, -0.3, 0.0, 0.5, 1.7]:
        out = m.Value(x).tanh()
        assert out.data == pytest.approx(math.tanh(x)), f"tanh({x}) has the wrong value"
        (g,) = local_grads(out)
        assert g == pytest.approx(1 - math.tanh(x) ** 2), (
            f"d tanh(x)/dx = 1 - tanh(x)^2; at x={x} expected {1 - math.tanh(x) ** 2:.5g}, "
            f"got {g:.5g}"
        )


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
        assert local_grads(out)[0] == 0.0


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
    order = m.topo_sort(nodes[-1])  # RecursionError here: use an explicit stack
    assert [id(n) for n in order] == [id(n) for n in nodes], "a chain sorts to itself"


@pytest.mark.exercise("04.6")
@pytest.mark.points(1)
def test_backward_waits_for_all_paths(m):
    V = m.Value
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
def test_backward_deep_chain(m):
    V = m.Value
    x = V(0.5)
    y = x
    for _ in range(3000):
        y = hand_node(V, y.data, [y], [1.0])
    y.backward()  # RecursionError here: sort and walk the graph iteratively
    assert x.grad == pytest.approx(1.0)


@pytest.mark.exercise("04.6")
@pytest.mark.points(1)
def test_whole_engine_matches_torch(m, torch, rng):
    vals = rng.uniform(0.5, 1.5, size=4)
    x, w, b, z = (m.Value(v) for v in vals)
    n = x * w + b * x - z
    y = (n.tanh() + x * x) ** 2 / w + (n * z).exp() - 3.0 * (b + b).relu()
    y.backward()
    tx, tw, tb, tz = (torch.tensor(v, requires_grad=True) for v in vals)
    tn = tx * tw + tb * tx - tz
    ty = (tn.tanh() + tx * tx) ** 2 / tw + (tn * tz).exp() - 3.0 * (tb + tb).relu()
    ty.backward()
    assert y.data == pytest.approx(ty.item()), "forward value differs from PyTorch"
    for name, v, t in [("x", x, tx), ("w", w, tw), ("b", b, tb), ("z", z, tz)]:
        assert v.grad == pytest.approx(t.grad.item(), rel=1e-6), (
            f"d y / d {name} differs from PyTorch ({v.grad:.6g} vs {t.grad.item():.6g})"
        )

"""mutant 04.6: forgets to seed root.grad = 1.0, so every gradient stays 0."""


def _backward_all(self):
    for node in reversed(topo_sort(self)):  # noqa: F821
        node._backward()


Value.backward = _backward_all  # noqa: F821

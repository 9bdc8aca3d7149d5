"""mutant 04.6: calls _backward in topological order (inputs first), not reversed."""


def _backward_all(self):
    order = topo_sort(self)  # noqa: F821
    self.grad = 1.0
    for node in order:
        node._backward()


Value.backward = _backward_all  # noqa: F821

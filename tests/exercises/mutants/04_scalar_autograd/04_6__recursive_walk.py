"""mutant 04.6: walks the graph recursively from the root, passing each gradient on as
soon as a node is reached (before all paths into it have added their share)."""


def _backward_all(self):
    self.grad = 1.0

    def walk(node):
        node._backward()
        for child in dict.fromkeys(node._prev):
            walk(child)

    walk(self)


Value.backward = _backward_all  # noqa: F821

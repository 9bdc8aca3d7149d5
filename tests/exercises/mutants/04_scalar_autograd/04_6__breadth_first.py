"""mutant 04.6: breadth-first from the root, each node once, without a topological order."""

from collections import deque


def _backward_all(self):
    self.grad = 1.0
    queue, seen = deque([self]), {id(self)}
    while queue:
        node = queue.popleft()
        node._backward()
        for child in node._prev:
            if id(child) not in seen:
                seen.add(id(child))
                queue.append(child)


Value.backward = _backward_all  # noqa: F821

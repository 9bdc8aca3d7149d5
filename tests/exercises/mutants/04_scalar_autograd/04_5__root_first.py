"""mutant 04.5: returns the order reversed (root first, inputs last)."""


def topo_sort(root):
    order, seen = [], set()
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        stack.extend((child, False) for child in node._prev if child not in seen)
    return order[::-1]

"""mutant 04.5: remembers visited nodes by their .data, so equal numbers are merged."""


def topo_sort(root):
    order, seen = [], set()
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if node.data in seen:
            continue
        seen.add(node.data)
        stack.append((node, True))
        stack.extend((child, False) for child in node._prev)
    return order

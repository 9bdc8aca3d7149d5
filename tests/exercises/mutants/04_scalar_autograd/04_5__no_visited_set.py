"""mutant 04.5: no visited set: a node reached by two paths appears twice."""


def topo_sort(root):
    order = []
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        else:
            stack.append((node, True))
            stack.extend((child, False) for child in node._prev)
    return order

"""mutant 04.5: appends each node when first reached (pre-order), then reverses."""


def topo_sort(root):
    order, seen = [], set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        order.append(node)
        stack.extend(node._prev)
    return order[::-1]

"""mutant 04.5: the textbook recursive DFS, which hits the recursion limit on deep graphs."""


def topo_sort(root):
    order, seen = [], set()

    def visit(node):
        if node not in seen:
            seen.add(node)
            for child in node._prev:
                visit(child)
            order.append(node)

    visit(root)
    return order

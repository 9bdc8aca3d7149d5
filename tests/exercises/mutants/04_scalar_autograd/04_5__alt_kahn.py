"""alternative 04.5: Kahn's algorithm on the reversed graph (count each node's users)."""

from collections import deque


def topo_sort(root):
    users = {id(root): 0}
    nodes = {id(root): root}
    frontier = [root]
    while frontier:
        node = frontier.pop()
        for child in node._prev:
            if id(child) not in nodes:
                nodes[id(child)] = child
                users[id(child)] = 0
                frontier.append(child)
            users[id(child)] += 1
    ready, reverse = deque([root]), []
    while ready:
        node = ready.popleft()
        reverse.append(node)
        for child in node._prev:
            users[id(child)] -= 1
            if users[id(child)] == 0:
                ready.append(child)
    return reverse[::-1]

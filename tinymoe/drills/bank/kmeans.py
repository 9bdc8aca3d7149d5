"""k-means (Lloyd's algorithm)

Write `kmeans(X, centroids, n_iter)`: `X` is `(n, d)` float data, `centroids` the `(k, d)`
starting centres (do not modify it). Repeat `n_iter` times, or until the assignment no
longer changes:

1. assign each point to its nearest centre (squared Euclidean distance; on a tie, the
   centre with the lower index);
2. move each centre to the mean of the points assigned to it. A centre with no points
   keeps its position (no `nan`).

Return `(centroids, labels, inertia)`: the final `(k, d)` centres, the `(n,)` int labels
of the final assignment *to those centres* (each point's nearest final centre), and a
list of floats, the objective `sum_i ||x_i - c_{label_i}||^2` after every update step (so
`inertia[-1]` is the objective of the returned centres and labels).

Worked example:

    X = [[0, 0], [0, 1], [10, 0], [10, 1]],  centroids = [[0, 0], [1, 0]]
    step 1: labels [0, 0, 1, 1] -> centres [[0, 0.5], [10, 0.5]], inertia 4 * 0.25 = 1.0
    step 2: labels unchanged -> stop.  Returns ([[0, .5], [10, .5]], [0, 0, 1, 1], [1.0])

Constraints: NumPy only; no Python loop over the points (a loop over the `k` centres or
the iterations is fine). `k` may exceed the number of distinct points.
"""

import numpy as np

LEVEL = "medium"
TOPICS = ("classic-ml",)
MINUTES = 20
KIND = "implement"


def kmeans(X, centroids, n_iter=100):
    """(n, d), (k, d) -> (centroids (k, d), labels (n,) int, inertia: list of floats)."""
    # BEGIN SOLUTION
    X = np.asarray(X, dtype=float)
    c = np.array(centroids, dtype=float)
    labels = None
    inertia = []
    for _ in range(n_iter):
        d2 = ((X[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)
        new = d2.argmin(axis=1)
        if labels is not None and np.array_equal(new, labels):
            break
        labels = new
        for j in range(len(c)):
            members = X[labels == j]
            if len(members):
                c[j] = members.mean(axis=0)
        inertia.append(float(((X - c[labels]) ** 2).sum()))
    d2 = ((X[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)
    return c, d2.argmin(axis=1), inertia
    # END SOLUTION

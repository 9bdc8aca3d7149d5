"""k-nearest-neighbour classifier

Write `knn_predict(X_train, y_train, X_test, k)`: `X_train` is `(n, d)`, `y_train` `(n,)`
int class ids, `X_test` `(m, d)`. For each test point take the `k` training points
nearest to it (Euclidean distance) and return the majority class among their labels, as
an `(m,)` int array.

Rules that make the answer unique:
- distance ties: among equally distant training points, the lower training index is
  nearer (a stable sort of the distances);
- vote ties: among classes with the same number of votes, the smallest class id wins;
- `k` larger than `n` uses all `n` training points.

Worked example:

    X_train = [[0], [1], [2], [10]],  y_train = [0, 0, 1, 1]
    knn_predict(X_train, y_train, [[0.9], [9], [1.5]], k=3)  ->  [0, 1, 0]
    # 1.5: neighbours 1 (class 0) and 2 (class 1) tie at 0.5, then 0 (class 0): 0 wins 2-1
    # with k=2 the vote at 1.5 is 1-1 and the smaller class, 0, wins.

Constraints: NumPy only; compute all test-to-train distances at once (no Python loop
over the test points). `||a - b||^2 = ||a||^2 - 2 a.b + ||b||^2` is one way.
"""

import numpy as np

LEVEL = "medium"
TOPICS = ("classic-ml",)
MINUTES = 15
KIND = "implement"


def knn_predict(X_train, y_train, X_test, k):
    """(n, d), (n,) int, (m, d), k -> (m,) int predicted classes."""
    # BEGIN SOLUTION
    X_train = np.asarray(X_train, dtype=float)
    X_test = np.asarray(X_test, dtype=float)
    y_train = np.asarray(y_train, dtype=np.int64)
    d2 = ((X_test[:, None, :] - X_train[None, :, :]) ** 2).sum(axis=2)
    k = min(k, len(X_train))
    nearest = np.argsort(d2, axis=1, kind="stable")[:, :k]
    votes = np.zeros((len(X_test), int(y_train.max()) + 1), dtype=np.int64)
    np.add.at(votes, (np.arange(len(X_test))[:, None], y_train[nearest]), 1)
    return votes.argmax(axis=1)
    # END SOLUTION

"""mutant 03.5: draws indices with replacement (rng.integers), so some repeat, some never come."""


def minibatch_indices(n, batch_size, rng):
    order = rng.integers(0, n, size=n)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]

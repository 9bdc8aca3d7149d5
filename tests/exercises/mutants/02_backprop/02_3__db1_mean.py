"""mutant 02.3: db1 is the mean of dz1 over the batch, not the sum."""


def backward(params, cache, dy_hat):
    x, h = cache
    dh, dW2, db2 = linear_backward(h, params["W2"], dy_hat)  # noqa: F821
    dz1 = dh * (1 - h**2)
    _, dW1, _ = linear_backward(x, params["W1"], dz1)  # noqa: F821
    return {"W1": dW1, "b1": dz1.mean(axis=0), "W2": dW2, "b2": db2}

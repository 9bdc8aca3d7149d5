"""Hidden tests for the 2-layer MLP: oracle tinymoe autograd (matmul, relu,
nn.functional.cross_entropy) for the loss and every gradient, the He/normal init
statistics, and training on Gaussian blobs (the loss falls, accuracy > 95%)."""

import numpy as np

import tinymoe as tm
from tinymoe.grading.feedback import assert_close


def _engine(params, X, y):
    with tm.use_backend("numpy"):
        p = {k: tm.tensor(v, requires_grad=True) for k, v in params.items()}
        h = (tm.tensor(X) @ p["W1"] + p["b1"]).relu()
        loss = tm.nn.functional.cross_entropy(h @ p["W2"] + p["b2"], y)
        loss.backward()
    return loss.item(), {k: v.grad for k, v in p.items()}


def _blobs(rng, n_per_class=50):
    centres = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]])
    X = np.concatenate([c + rng.standard_normal((n_per_class, 2)) * 0.7 for c in centres])
    return X, np.repeat(np.arange(3), n_per_class)


def test_loss_and_grads_match_autograd(drill):
    rng = np.random.default_rng(0)
    for _ in range(3):
        n, d_in, hidden, classes = (int(v) for v in rng.integers(2, 9, size=4))
        params = {"W1": rng.standard_normal((d_in, hidden)), "b1": rng.standard_normal(hidden),
                  "W2": rng.standard_normal((hidden, classes)),
                  "b2": rng.standard_normal(classes)}
        X, y = rng.standard_normal((n, d_in)), rng.integers(0, classes, size=n)
        loss, grads = drill.loss_and_grads({k: v.copy() for k, v in params.items()}, X, y)
        want_loss, want = _engine(params, X, y)
        assert_close(loss, want_loss, rtol=1e-9,
                     err_msg="loss must be the MEAN softmax cross-entropy over the batch")
        hints = {"b2": "db2 = column sums of dlogits, dlogits = (softmax - onehot) / N",
                 "W2": "dW2 = h.T @ dlogits (h after the ReLU)",
                 "b1": "db1 = column sums of dh masked by (X @ W1 + b1 > 0)",
                 "W1": "dW1 = X.T @ (dh masked where the ReLU's input was > 0)"}
        for name in ("b2", "W2", "b1", "W1"):
            got = grads[name]
            assert np.shape(got) == params[name].shape, (
                f"grads[{name!r}] must have the shape of params[{name!r}] "
                f"{params[name].shape}, got {np.shape(got)}")
            assert_close(got, want[name], rtol=1e-8, atol=1e-12,
                         err_msg=f"grads[{name!r}] is wrong: {hints[name]}")


def test_init_statistics(drill):
    params = drill.init_params(200, 300, 7, np.random.default_rng(1))
    assert params["W1"].shape == (200, 300) and params["W2"].shape == (300, 7), (
        "W1 must be (d_in, H) and W2 (H, C)")
    assert_close(np.std(params["W1"]), np.sqrt(2 / 200), rtol=0.03,
                 err_msg="W1 must use He init, std sqrt(2 / d_in)")
    assert_close(np.std(params["W2"]), np.sqrt(1 / 300), rtol=0.1,
                 err_msg="W2 must have std sqrt(1 / d_hidden)")
    assert_close(np.concatenate([params["b1"], params["b2"]]), 0.0, err_msg="biases start at 0")


def test_training_fits_gaussian_blobs(drill):
    X, y = _blobs(np.random.default_rng(2))
    params, losses = drill.train(X, y, 16, 0.5, 300, seed=3)
    assert len(losses) == 300, f"losses must have one entry per step (300), got {len(losses)}"
    assert losses[-1] < 0.1 < 0.5 < losses[0], (
        f"training must bring the loss from above 0.5 to below 0.1; went {losses[0]:.3f} -> "
        f"{losses[-1]:.3g} (check the sign of the update and the gradients)")
    h = np.maximum(X @ params["W1"] + params["b1"], 0)
    accuracy = np.mean(np.argmax(h @ params["W2"] + params["b2"], axis=1) == y)
    assert accuracy > 0.95, f"trained accuracy on separable blobs is {accuracy:.2%}"
    _, again = drill.train(X, y, 16, 0.5, 300, seed=3)
    assert_close(again, losses, err_msg="train must be deterministic for a given seed")

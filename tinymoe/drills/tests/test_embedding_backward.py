"""Hidden tests for the embedding lookup: oracle tinymoe.nn.functional.embedding (value and
autograd gradient of the table for a random upstream), with many repeated ids."""

import numpy as np

import tinymoe as tm
from tinymoe.grading.feedback import assert_close, close, diagnose


def _engine(ids, W, dout):
    with tm.use_backend("numpy"):
        w = tm.tensor(W, requires_grad=True)
        out = tm.nn.functional.embedding(ids, w)
        out.backward(dout)
    return out.data, w.grad


def test_forward_picks_rows(drill):
    rng = np.random.default_rng(0)
    n_vocab, dim = 11, 3
    W = rng.standard_normal((n_vocab, dim))
    ids = rng.integers(0, n_vocab, size=(4, 7))
    got = drill.embedding_forward(ids, W)
    assert np.shape(got) == (4, 7, dim), (
        f"ids of shape (B, T)=(4, 7) must give (B, T, D)=(4, 7, {dim}), got {np.shape(got)}")
    assert_close(got, _engine(ids, W, np.zeros((4, 7, dim)))[0],
                 err_msg="embedding_forward: out[b, t] must be W[ids[b, t]]")


def test_backward_accumulates_repeated_ids(drill):
    rng = np.random.default_rng(1)
    for _ in range(4):
        n_vocab, dim = int(rng.integers(3, 20)), int(rng.integers(1, 6))
        shape = tuple(int(n) for n in rng.integers(1, 9, size=2))
        ids = rng.integers(0, max(n_vocab // 2, 1), size=shape)  # many repeats, unused rows
        W = rng.standard_normal((n_vocab, dim))
        dout = rng.standard_normal(shape + (dim,))
        got = drill.embedding_backward(ids, dout.copy(), n_vocab)
        want = _engine(ids, W, dout)[1]
        last_write = np.zeros_like(want)
        last_write[ids.ravel()] += dout.reshape(-1, dim)
        message = diagnose(got, want, {
            "repeated ids keep only one gradient (dW[ids] += dout does not accumulate "
            "duplicates): use np.add.at": last_write,
        })
        assert close(got, want, rtol=1e-12, atol=1e-12), (
            f"embedding_backward with ids {shape}: {message}")


def test_worked_example_and_unused_rows(drill):
    got = drill.embedding_backward(np.array([1, 3, 1]), np.array([[1.0], [2.0], [5.0]]), 4)
    assert_close(got, [[0.0], [6.0], [0.0], [2.0]],
                 err_msg="ids [1, 3, 1], dout [1, 2, 5]: row 1 gets 1 + 5, unused rows 0")

"""Hidden tests for the drill im2col_conv. Oracle: the convolution's definition as a
plain loop over output positions written here, and the statement's worked example."""

import numpy as np
import pytest

from tinymoe.grading.feedback import assert_close


def _direct(x, w, b, stride, padding):
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    oh, ow = (h + 2 * padding - kh) // stride + 1, (wd + 2 * padding - kw) // stride + 1
    out = np.zeros((n, f, oh, ow))
    for r in range(oh):
        for s in range(ow):
            patch = xp[:, :, r * stride:r * stride + kh, s * stride:s * stride + kw]
            out[:, :, r, s] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3]))
    return out if b is None else out + b[None, :, None, None]


def test_worked_example(drill):
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    want = np.array([[0, 2, 8, 10], [1, 3, 9, 11], [4, 6, 12, 14], [5, 7, 13, 15]], float)
    got = np.asarray(drill.im2col(x, 2, 2, stride=2))
    assert got.shape == (1, 4, 4), f"im2col shape {got.shape}; expected (1, 4, 4)"
    if np.array_equal(got[0], want.T):
        raise AssertionError("im2col is transposed: rows are the (c, i, j) patch entries, "
                             "columns the output positions")
    assert_close(got[0], want, err_msg="im2col of the worked example is wrong")


@pytest.mark.parametrize("case", range(3))
def test_conv_matches_direct_loop(drill, case):
    rng = np.random.default_rng(1661 + case)
    n, c, f = (int(v) for v in rng.integers(1, 4, 3))
    kh, kw = (int(v) for v in rng.integers(1, 4, 2))
    stride, padding = int(rng.integers(1, 4)), int(rng.integers(0, 3))
    h, wd = int(rng.integers(kh, 9)), int(rng.integers(kw, 9))
    x, w = rng.standard_normal((n, c, h, wd)), rng.standard_normal((f, c, kh, kw))
    b = rng.standard_normal(f) if case % 2 else None
    want = _direct(x, w, b, stride, padding)
    context = (f"x {x.shape}, w {w.shape}, stride={stride}, padding={padding}, "
               f"bias={'yes' if b is not None else 'None'}")
    got = np.asarray(drill.conv2d(x, w, b, stride=stride, padding=padding))
    assert got.shape == want.shape, (
        f"{context}: output shape {got.shape}; expected {want.shape} "
        "(OH = (H + 2 padding - KH) // stride + 1)")
    assert_close(got, want, rtol=1e-10, atol=1e-10, err_msg=f"{context}: conv2d differs from "
                 "the direct sum over (c, i, j) (patch order vs w.reshape(F, -1)?)")
    cols = np.asarray(drill.im2col(x, kh, kw, stride, padding))
    assert cols.shape == (n, c * kh * kw, want.shape[2] * want.shape[3]), (
        f"{context}: im2col shape {cols.shape}; expected "
        f"{(n, c * kh * kw, want.shape[2] * want.shape[3])}")
    assert_close(np.einsum("fk,nkp->nfp", w.reshape(f, -1), cols).reshape(want.shape),
                 want - (0 if b is None else b[None, :, None, None]), rtol=1e-10, atol=1e-10,
                 err_msg=f"{context}: im2col's rows are not in (c, i, j) order or its columns "
                 "not in (oh, ow) order")


def test_input_not_modified_and_one_by_one_kernel(drill):
    rng = np.random.default_rng(1667)
    x, w = rng.standard_normal((2, 3, 5, 4)), rng.standard_normal((4, 3, 1, 1))
    keep = x.copy()
    got = np.asarray(drill.conv2d(x, w, None, stride=1, padding=0))
    assert np.array_equal(x, keep), "conv2d modified its input"
    assert_close(got, np.einsum("fc,nchw->nfhw", w[:, :, 0, 0], x), rtol=1e-10, atol=1e-12,
                 err_msg="a 1x1 convolution must be a matrix product over the channels")

"""Hidden tests for the drill seed004_he_init. Oracles: the fan definitions on linear and
convolution shapes, sample variances of large draws (5% bands, many standard errors
wide), and the He property: a deep ReLU network keeps its activations' mean square."""

import numpy as np


def test_fans_of_linear_and_conv_weights(drill):
    for shape, want in (((256, 64), (64, 256)), ((10, 30), (30, 10)),
                        ((32, 16, 3, 3), (144, 288)), ((8, 4, 5, 1), (20, 40))):
        got = tuple(int(v) for v in drill.fans(shape))
        assert got == want, f"fans({shape}) = {got}; expected (fan_in, fan_out) = {want}"


def test_sample_variances(drill):
    rng = np.random.default_rng(1711)
    for shape in ((512, 64), (64, 512), (64, 32, 3, 3)):
        receptive = int(np.prod(shape[2:]))
        fan_in, fan_out = shape[1] * receptive, shape[0] * receptive
        w = np.asarray(drill.xavier_normal(shape, rng))
        assert w.shape == shape, f"xavier_normal({shape}) returned shape {w.shape}"
        want = 2 / (fan_in + fan_out)
        assert abs(w.var() / want - 1) < 0.05, (
            f"xavier_normal({shape}) has variance {w.var():.3g}; Glorot's is {want:.3g}")
        w = np.asarray(drill.he_normal(shape, rng))
        assert w.shape == shape, f"he_normal({shape}) returned shape {w.shape}"
        assert abs(w.mean()) < 0.05 * np.sqrt(2 / fan_in), f"he_normal({shape}) is not centred"
        ratio = w.var() * fan_in / 2
        assert abs(ratio - 1) < 0.05, (
            f"he_normal({shape}) has variance {w.var():.3g}, {ratio:.3g} times the variance "
            f"that keeps a ReLU layer with {fan_in} inputs per unit at constant scale")


def test_deep_relu_network_keeps_its_scale(drill):
    rng = np.random.default_rng(1712)
    widths = [16, 32, 64, 128, 256, 512, 1024]       # every layer widens
    a = rng.standard_normal((256, widths[0]))
    start = float(np.mean(a ** 2))
    squares = []
    for n_in, n_out in zip(widths, widths[1:]):
        w = np.asarray(drill.he_normal((n_out, n_in), rng))
        a = np.maximum(a @ w.T, 0)
        squares.append(float(np.mean(a ** 2)))
    drift = squares[-1] / start
    assert 0.5 < drift < 2, (
        f"through 6 widening He-initialised ReLU layers ({widths[0]} -> {widths[-1]} units) "
        f"the activations' mean square goes from {start:.3g} to {squares[-1]:.3g} "
        f"(x{drift:.3g}); per layer: {[round(s, 3) for s in squares]}")

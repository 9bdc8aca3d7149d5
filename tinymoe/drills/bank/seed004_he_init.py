"""Spot the bug: fan-in, fan-out, He and Xavier initialisation (seed 004)

This code has a bug (or several): find and fix it. Part of it follows the initialisation
formulas of seed 004, an article on training large models (docs/sources.md#seed-004).

What the code is supposed to do. Weights use PyTorch's layout: a linear layer's weight is
`(fan_out_units, fan_in_units)` = `(out, in)`, a convolution's is `(out, in, kh, kw)`.

- `fans(shape)` returns `(fan_in, fan_out)`: the number of inputs feeding one output unit,
  and the number of outputs one input unit feeds. For `(out, in)`: `(in, out)`. For
  `(out, in, kh, kw)`: `(in * kh * kw, out * kh * kw)` (every kernel position counts).
- `xavier_normal(shape, rng)`: N(0, 2 / (fan_in + fan_out)) (Glorot and Bengio, 2010).
- `he_normal(shape, rng)`: N(0, 2 / fan_in) (He et al., 2015). With it, the mean square
  of the activations of a deep ReLU network stays about constant from layer to layer,
  whether the layers widen or narrow.

Worked example: `fans((256, 64))` is `(64, 256)`; `he_normal((256, 64), rng)` has standard
deviation `sqrt(2 / 64) = 0.177`; `fans((32, 16, 3, 3))` is `(144, 288)`.

The hidden tests measure variances on large samples and push data through a deep ReLU
network whose layers widen.
"""

import math

LEVEL = "easy"
TOPICS = ("init", "debugging")
MINUTES = 10
KIND = "spot-the-bug"


def fans(shape):
    """(out, in, *kernel) -> (fan_in, fan_out)."""
    # BEGIN SOLUTION
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive
    # BUGGY
    fan_out, fan_in = shape[0], shape[1]
    return fan_in, fan_out
    # END SOLUTION


def xavier_normal(shape, rng):
    """Glorot normal weights of the given shape."""
    fan_in, fan_out = fans(shape)
    return rng.normal(0.0, math.sqrt(2.0 / (fan_in + fan_out)), size=shape)


def he_normal(shape, rng):
    """He (Kaiming) normal weights of the given shape, for ReLU networks."""
    fan_in, fan_out = fans(shape)
    # BEGIN SOLUTION
    return rng.normal(0.0, math.sqrt(2.0 / fan_in), size=shape)
    # BUGGY
    return rng.normal(0.0, math.sqrt(2.0 / max(fan_in, fan_out)), size=shape)
    # END SOLUTION

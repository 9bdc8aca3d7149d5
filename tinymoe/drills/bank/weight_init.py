"""Xavier and He initialisation

Write two initialisers for the weight of a linear layer `y = x W^T` with `fan_in` inputs and
`fan_out` outputs. Both return a float64 array of shape `(fan_out, fan_in)` drawn from the
NumPy `Generator` `rng` they are given (never from the global `np.random` state):

- `xavier_uniform(fan_in, fan_out, rng, gain=1.0)`: uniform on `[-b, b]` with variance
  `gain^2 * 2 / (fan_in + fan_out)` (Glorot & Bengio; for tanh/sigmoid/linear layers). A
  uniform on `[-b, b]` has variance `b^2 / 3`.
- `he_normal(fan_in, fan_out, rng)`: normal with mean 0 and variance `2 / fan_in` (He et al.
  2015, for ReLU layers: ReLU zeroes half of the signal, the factor 2 gives it back).

Worked example: `xavier_uniform(300, 100, rng)` has shape `(100, 300)` and entries in
`[-0.1225, 0.1225]` (`b = sqrt(6 / 400)`); `he_normal(100, 400, rng)` has standard deviation
`sqrt(2 / 100) = 0.1414`, whatever `fan_out` is.

Constraints: NumPy only. Same `rng` state in, same array out.
"""

import math

LEVEL = "easy"
TOPICS = ("init",)
MINUTES = 10
KIND = "implement"


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    """(fan_out, fan_in) float64 array, uniform with variance gain^2 * 2 / (fan_in + fan_out)."""
    # BEGIN SOLUTION
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, size=(fan_out, fan_in))
    # END SOLUTION


def he_normal(fan_in, fan_out, rng):
    """(fan_out, fan_in) float64 array, normal with mean 0 and variance 2 / fan_in."""
    # BEGIN SOLUTION
    return rng.normal(0.0, math.sqrt(2.0 / fan_in), size=(fan_out, fan_in))
    # END SOLUTION

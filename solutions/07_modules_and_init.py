"""Lesson 07: modules and initialisation.

A `Module` bundles parameters with the computation that uses them; assigning a `Parameter`
(or another Module) to an attribute registers it, so `parameters()` finds every weight of
a deep network. You build `Linear` and `MLP` on tinymoe's `Module`/`Parameter`.

How the weights START decides whether a deep network trains at all. With
y = W x and W's entries drawn with variance s^2, Var(y) = fan_in * s^2 * E[x^2]: pick s
too small and the signal dies layer after layer, too large and it explodes (or saturates
tanh). Xavier/Glorot (tanh, linear): Var(W) = 2 / (fan_in + fan_out). He/Kaiming (ReLU):
Var(W) = 2 / fan_in, the 2 making up for ReLU zeroing half of its inputs.
"""

import math

import numpy as np

from tinymoe.nn import Module, ModuleList, Parameter
from tinymoe.nn import functional as F
from tinymoe.rng import generator


def xavier_std(fan_in, fan_out):
    """Standard deviation of Xavier/Glorot normal initialisation.

    Var(W) = 2 / (fan_in + fan_out): the compromise between keeping the forward signal
    (fan_in * Var = 1) and the backward gradient (fan_out * Var = 1) at constant scale.
    Returns a float (the standard deviation, not the variance).

    Example:
        >>> xavier_std(100, 300)   # sqrt(2 / 400)
        0.07071067811865475
    """
    # BEGIN SOLUTION 07.1: the square root of 2 / (fan_in + fan_out)
    return math.sqrt(2.0 / (fan_in + fan_out))
    # END SOLUTION


def he_std(fan_in, fan_out):
    """Standard deviation of He/Kaiming normal initialisation for ReLU layers.

    Only ONE of the two fans belongs in the formula: the number of inputs each output
    sums over (Var(y) = fan_in * Var(W) * E[x^2], and ReLU keeps E[x^2] = Var(pre) / 2).
    fan_out is accepted so that he_std and xavier_std share a signature. Returns a float.

    Example:
        >>> he_std(512, 128)       # sqrt(2 / 512)
        0.0625
    """
    # BEGIN SOLUTION 07.2: the square root of 2 / fan_in (fan_out plays no part)
    return math.sqrt(2.0 / fan_in)
    # END SOLUTION


def init_std(scheme, fan_in, fan_out):
    """The weight standard deviation for `scheme`: "xavier", "he", or a number (used as is)."""
    if scheme == "xavier":
        return xavier_std(fan_in, fan_out)
    if scheme == "he":
        return he_std(fan_in, fan_out)
    if isinstance(scheme, int | float) and not isinstance(scheme, bool) and scheme >= 0:
        return float(scheme)
    raise ValueError(f"init: unknown scheme {scheme!r}; use 'xavier', 'he' or a std >= 0")


class Linear(Module):
    """y = x @ weight.T + bias, for x (*, in_features) -> y (*, out_features)."""

    def __init__(self, in_features, out_features, bias=True, init="he", dtype=np.float32):
        """Register `weight` (out_features, in_features), PyTorch's layout, drawn from
        N(0, std^2) with std = init_std(init, in_features, out_features), and `bias`
        (out_features,) of zeros, or no bias when bias=False (then self.bias is None).
        Both are Parameters of `dtype`. Draw with tinymoe.rng.generator(), so that
        tm.manual_seed(n) makes the initialisation reproducible. Also store
        self.in_features and self.out_features.

        Example: Linear(3, 2).weight.shape == (2, 3) and
        [name for name, _ in Linear(3, 2).named_parameters()] == ["weight", "bias"].
        """
        # BEGIN SOLUTION 07.3: call super().__init__(), then register weight (out, in) and bias
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        std = init_std(init, in_features, out_features)
        weight = generator().normal(0.0, std, (out_features, in_features))
        self.weight = Parameter(weight.astype(dtype))
        self.register_parameter("bias", Parameter(np.zeros(out_features, dtype)) if bias else None)
        # END SOLUTION

    def forward(self, x):
        """x: Tensor (*, in_features). Returns x @ weight.T (+ bias): (*, out_features).

        Built from tinymoe Tensor ops, so backward comes for free: after y.sum().backward(),
        weight.grad has shape (out_features, in_features) and bias.grad (out_features,).
        """
        # BEGIN SOLUTION 07.4: x @ self.weight.T, plus the bias when there is one
        y = x @ self.weight.T
        return y if self.bias is None else y + self.bias
        # END SOLUTION

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}"


ACTIVATIONS = {"relu": F.relu, "tanh": F.tanh, "sigmoid": F.sigmoid, "linear": lambda x: x}


class MLP(Module):
    """Linear layers of `sizes` ([784, 256, 10] is two layers), `activation` after every
    layer but the last. `init` goes to every Linear."""

    def __init__(self, sizes, activation="relu", init="he", dtype=np.float32):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"MLP: unknown activation {activation!r}; use {list(ACTIVATIONS)}")
        self.activation = activation
        self.layers = ModuleList(
            Linear(fan_in, fan_out, init=init, dtype=dtype)
            for fan_in, fan_out in zip(sizes[:-1], sizes[1:])
        )

    def forward(self, x, return_hidden=False):
        """x: Tensor (N, sizes[0]). Returns the output (N, sizes[-1]); with
        return_hidden=True, returns (output, hidden), hidden being the list of the
        len(sizes) - 2 activations after each hidden layer (each a Tensor (N, sizes[k])).

        The last layer has no activation: it produces raw scores (logits).
        Example: sizes [4, 8, 8, 2] -> Linear, act, Linear, act, Linear; 2 hidden tensors.
        """
        # BEGIN SOLUTION 07.5: Linear then activation for every layer but the last; collect hidden
        act = ACTIVATIONS[self.activation]
        hidden = []
        for layer in self.layers[:-1]:
            x = act(layer(x))
            hidden.append(x)
        out = self.layers[-1](x)
        return (out, hidden) if return_hidden else out
        # END SOLUTION


def num_parameters(module):
    """The number of trainable scalars in `module`, an int (each parameter counted once,
    even if shared by two layers). Example: Linear(3, 2) has 3 * 2 + 2 = 8."""
    # BEGIN SOLUTION 07.6: add up the sizes of module.parameters() (it lists shared ones once)
    return sum(p.numel() for p in module.parameters())
    # END SOLUTION

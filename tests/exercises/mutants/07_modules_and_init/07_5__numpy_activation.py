"""mutant 07.5: applies the activation with NumPy on .data, so no gradient flows back through
the hidden layers."""

import numpy as np

import tinymoe as tm

NUMPY_ACTS = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh,
              "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "linear": lambda z: z}


def _forward(self, x, return_hidden=False):
    act = NUMPY_ACTS[self.activation]
    hidden = []
    for layer in self.layers[:-1]:
        x = tm.tensor(act(layer(x).data))
        hidden.append(x)
    out = self.layers[-1](x)
    return (out, hidden) if return_hidden else out


MLP.forward = _forward  # noqa: F821

"""mutant 07.5: always uses ReLU, ignoring self.activation."""

from tinymoe.nn import functional as F


def _forward(self, x, return_hidden=False):
    hidden = []
    for layer in self.layers[:-1]:
        x = F.relu(layer(x))
        hidden.append(x)
    out = self.layers[-1](x)
    return (out, hidden) if return_hidden else out


MLP.forward = _forward  # noqa: F821

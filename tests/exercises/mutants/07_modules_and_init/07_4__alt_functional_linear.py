"""alternative 07.4: delegates to tinymoe.nn.functional.linear."""

from tinymoe.nn import functional as F


def _forward(self, x):
    return F.linear(x, self.weight, self.bias)


Linear.forward = _forward  # noqa: F821

"""mutant 07.4: always adds self.bias, so a layer built with bias=False fails."""


def _forward(self, x):
    return x @ self.weight.T + self.bias


Linear.forward = _forward  # noqa: F821

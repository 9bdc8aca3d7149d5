"""mutant 07.4: multiplies by weight instead of weight.T when the shapes happen to allow it
(a square layer), and by weight.T otherwise."""


def _forward(self, x):
    w = self.weight if self.weight.shape[0] == self.weight.shape[1] else self.weight.T
    y = x @ w
    return y if self.bias is None else y + self.bias


Linear.forward = _forward  # noqa: F821

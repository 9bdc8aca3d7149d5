"""mutant 07.4: reshapes x to 2-D (-1, in_features) and never restores the leading axes."""


def _forward(self, x):
    y = x.reshape(-1, self.in_features) @ self.weight.T
    return y if self.bias is None else y + self.bias


Linear.forward = _forward  # noqa: F821

"""mutant 07.4: adds self.bias.data (a NumPy array) instead of the Parameter, so bias gets no
gradient."""


def _forward(self, x):
    y = x @ self.weight.T
    return y if self.bias is None else y + self.bias.data


Linear.forward = _forward  # noqa: F821

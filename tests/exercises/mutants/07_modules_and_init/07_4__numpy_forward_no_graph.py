"""mutant 07.4: computes y with NumPy on .data and wraps it in a new Tensor: right values, but
no gradient ever reaches weight, bias or x."""

import tinymoe as tm


def _forward(self, x):
    y = x.data @ self.weight.data.T
    if self.bias is not None:
        y = y + self.bias.data
    return tm.tensor(y)


Linear.forward = _forward  # noqa: F821

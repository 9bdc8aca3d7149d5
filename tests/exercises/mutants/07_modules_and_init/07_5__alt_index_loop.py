"""alternative 07.5: an index loop over all layers, the activation skipped on the last one."""


def _forward(self, x, return_hidden=False):
    hidden = []
    n = len(self.layers)
    for i in range(n):
        x = self.layers[i](x)
        if i < n - 1:
            x = ACTIVATIONS[self.activation](x)  # noqa: F821
            hidden.append(x)
    if return_hidden:
        return x, hidden
    return x


MLP.forward = _forward  # noqa: F821

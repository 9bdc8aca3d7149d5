"""mutant 07.5: the hidden list starts with the input x (one tensor too many)."""


def _forward(self, x, return_hidden=False):
    act = ACTIVATIONS[self.activation]  # noqa: F821
    hidden = [x]
    for layer in self.layers[:-1]:
        x = act(layer(x))
        hidden.append(x)
    out = self.layers[-1](x)
    return (out, hidden) if return_hidden else out


MLP.forward = _forward  # noqa: F821

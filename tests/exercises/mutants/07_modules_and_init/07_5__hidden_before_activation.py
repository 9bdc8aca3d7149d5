"""mutant 07.5: collects the hidden values BEFORE the activation (pre-activations)."""


def _forward(self, x, return_hidden=False):
    act = ACTIVATIONS[self.activation]  # noqa: F821
    hidden = []
    for layer in self.layers[:-1]:
        z = layer(x)
        hidden.append(z)
        x = act(z)
    out = self.layers[-1](x)
    return (out, hidden) if return_hidden else out


MLP.forward = _forward  # noqa: F821

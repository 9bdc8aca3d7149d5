"""mutant 07.5: applies the activation after the last layer too (no raw logits)."""


def _forward(self, x, return_hidden=False):
    act = ACTIVATIONS[self.activation]  # noqa: F821
    hidden = []
    for layer in self.layers:
        x = act(layer(x))
        hidden.append(x)
    hidden = hidden[:-1]
    return (x, hidden) if return_hidden else x


MLP.forward = _forward  # noqa: F821

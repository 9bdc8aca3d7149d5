"""mutant 15.3: outputs[:, -1], the last step, which is padding for shorter sequences."""


def last_hidden(outputs, lengths):
    return outputs[:, -1]

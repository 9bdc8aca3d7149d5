"""mutant 15.3: the mean over all T steps, padding included."""


def last_hidden(outputs, lengths):
    return outputs.mean(1)

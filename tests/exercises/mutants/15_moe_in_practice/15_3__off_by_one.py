"""mutant 15.3: step lengths[b] instead of lengths[b] - 1 (one past the last real token)."""

import numpy as np


def last_hidden(outputs, lengths):
    return outputs[np.arange(len(lengths)), np.asarray(lengths)]

"""mutant 15.3: converts the outputs to NumPy first, so a Tensor loses its graph."""

import numpy as np


def last_hidden(outputs, lengths):
    data = np.asarray(getattr(outputs, "data", outputs))
    return data[np.arange(len(lengths)), np.asarray(lengths) - 1]

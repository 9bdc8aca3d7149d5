"""alternative 15.3: a one-hot mask over time, multiplied in and summed over the steps."""

import numpy as np


def last_hidden(outputs, lengths):
    steps = outputs.shape[1]
    mask = (np.arange(steps)[None, :] == np.asarray(lengths)[:, None] - 1)  # (B, T)
    return (outputs * mask[:, :, None].astype(outputs.dtype)).sum(1)

"""alternative 14.4: concatenate the heads along the channel axis."""

import numpy as np


def merge_heads(x):
    return np.concatenate([x[:, h] for h in range(x.shape[1])], axis=-1)

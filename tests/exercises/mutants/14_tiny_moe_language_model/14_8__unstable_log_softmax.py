"""mutant 14.8: log(softmax) from exp of the raw logits (overflows at 1e4)."""

import numpy as np


def perplexity(logits, targets):
    with np.errstate(all="ignore"):
        p = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
        nll = -np.log(np.take_along_axis(p, np.asarray(targets)[..., None], axis=-1))
    return float(np.exp(nll.mean()))

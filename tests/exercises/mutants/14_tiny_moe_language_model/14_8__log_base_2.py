"""mutant 14.8: the NLL in bits (log2), then exp: mixes bases."""

import numpy as np


def perplexity(logits, targets):
    z = logits - logits.max(axis=-1, keepdims=True)
    log2_p = (z - np.log(np.exp(z).sum(axis=-1, keepdims=True))) / np.log(2)
    nll = -np.take_along_axis(log2_p, np.asarray(targets)[..., None], axis=-1)
    return float(np.exp(nll.mean()))

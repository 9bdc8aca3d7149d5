"""mutant 14.8: the perplexity of each sequence, then their average."""

import numpy as np


def perplexity(logits, targets):
    z = logits - logits.max(axis=-1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    nll = -np.take_along_axis(log_p, np.asarray(targets)[..., None], axis=-1)[..., 0]
    return float(np.mean(np.exp(nll.mean(axis=1))))

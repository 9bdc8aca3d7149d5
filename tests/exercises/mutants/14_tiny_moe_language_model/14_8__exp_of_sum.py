"""mutant 14.8: exp of the summed NLL instead of the mean."""

import numpy as np


def perplexity(logits, targets):
    z = logits - logits.max(axis=-1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    nll = -np.take_along_axis(log_p, np.asarray(targets)[..., None], axis=-1)
    with np.errstate(over="ignore"):
        return float(np.exp(nll.sum()))

"""mutant 14.8: logits -= max in place: the caller's logits are changed."""

import numpy as np


def perplexity(logits, targets):
    logits -= logits.max(axis=-1, keepdims=True)
    log_p = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
    nll = -np.take_along_axis(log_p, np.asarray(targets)[..., None], axis=-1)
    return float(np.exp(nll.mean()))

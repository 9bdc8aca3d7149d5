"""alternative 15.5: one softmax per modality on the columns it may use (np.ix_), top k by a
lexsort on (expert id, -probability)."""

import numpy as np


def modality_route(logits, modality, expert_modality, k):
    probs = np.zeros(logits.shape)
    for mod in np.unique(modality):
        rows = np.flatnonzero(modality == mod)
        cols = np.flatnonzero((expert_modality == -1) | (expert_modality == mod))
        sub = logits[np.ix_(rows, cols)]
        sub = np.exp(sub - sub.max(axis=1, keepdims=True))
        probs[np.ix_(rows, cols)] = sub / sub.sum(axis=1, keepdims=True)
    ids = np.arange(logits.shape[1])
    expert = np.stack([np.lexsort((ids, -row))[:k] for row in probs])
    return probs, expert.reshape(len(probs), k)

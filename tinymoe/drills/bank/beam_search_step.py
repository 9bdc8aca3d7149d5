"""One step of beam search

A decoder keeps `B` partial sequences (beams) with cumulative log-probabilities
`scores` `(B,)`. The model gives next-token log-probabilities `log_probs` `(B, V)`. Write
`beam_search_step(scores, log_probs, k, finished=None, eos_id=0)` that returns the `k` best
continuations as four arrays of length `k' = min(k, number of candidates)`:
`(new_scores, parents, tokens, new_finished)`.

Candidates:
- a beam that is not finished offers `V` candidates: token `v` with score
  `scores[b] + log_probs[b, v]`;
- a finished beam (`finished[b]` True; `finished=None` means none are) offers exactly ONE
  candidate: itself, with token `eos_id` and its score unchanged (it must not be extended,
  and must not appear `V` times).

Keep the `k'` candidates with the highest scores, best first; equal scores are ordered by
`(parent, token)` ascending. `new_finished[i]` is True when candidate `i`'s parent was
finished or its token is `eos_id`. `parents` and `tokens` are int arrays.

Worked example (`V = 3`, `eos_id = 0`, `k = 3`):

    scores   = [-1.0, -2.0],  finished = [False, True]
    log_probs = log [[0.1, 0.6, 0.3], [0.2, 0.2, 0.6]]
    candidates: (0, 0) -3.303, (0, 1) -1.511, (0, 2) -2.204, and (1, eos) -2.0 (finished)
    -> new_scores [-1.511, -2.0, -2.204], parents [0, 1, 0], tokens [1, 0, 2],
       new_finished [False, True, False]

Constraints: NumPy only; no Python loop over the vocabulary (a vocabulary has 50k tokens).
`k` may exceed the number of candidates; log-probabilities may be `-inf` (a banned token).
"""

import numpy as np

LEVEL = "hard"
TOPICS = ("sampling", "transformers")
MINUTES = 25
KIND = "implement"


def beam_search_step(scores, log_probs, k, finished=None, eos_id=0):
    """(B,), (B, V) -> (new_scores (k',), parents (k',), tokens (k',), new_finished (k',))."""
    # BEGIN SOLUTION
    scores = np.asarray(scores, dtype=float)
    log_probs = np.asarray(log_probs, dtype=float)
    b, v = log_probs.shape
    done = np.zeros(b, bool) if finished is None else np.asarray(finished, bool)
    total = scores[:, None] + log_probs
    total[done] = scores[done, None]
    valid = np.ones((b, v), bool)
    valid[done] = False
    valid[done, eos_id] = True
    flat = np.flatnonzero(valid)
    order = flat[np.argsort(-total.ravel()[flat], kind="stable")][:k]
    parents, tokens = np.divmod(order, v)
    return total.ravel()[order], parents, tokens, done[parents] | (tokens == eos_id)
    # END SOLUTION

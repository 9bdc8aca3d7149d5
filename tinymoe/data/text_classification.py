"""Small labelled text tasks, generated deterministically (no download, no licence needed).

* ``make_reviews``: one-sentence "reviews" with three sentiment classes (negative, neutral,
  positive), imbalanced, where word order matters: "not" flips the adjective after it, and
  after "but" the second clause decides ("the plot was good but the acting was awful" is
  negative). A bag of words cannot tell "good but awful" from "awful but good"; a
  sequence model can.
* ``caption_digits``: short captions of digit labels ("a seven", "an even number",
  "a small number"), true or false, for image-text matching with ``load_digits``.
* ``WordTokenizer``: whitespace words to ids, ``<pad>`` = 0 and ``<unk>`` = 1, padded on
  the right, with the true lengths.
"""

from dataclasses import dataclass

import numpy as np

from tinymoe.data._common import get_rng

SENTIMENTS = ("negative", "neutral", "positive")
_NOUNS = ("movie", "plot", "acting", "music", "ending", "food", "service", "story")
_VERBS = ("was", "is", "seemed")
_ADJECTIVES = {  # polarity -1 / 0 / +1
    "awful": -1, "boring": -1, "bad": -1, "dull": -1,
    "okay": 0, "average": 0, "fine": 0,
    "good": 1, "great": 1, "lovely": 1, "superb": 1,
}
_INTENSIFIERS = ("very", "really", "quite")
_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


class WordTokenizer:
    """Words <-> ids over a fixed vocabulary; ``<pad>`` is id 0 and ``<unk>`` id 1.

    ``encode(texts, max_len=None) -> (ids (N, T) int64, lengths (N,) int64)``: each text
    split on whitespace, unknown words mapped to ``<unk>``, right-padded with 0 to the
    longest text (or cut to ``max_len``). ``decode(ids) -> str`` drops the padding.
    """

    def __init__(self, words) -> None:
        self.vocab = ["<pad>", "<unk>", *sorted(set(words) - {"<pad>", "<unk>"})]
        self.index = {w: i for i, w in enumerate(self.vocab)}

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def encode(self, texts, max_len: int | None = None):
        if isinstance(texts, str):
            raise TypeError("WordTokenizer.encode: pass a list of texts, not one string")
        rows = [[self.index.get(w, 1) for w in text.split()] for text in texts]
        if max_len is not None:
            rows = [r[:max_len] for r in rows]
        lengths = np.array([len(r) for r in rows], dtype=np.int64)
        width = max_len if max_len is not None else int(lengths.max(initial=0))
        ids = np.zeros((len(rows), width), dtype=np.int64)
        for i, r in enumerate(rows):
            ids[i, : len(r)] = r
        return ids, lengths

    def decode(self, ids) -> str:
        return " ".join(self.vocab[int(i)] for i in np.asarray(ids).ravel() if i != 0)


@dataclass
class TextTask:
    """A labelled text data set: ``texts`` (N strings), ``ids (N, T)`` int64 right-padded
    with 0, ``lengths (N,)``, ``labels (N,)`` int64 indices into ``classes``, and the
    ``tokenizer`` that made the ids."""

    texts: list
    ids: np.ndarray
    lengths: np.ndarray
    labels: np.ndarray
    classes: tuple
    tokenizer: WordTokenizer


def review_tokenizer() -> WordTokenizer:
    """The tokenizer of ``make_reviews`` (its vocabulary does not depend on the sample)."""
    return WordTokenizer(["the", "but", "not", *_NOUNS, *_VERBS, *_ADJECTIVES, *_INTENSIFIERS])


def _clause(rng, noun: str) -> tuple[list[str], int]:
    """"the <noun> <verb> [not] [very] <adjective>" and its polarity (-1, 0, +1).
    Negation flips a polar adjective; "not okay" is negative."""
    adjective = str(rng.choice(list(_ADJECTIVES)))
    words = ["the", noun, str(rng.choice(_VERBS))]
    polarity = _ADJECTIVES[adjective]
    if rng.random() < 0.35:
        words.append("not")
        polarity = -polarity if polarity else -1
    if rng.random() < 0.3:
        words.append(str(rng.choice(_INTENSIFIERS)))
    return [*words, adjective], polarity


def make_reviews(n_samples: int = 2000, seed: int | None = 0) -> TextTask:
    """``n_samples`` one- or two-clause reviews, labelled 0 negative, 1 neutral, 2 positive.

    A review is one clause ("the food was not very good": negative) or, with probability
    0.4, two clauses joined by "but", labelled by the second ("the plot was dull but the
    music was great": positive). About 2 % of the labels are flipped at random, so no
    model reaches 100 %. Deterministic for a given seed.
    """
    if n_samples < 1:
        raise ValueError(f"make_reviews: n_samples must be >= 1, got {n_samples}")
    rng = get_rng(seed)
    texts, labels = [], []
    for _ in range(n_samples):
        first, second = rng.choice(_NOUNS, size=2, replace=False)
        words, polarity = _clause(rng, str(first))
        if rng.random() < 0.4:
            more, polarity = _clause(rng, str(second))
            words = [*words, "but", *more]
        texts.append(" ".join(words))
        labels.append(polarity + 1)
    labels = np.array(labels, dtype=np.int64)
    noisy = rng.random(n_samples) < 0.02
    labels[noisy] = rng.integers(0, 3, int(noisy.sum()))
    tokenizer = review_tokenizer()
    ids, lengths = tokenizer.encode(texts)
    return TextTask(texts, ids, lengths, labels, SENTIMENTS, tokenizer)


def caption_tokenizer() -> WordTokenizer:
    """The tokenizer of ``caption_digits``."""
    return WordTokenizer(["a", "an", "number", "even", "odd", "small", "large", *_NAMES])


def _true_captions(digit: int) -> list[str]:
    name = _NAMES[digit]
    return [
        f"{'an' if name == 'eight' else 'a'} {name}",
        "an even number" if digit % 2 == 0 else "an odd number",
        "a small number" if digit < 5 else "a large number",
    ]


def caption_digits(digits, seed: int | None = 0):
    """One caption per digit label, true for half of them (chosen at random).

    digits: (N,) int labels 0..9. A true caption is one of "a seven" / "an eight" (the
    name), "an even number" / "an odd number", "a small number" (0-4) / "a large number"
    (5-9); a false one is drawn from the captions that are false for that digit.
    Returns (captions list of N strings, match (N,) int64: 1 if the caption is true).
    """
    digits = np.asarray(digits)
    if digits.ndim != 1 or (digits.size and (digits.min() < 0 or digits.max() > 9)):
        raise ValueError(f"caption_digits: digits must be 1-D labels 0..9, got shape "
                         f"{digits.shape}")
    rng = get_rng(seed)
    every = sorted({c for d in range(10) for c in _true_captions(d)})
    captions, match = [], rng.random(len(digits)) < 0.5
    for d, ok in zip(digits.tolist(), match):
        true = _true_captions(d)
        pool = true if ok else [c for c in every if c not in true]
        captions.append(str(rng.choice(pool)))
    return captions, match.astype(np.int64)

"""Character-level text for language models: the shipped Shakespeare corpus, a
``CharTokenizer``, a deterministic train/validation split and random ``(x, y)`` batches."""

import lzma
from importlib import resources
from typing import NamedTuple

import numpy as np

from tinymoe.errors import ShapeError, check_integer, fmt

CORPUS = "shakespeare.txt.xz"  # seven plays; provenance and licence: SHAKESPEARE_LICENSE.md


class CharTokenizer:
    """One id per distinct character of ``text``, in sorted order: ``encode(str) -> (n,)
    int64``, ``decode(ids) -> str``, ``vocab_size``, ``chars`` (id -> character)."""

    def __init__(self, text: str) -> None:
        if not isinstance(text, str) or not text:
            raise ValueError("CharTokenizer: needs a non-empty str to take its characters from")
        self.chars = sorted(set(text))
        self._ids = {ch: i for i, ch in enumerate(self.chars)}

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        """``text`` -> (len(text),) int64 ids; a character outside the vocabulary raises."""
        try:
            return np.fromiter((self._ids[ch] for ch in text), dtype=np.int64, count=len(text))
        except KeyError as err:
            raise ValueError(f"CharTokenizer.encode: character {err.args[0]!r} is not in the "
                             f"vocabulary of {self.vocab_size} characters") from None

    def decode(self, ids) -> str:
        """(n,) integer ids (any sequence) -> the string they encode."""
        array = np.asarray(getattr(ids, "data", ids))
        if array.shape == (0,):  # [] is float64 to NumPy
            return ""
        check_integer("CharTokenizer.decode", array, "ids")
        if array.ndim != 1:
            raise ShapeError(f"CharTokenizer.decode: ids must be 1-D, got {fmt(array.shape)}")
        if array.size and (array.min() < 0 or array.max() >= self.vocab_size):
            raise IndexError(f"CharTokenizer.decode: ids must lie in [0, {self.vocab_size}), "
                             f"got min {array.min()}, max {array.max()}")
        return "".join(self.chars[i] for i in array.tolist())

    def __repr__(self) -> str:
        return f"CharTokenizer(vocab_size={self.vocab_size})"


class TextData(NamedTuple):
    """``train`` and ``val``: (n,) int64 ids; ``tokenizer``: the ``CharTokenizer``."""

    train: np.ndarray
    val: np.ndarray
    tokenizer: CharTokenizer


def read_corpus() -> str:
    """The shipped corpus as one string (939,775 characters, 76 distinct)."""
    packed = resources.files("tinymoe.data").joinpath(CORPUS).read_bytes()
    return lzma.decompress(packed).decode("ascii")


def load_text(val_fraction: float = 0.1) -> TextData:
    """The shipped Shakespeare plays, character-tokenised and split without shuffling:
    the first ``1 - val_fraction`` of the text is ``train``, the rest ``val`` (with the
    default 0.1, validation is almost all of *The Tempest*, the last play: unseen,
    contiguous text). Deterministic: every call returns the same arrays."""
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"load_text: val_fraction must lie in (0, 1), got {val_fraction!r}")
    text = read_corpus()
    tokenizer = CharTokenizer(text)
    ids = tokenizer.encode(text)
    cut = int(round(len(ids) * (1.0 - val_fraction)))
    return TextData(ids[:cut], ids[cut:], tokenizer)


def get_batch(ids, block_size: int, batch_size: int, rng: np.random.Generator):
    """``batch_size`` random windows of ``ids`` (n,): ``x`` (B, T) and ``y`` (B, T) int64
    with ``y[b, t] = x[b, t + 1]`` (the next character), T = ``block_size``. ``rng`` is a
    ``numpy.random.Generator``; the starts are uniform over [0, n - T - 1]."""
    array = np.asarray(ids)
    check_integer("get_batch", array, "ids")
    if array.ndim != 1:
        raise ShapeError(f"get_batch: ids must be 1-D, got {fmt(array.shape)}")
    if block_size < 1 or batch_size < 1:
        raise ValueError(f"get_batch: block_size and batch_size must be >= 1, got "
                         f"{block_size} and {batch_size}")
    if len(array) <= block_size:
        raise ValueError(f"get_batch: {len(array)} ids cannot hold a window of block_size + 1 "
                         f"= {block_size + 1}")
    starts = rng.integers(0, len(array) - block_size, size=batch_size)
    window = starts[:, None] + np.arange(block_size + 1)  # (B, T + 1)
    chunk = array[window].astype(np.int64)
    return chunk[:, :-1], chunk[:, 1:]

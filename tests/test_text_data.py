"""The shipped Shakespeare corpus, the character tokenizer, the split and get_batch."""

import hashlib

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.data.text import CharTokenizer, get_batch, read_corpus


def test_the_corpus_is_the_documented_file():
    """SHAKESPEARE_LICENSE.md gives this digest, the size and the character count."""
    text = read_corpus()
    assert hashlib.sha256(text.encode("ascii")).hexdigest() == (
        "d8d305036ab8480f91ca52d1372443966778da2e8a2331c4165b057e6c08f6e8")
    assert len(text) == 939_775 and len(set(text)) == 76
    assert text.startswith("HAMLET, PRINCE OF DENMARK") and "Enter PROSPERO" in text


def test_load_text_splits_ninety_ten_without_shuffling():
    data = tm.data.load_text()
    text = read_corpus()
    assert len(data.train) + len(data.val) == len(text)
    assert abs(len(data.val) - 0.1 * len(text)) <= 1
    assert data.tokenizer.vocab_size == 76
    assert data.tokenizer.decode(data.train[:6]) == "HAMLET"
    assert data.tokenizer.decode(data.val) == text[len(data.train):]
    again = tm.data.load_text()
    np.testing.assert_array_equal(again.val, data.val)
    assert data.train.dtype == np.int64
    with pytest.raises(ValueError, match="val_fraction"):
        tm.data.load_text(val_fraction=1.0)


def test_tokenizer_round_trips_and_orders_ids_by_character():
    tok = CharTokenizer("hello, world")
    assert tok.chars == sorted(set("hello, world")) and tok.vocab_size == 9
    ids = tok.encode("lower")
    assert ids.dtype == np.int64 and ids.tolist() == [tok.chars.index(c) for c in "lower"]
    assert tok.decode(ids) == "lower"
    assert tok.decode(tm.tensor(ids)) == "lower" and tok.decode([]) == ""


def test_tokenizer_errors_name_the_problem():
    tok = CharTokenizer("abc")
    with pytest.raises(ValueError, match="character 'z' is not in the vocabulary of 3"):
        tok.encode("abz")
    with pytest.raises(IndexError, match=r"\[0, 3\)"):
        tok.decode([0, 3])
    with pytest.raises(tm.DTypeError, match="CharTokenizer.decode"):
        tok.decode(np.array([0.0]))
    with pytest.raises(ValueError, match="non-empty"):
        CharTokenizer("")


def test_get_batch_targets_are_the_inputs_shifted_by_one():
    ids = np.arange(100, dtype=np.int64) * 3
    x, y = get_batch(ids, 8, 5, np.random.default_rng(0))
    assert x.shape == y.shape == (5, 8) and x.dtype == y.dtype == np.int64
    np.testing.assert_array_equal(y[:, :-1], x[:, 1:])
    np.testing.assert_array_equal(y[:, -1], x[:, -1] + 3)  # the next id of the text
    assert np.all(np.diff(x, axis=1) == 3)  # contiguous windows
    x2, _ = get_batch(ids, 8, 5, np.random.default_rng(0))
    np.testing.assert_array_equal(x, x2)


def test_get_batch_reaches_both_ends_of_the_text():
    ids = np.arange(10)
    x, y = get_batch(ids, 9, 200, np.random.default_rng(1))
    assert set(x[:, 0].tolist()) == {0} and set(y[:, -1].tolist()) == {9}
    starts = get_batch(np.arange(20), 4, 500, np.random.default_rng(2))[0][:, 0]
    assert starts.min() == 0 and starts.max() == 20 - 4 - 1


def test_get_batch_errors():
    with pytest.raises(ValueError, match="cannot hold a window of block_size \\+ 1 = 6"):
        get_batch(np.arange(5), 5, 2, np.random.default_rng(0))
    with pytest.raises(tm.DTypeError, match="get_batch"):
        get_batch(np.zeros(20), 4, 2, np.random.default_rng(0))

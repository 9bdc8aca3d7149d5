"""The flashcard deck (tinymoe/drills/flashcards.toml): format, vocabulary, and the cards
the course promises (seed 000's interview questions, the corrections of the seeds)."""

import re
import tomllib
from collections import Counter
from pathlib import Path

import pytest

import tinymoe
from tinymoe.drills.core import TOPICS

DECK = Path(tinymoe.__file__).parent / "drills" / "flashcards.toml"
SOURCES = Path(__file__).resolve().parents[1] / "docs" / "sources.md"
FIELDS = {"id", "topic", "question", "answer", "source"}
ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

# Seed 000's five interview questions, answered correctly: id -> phrases the answer needs.
SEED000_QUESTIONS = {
    "seed000-optimise-large-model-training": ("mixed precision", "warm-up", "clipping"),
    "seed000-moe-advantages": ("own weights", "active", "does not compress"),
    "seed000-challenges": ("load balancing", "capacity", "all-to-all"),
    "seed000-evaluation-metrics": ("imbalance", "precision", "harmonic mean", "held-out"),
    "seed000-moe-in-nlp": ("feed-forward", "Switch Transformer", "Mixtral"),
}
# What the seeds got wrong, corrected: id -> phrases the answer needs.
SEED_CORRECTIONS = {
    "seed-moe-stands-for": ("Mixture of Experts", "Model-Efficient"),
    "seed-experts-share-no-weights": ("own parameters", "one expert"),
    "seed-moe-not-compression": ("adds parameters", "compute per token", "active"),
    "seed-he-variance": ("2 / fan_in", "ReLU"),
    "seed-fixed-weights-ensemble": ("ensemble", "function of the input", "no gradient"),
    "seed-f1-uses-precision": ("Precision and recall", "harmonic mean"),
    "seed-adam-epsilon": ("not a regularisation term", "learning rate"),
    "seed-sparse-activation": ("k of the E experts",),
    "seed-normalise-leak": ("training split only",),
    "seed-training-set-accuracy": ("held-out",),
}


def load_cards():
    with DECK.open("rb") as f:
        deck = tomllib.load(f)
    assert set(deck) == {"card"}, (
        f"{DECK.name}: expected only [[card]] tables at the top level, got keys {sorted(deck)}")
    return deck["card"]


CARDS = load_cards()
BY_ID = {card.get("id"): card for card in CARDS}


def test_at_least_sixty_cards():
    assert len(CARDS) >= 60, f"{DECK.name} has {len(CARDS)} cards; the course promises >= 60"


@pytest.mark.parametrize("index", range(len(CARDS)), ids=[str(c.get("id")) for c in CARDS])
def test_card_format(index):
    card = CARDS[index]
    where = f"{DECK.name} card #{index} (id={card.get('id')!r})"
    extra = set(card) - FIELDS
    assert not extra, f"{where}: unknown field(s) {sorted(extra)}; allowed: {sorted(FIELDS)}"
    for field in ("id", "topic", "question", "answer"):
        value = card.get(field)
        assert isinstance(value, str) and value.strip(), (
            f"{where}: field {field!r} must be a non-empty string, got {value!r}")
    assert ID_RE.match(card["id"]), (
        f"{where}: id must be a lowercase slug of words joined by '-', got {card['id']!r}")
    assert card["topic"] in TOPICS, (
        f"{where}: topic {card['topic']!r} is not in the drill vocabulary "
        f"{', '.join(sorted(TOPICS))}")


def test_ids_and_questions_are_unique():
    for field in ("id", "question"):
        repeated = [v for v, n in Counter(c[field] for c in CARDS).items() if n > 1]
        assert not repeated, f"{DECK.name}: {field} used by more than one card: {repeated}"


def test_sources_point_to_existing_anchors():
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', SOURCES.read_text(encoding="utf-8")))
    for card in CARDS:
        if "source" not in card:
            continue
        path, _, anchor = card["source"].partition("#")
        assert path == "docs/sources.md" and anchor in anchors, (
            f"{DECK.name} card {card['id']!r}: source {card['source']!r} is not an anchor of "
            f"docs/sources.md (anchors: {sorted(anchors)})")


@pytest.mark.parametrize("card_id, phrases",
                         sorted({**SEED000_QUESTIONS, **SEED_CORRECTIONS}.items()))
def test_seed_cards_present_and_cite_their_seed(card_id, phrases):
    card = BY_ID.get(card_id)
    assert card is not None, f"{DECK.name}: the card {card_id!r} is missing"
    assert card.get("source", "").startswith("docs/sources.md#seed-00"), (
        f"{DECK.name} card {card_id!r}: must cite its seed as docs/sources.md#seed-00N, "
        f"got source={card.get('source')!r}")
    missing = [p for p in phrases if p.lower() not in card["answer"].lower()]
    assert not missing, (
        f"{DECK.name} card {card_id!r}: the answer no longer says {missing}")


def test_seed000_cards_cite_seed000():
    for card_id in SEED000_QUESTIONS:
        assert BY_ID[card_id]["source"] == "docs/sources.md#seed-000", (
            f"{DECK.name} card {card_id!r}: seed 000's questions cite docs/sources.md#seed-000")


def test_every_topic_of_the_course_has_cards():
    counts = Counter(card["topic"] for card in CARDS)
    wanted = ("backprop", "autograd", "numerics", "init", "optim", "normalization",
              "regularization", "training", "attention", "transformers", "metrics", "moe")
    thin = {t: counts[t] for t in wanted if counts[t] < 2}
    assert not thin, f"{DECK.name}: topics with fewer than 2 cards: {thin}"

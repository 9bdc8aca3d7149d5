"""Flashcards: `tinymoe/drills/flashcards.toml` and a Leitner-box review.

Each `[[card]]` has `id`, `topic`, `question`, `answer` and optionally `source`. A card the
candidate knew moves up one box and comes back after INTERVAL_DAYS[box] days; a card they
did not know goes back to box 0 and comes back in the next session. The schedule is kept
in `.tinymoe/flashcards.json` ({"id": {"box": 1, "due": <epoch seconds>}}).
"""

from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from tinymoe.drills import state

CARDS = Path(__file__).resolve().parent / "flashcards.toml"
INTERVAL_DAYS = (0, 1, 3, 7, 14, 30)  # by box: box 0 = due again now


@dataclass(frozen=True)
class Card:
    id: str
    topic: str
    question: str
    answer: str
    source: str = ""


def load_cards(path: Path = CARDS) -> list[Card]:
    """The cards of `path`; ValueError names a card with a missing or unknown field."""
    with open(path, "rb") as f:
        tables = tomllib.load(f).get("card", [])
    cards = []
    for n, table in enumerate(tables, 1):
        try:
            cards.append(Card(**table))
        except TypeError as err:
            raise ValueError(f"{path}: card {n} ({table.get('id', '?')}): {err}") from None
    return cards


def due_cards(cards: list[Card], schedule: dict, when: float, topic: str | None,
              count: int) -> list[Card]:
    """Up to `count` cards due at `when` (new cards are due), most overdue and lowest box
    first; `topic` filters."""
    due = [c for c in cards if (not topic or c.topic == topic)
           and schedule.get(c.id, {}).get("due", 0.0) <= when]
    due.sort(key=lambda c: (schedule.get(c.id, {}).get("due", 0.0),
                            schedule.get(c.id, {}).get("box", 0)))
    return due[:count]


def reschedule(entry: dict | None, knew: bool, when: float) -> dict:
    """The card's next schedule entry after an answer at `when`."""
    box = min((entry or {}).get("box", 0) + 1, len(INTERVAL_DAYS) - 1) if knew else 0
    return {"box": box, "due": when + 86400 * INTERVAL_DAYS[box]}


def _ask(prompt: str) -> str | None:
    """One line from stdin (None at its end); from a pipe, the reply is not echoed, so end
    the prompt's line."""
    try:
        reply = input(prompt)
    except EOFError:
        return None
    if not sys.stdin.isatty():
        print()
    return reply


def review(root: Path, topic: str | None, count: int, path: Path = CARDS) -> int:
    """The `flashcards` command: show each due card, reveal its answer on Enter, ask
    "knew it? [y/n]" and reschedule. Reads answers from stdin (a pipe works)."""
    cards = load_cards(path)
    if topic and topic not in {c.topic for c in cards}:
        print(f"no cards on {topic!r}; topics: {', '.join(sorted({c.topic for c in cards}))}")
        return 2
    schedule = state.load(root, "flashcards")
    todo = due_cards(cards, schedule, state.now(), topic, count)
    if not todo:
        print("no card is due: come back later (or pick another --topic)")
        return 0
    known = seen = 0
    for n, card in enumerate(todo, 1):
        print(f"\n[{n}/{len(todo)}] ({card.topic}) {card.question}")
        if _ask("(Enter shows the answer) ") is None:
            break
        print(card.answer + (f"\n  source: {card.source}" if card.source else ""))
        reply = _ask("knew it? [y/n] ")
        while reply is not None and reply.strip().lower() not in ("y", "n", "yes", "no"):
            reply = _ask("please answer y or n: ")
        if reply is None:
            break
        knew = reply.strip().lower().startswith("y")
        schedule[card.id] = reschedule(schedule.get(card.id), knew, state.now())
        known, seen = known + knew, seen + 1
        state.save(root, "flashcards", schedule)
    print(f"\nknew {known} of {seen}; "
          f"{sum(1 for c in cards if c.id not in schedule)} cards never seen")
    return 0

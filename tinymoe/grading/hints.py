"""Hints: one TOML file per lesson in tinymoe/grading/hints/, `["NN.M"]` tables with a
`title` and three `hints` (concept, shapes and signature, step list)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

HINTS_DIR = Path(__file__).parent / "hints"


@dataclass(frozen=True)
class Hint:
    title: str
    hints: tuple[str, ...]


def load_hints(folder: Path | None = None) -> dict[str, Hint]:
    """Exercise id -> Hint, from every NN_topic.toml in `folder` (default: HINTS_DIR)."""
    found = {}
    for path in sorted((folder or HINTS_DIR).glob("[0-9][0-9]_*.toml")):
        with open(path, "rb") as f:
            for exercise_id, table in tomllib.load(f).items():
                found[exercise_id] = Hint(
                    str(table.get("title", "")), tuple(map(str, table.get("hints", ())))
                )
    return found


def titles() -> dict[str, str]:
    return {exercise_id: hint.title for exercise_id, hint in load_hints().items()}

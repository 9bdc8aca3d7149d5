"""The learner's progress: `.tinymoe/progress.json` at the checkout root (ignored by git).

{"results": {"01.2": {"earned": 2, "possible": 3, "status": "PARTIAL", "when": "..."}},
 "hints": {"01.2": 1}}
"""

from __future__ import annotations

import json
import time
from pathlib import Path


def progress_path(root: Path) -> Path:
    return root / ".tinymoe" / "progress.json"


def load(root: Path) -> dict:
    path = progress_path(root)
    data = json.loads(path.read_text()) if path.exists() else {}
    return {"results": data.get("results", {}), "hints": data.get("hints", {})}


def save(root: Path, data: dict) -> None:
    path = progress_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


def record_grades(root: Path, exercises) -> None:
    """Store the latest grade of each graded exercise (ExerciseResult objects)."""
    data = load(root)
    when = time.strftime("%Y-%m-%d %H:%M")
    for ex in exercises:
        data["results"][ex.exercise_id] = {
            "earned": ex.earned, "possible": ex.possible, "status": ex.status, "when": when
        }
    save(root, data)


def hints_used(root: Path, exercise_id: str) -> int:
    return load(root)["hints"].get(exercise_id, 0)


def set_hints_used(root: Path, exercise_id: str, level: int) -> None:
    data = load(root)
    data["hints"][exercise_id] = level
    save(root, data)

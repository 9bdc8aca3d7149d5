"""The candidate's record, in small JSON files under `.tinymoe/` (ignored by git).

`.tinymoe/drills.json`:
  {"current": "stable_softmax",
   "drills": {"stable_softmax": {"started": 1700000000.0, "attempts": 2, "solved_s": 412.0}},
   "mock": {"slugs": [...], "started": ..., "minutes": 45}}   (only during a mock interview)
`.tinymoe/drills/<slug>.py`: the candidate's workspace file for each drawn drill.
`.tinymoe/flashcards.json`: {"card-id": {"box": 2, "due": 1700000000.0}}.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from tinymoe.grading.paths import repo_root


def now() -> float:
    """The clock (seconds since the epoch); tests replace it."""
    return time.time()


def workspace_root() -> Path:
    """The checkout (see tinymoe.grading.paths.repo_root), else the current folder."""
    try:
        return repo_root()
    except FileNotFoundError:
        return Path.cwd()


def state_dir(root: Path) -> Path:
    return root / ".tinymoe"


def workspace_file(root: Path, slug: str) -> Path:
    return state_dir(root) / "drills" / f"{slug}.py"


def load(root: Path, name: str) -> dict:
    """The JSON object in `.tinymoe/<name>.json` ({} when absent)."""
    path = state_dir(root) / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else {}


def save(root: Path, name: str, data: dict) -> None:
    path = state_dir(root) / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


def load_drills(root: Path) -> dict:
    """drills.json with its keys filled in: current, drills, mock."""
    data = load(root, "drills")
    return {"current": data.get("current"), "drills": data.get("drills", {}),
            "mock": data.get("mock")}

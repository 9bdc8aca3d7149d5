"""Where things live: the repo root, lesson files, exercise ids."""

from __future__ import annotations

import os
import re
from pathlib import Path

ID_RE = re.compile(r"^(\d\d)\.(\d+)$")
LESSON_RE = re.compile(r"^(\d\d)(?:_\w+)?$")


def _is_root(path: Path) -> bool:
    return (path / "solutions").is_dir() or (path / "tests" / "exercises").is_dir()


def repo_root() -> Path:
    """The checkout holding solutions/, exercises/ and tests/exercises/.

    Order: $TINYMOE_ROOT, the folder above the installed package (editable install),
    then the first folder upward from the current directory that looks like a checkout.
    """
    env = os.environ.get("TINYMOE_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve().parents[2]
    if _is_root(here):
        return here
    cwd = Path.cwd().resolve()
    for path in (cwd, *cwd.parents):
        if _is_root(path):
            return path
    raise FileNotFoundError(
        "cannot find the tinymoe checkout (a folder with solutions/ or tests/exercises/); "
        "run from inside it or set TINYMOE_ROOT"
    )


def split_id(exercise_id: str) -> tuple[int, int]:
    """'01.2' -> (1, 2); raises ValueError naming the bad id."""
    match = ID_RE.match(exercise_id)
    if not match:
        raise ValueError(f"bad exercise id {exercise_id!r}: expected NN.M, e.g. 01.2")
    return int(match.group(1)), int(match.group(2))


def id_key(exercise_id: str) -> tuple[int, int]:
    """Sort key so that 01.10 comes after 01.9."""
    return split_id(exercise_id)


def lesson_file(folder: Path, lesson: str) -> Path:
    """The file `folder/NN_topic.py` for `lesson` given as 'NN' or 'NN_topic'."""
    match = LESSON_RE.match(lesson)
    if not match:
        raise ValueError(f"bad lesson name {lesson!r}: expected NN or NN_topic, e.g. 01_neurons")
    if lesson != match.group(1):
        return folder / f"{lesson}.py"
    found = sorted(folder.glob(f"{lesson}_*.py"))
    if len(found) != 1:
        names = ", ".join(p.name for p in found) or "none"
        raise FileNotFoundError(
            f"lesson {lesson}: expected one {folder}/{lesson}_*.py, found {names}"
        )
    return found[0]


def lesson_names(folder: Path) -> list[str]:
    """Sorted 'NN_topic' names of the lesson files in `folder`."""
    return sorted(p.stem for p in folder.glob("[0-9][0-9]_*.py"))

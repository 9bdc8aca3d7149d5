"""Load a lesson module (NN_topic.py) from solutions/, exercises/ or a submission folder."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

from tinymoe.grading.paths import lesson_file

IMPLS = ("solutions", "exercises")


def impl_dir(root: Path, impl: str | None = None, submission: str | Path | None = None) -> Path:
    """The folder holding the implementation under test.

    Precedence: `submission` folder, then `impl` ('solutions' | 'exercises' | a folder path),
    then $TINYMOE_IMPL (same values), then 'solutions'.
    """
    choice = submission or impl or os.environ.get("TINYMOE_IMPL") or "solutions"
    folder = root / choice if choice in IMPLS else Path(choice).expanduser().resolve()
    if not folder.is_dir():
        raise FileNotFoundError(f"implementation folder {folder} does not exist")
    return folder


def load_module(path: Path, name: str | None = None) -> ModuleType:
    """Import the file at `path` as a fresh module named `name` (default: from the path;
    lesson names start with digits)."""
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist")
    # A stable name: Numba's on-disk cache (cache=True) refers to the module by name.
    name = name or f"_tinymoe_{path.parent.name}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look the module up here
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def load_lesson(folder: Path, lesson: str) -> ModuleType:
    """Load lesson 'NN' or 'NN_topic' from `folder`."""
    return load_module(lesson_file(folder, lesson))

"""The environment ``make lab`` installs can run the autograder (``tinymoe grade``,
``check()`` in notebooks): the graded tests import pytest, hypothesis and torch."""

import pathlib
import re
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _names(requirements) -> set:
    return {re.split(r"[<>=!~ \[;]", r, maxsplit=1)[0].lower() for r in requirements}


def test_lessons_extra_can_run_the_autograder():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lessons = _names(project["optional-dependencies"]["lessons"])
    graded_needs = {"pytest", "pytest-timeout", "hypothesis", "torch"}
    assert graded_needs <= lessons, f"missing from [lessons]: {graded_needs - lessons}"
    assert {"jupyterlab", "ipykernel"} <= lessons


def test_console_script_points_at_the_cli():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["tinymoe"] == "tinymoe.cli:main"

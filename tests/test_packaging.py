"""The environment ``make lab`` installs can run the autograder (``tinymoe grade``,
``check()`` in notebooks): the graded tests import pytest and hypothesis, never torch
(the engine is their oracle), so the [lessons] extra need not install it."""

import pathlib
import re
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _names(requirements) -> set:
    return {re.split(r"[<>=!~ \[;]", r, maxsplit=1)[0].lower() for r in requirements}


def test_lessons_extra_can_run_the_autograder():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lessons = _names(project["optional-dependencies"]["lessons"])
    graded_needs = {"pytest", "pytest-timeout", "hypothesis"}
    assert graded_needs <= lessons, f"missing from [lessons]: {graded_needs - lessons}"
    assert {"jupyterlab", "ipykernel"} <= lessons


def test_graded_tests_never_import_torch():
    pattern = re.compile(r"^\s*(import torch|from torch\b)|importorskip\([\"']torch"
                         r"|^\s*def \w+\([^)]*\btorch\b", re.M)  # or the `torch` fixture
    files = sorted((ROOT / "tests" / "exercises").rglob("*.py"))
    assert files, "no graded tests found"
    offenders = [str(p.relative_to(ROOT)) for p in files if pattern.search(p.read_text())]
    assert offenders == [], f"graded tests must not use PyTorch: {offenders}"


def test_console_script_points_at_the_cli():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["tinymoe"] == "tinymoe.cli:main"

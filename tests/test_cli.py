"""The `tinymoe` console script: help without a display, hints and progress."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tinymoe import cli
from tinymoe.grading import hints, progress

HINTS = """\
["98.1"]
title = "Add two numbers"
hints = ["concept: addition", "shapes: add(a, b) -> number", "steps: return a + b"]

["98.2"]
title = "Square"
hints = ["concept: multiply", "shapes: square(n)", "steps: return n * n"]
"""


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    (tmp_path / "hints").mkdir()
    (tmp_path / "hints" / "98_demo.toml").write_text(HINTS)
    monkeypatch.setattr(hints, "HINTS_DIR", tmp_path / "hints")
    monkeypatch.setenv("TINYMOE_ROOT", str(tmp_path))
    return tmp_path


def test_help_works_headless():
    script = Path(sys.executable).with_name("tinymoe")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "tinymoe.cli"]
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "MPLBACKEND")}
    done = subprocess.run(
        [*command, "--help"], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    for command_name in ("stubs", "grade", "hint", "progress", "reset"):
        assert command_name in done.stdout


@pytest.mark.parametrize("command", ["stubs", "grade", "hint", "progress", "reset"])
def test_every_subcommand_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main([command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: tinymoe " + command in capsys.readouterr().out


def test_unknown_or_missing_command_is_a_usage_error(capsys):
    for argv in ([], ["frobnicate"]):
        with pytest.raises(SystemExit) as exit_info:
            cli.main(argv)
        assert exit_info.value.code == 2
    assert "usage: tinymoe" in capsys.readouterr().err


def test_hint_reveals_one_level_per_call(checkout, capsys):
    assert cli.main(["hint", "98.1"]) == 0
    out = capsys.readouterr().out
    assert "98.1 Add two numbers: hint 1 of 3" in out
    assert "concept: addition" in out and "shapes:" not in out and "again for the next" in out
    cli.main(["hint", "98.1"])
    out = capsys.readouterr().out
    assert "hint 2 of 3" in out and "shapes: add(a, b)" in out and "steps:" not in out
    cli.main(["hint", "98.1"])
    out = capsys.readouterr().out
    assert "hint 3 of 3" in out and "steps: return a + b" in out and "again" not in out
    cli.main(["hint", "98.1"])  # past the last level: says so, shows them all again
    out = capsys.readouterr().out
    assert "98.1 Add two numbers: no more hints (all 3 shown below)" in out
    assert "hint 3 of 3" not in out and "steps: return a + b" in out
    assert progress.hints_used(checkout, "98.1") == 3
    assert (checkout / ".tinymoe" / "progress.json").exists()

    assert cli.main(["hint", "98.1", "--reset"]) == 0
    assert progress.hints_used(checkout, "98.1") == 0
    cli.main(["hint", "98.2", "--all"])
    out = capsys.readouterr().out
    assert "hint 3 of 3" in out and "concept: multiply" in out and "steps: return n * n" in out
    assert progress.hints_used(checkout, "98.2") == 3


def test_hint_for_an_unknown_exercise_fails_clearly(checkout, capsys):
    assert cli.main(["hint", "98.9"]) == 2
    assert "no hints for exercise 98.9" in capsys.readouterr().err


def test_lesson_and_exercise_numbers_need_no_leading_zero():
    assert [cli.normalize_target(t) for t in ("1", "1.2", "01", "12.3", None, "x")] == [
        "01", "01.2", "01", "12.3", None, "x"
    ]


def test_progress_cuts_long_titles_at_a_word(checkout, capsys):
    long_title = "Backward of a linear layer with an upstream gradient other than one"
    (checkout / "hints" / "97_long.toml").write_text(
        f'["97.1"]\ntitle = "{long_title}"\nhints = ["a", "b", "c"]\n'
    )
    assert cli.main(["progress"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("97.1"))
    assert "Backward of a linear layer with an…" in row, row
    assert "upstream" not in row


def test_progress_shows_grades_and_hints(checkout, capsys):
    cli.main(["hint", "98.2"])
    data = progress.load(checkout)
    data["results"]["98.1"] = {"earned": 3, "possible": 3, "status": "PASS", "when": "now"}
    progress.save(checkout, data)
    capsys.readouterr()
    assert cli.main(["progress"]) == 0
    lines = capsys.readouterr().out.splitlines()
    row = {line.split()[0]: line for line in lines}
    assert "Add two numbers" in row["98.1"] and "3/3" in row["98.1"] and "PASS" in row["98.1"]
    assert "not graded" in row["98.2"] and row["98.2"].endswith("1/3")
    assert lines[-1] == "1 of 2 exercises passed; 3/3 points graded so far"


def test_stubs_command_reports_drift(tmp_path, monkeypatch, capsys):
    (tmp_path / "solutions").mkdir()
    (tmp_path / "exercises").mkdir()
    source = "def f():\n    # BEGIN SOLUTION 98.1: return one\n    return 1\n    # END SOLUTION\n"
    (tmp_path / "solutions" / "98_demo.py").write_text(source)
    monkeypatch.setenv("TINYMOE_ROOT", str(tmp_path))
    assert cli.main(["stubs", "--check"]) == 1
    assert "drift: exercises/98_demo.py is missing" in capsys.readouterr().out
    assert cli.main(["stubs"]) == 0
    assert cli.main(["stubs", "--check"]) == 0
    stub = (tmp_path / "exercises" / "98_demo.py").read_text()
    assert 'raise NotImplementedError("exercise 98.1: return one")' in stub

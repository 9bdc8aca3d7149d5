"""The drill bank (tinymoe/drills) and the `tinymoe drill` / `tinymoe flashcards` commands.

Meta-check of every drill: its metadata is valid, its hidden tests pass on the reference,
all fail on an implement drill's handout because of NotImplementedError, and at least one
fails on a spot-the-bug drill's handout. Two pytest subprocesses (reference, handout) run
all drill tests once per session (once in all under pytest-xdist); one parametrised test
per drill reads their results. Then the commands end to end in a temporary checkout.
"""

import io
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tinymoe import cli
from tinymoe.drills import core, flashcards, runner, state
from tinymoe.drills.cli import topic_stats

SLUGS = sorted(p.stem for p in core.BANK.glob("[a-z]*.py"))


def _run_bank(folder: Path) -> dict:
    """Both runs over every drill's tests, as {impl: {"results": [...], "output": str}}."""
    paths = sorted(core.TESTS.glob("test_*.py"))
    started = {impl: runner.start(paths, impl, folder / f"{impl}.jsonl")
               for impl in ("reference", "handout")}
    runs = {impl: runner.finish(p, folder / f"{impl}.jsonl", timeout=540)
            for impl, p in started.items()}
    return {impl: {"results": [r.__dict__ for r in run.results],
                   "output": run.output[-3000:], "timed_out": run.timed_out_after is not None}
            for impl, run in runs.items()}


def _once(path: Path, compute) -> dict:
    """compute() run by one pytest-xdist worker, its JSON result shared through `path`."""
    try:
        os.close(os.open(path.with_suffix(".lock"), os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        deadline = time.monotonic() + 600
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        return json.loads(path.read_text())
    try:
        data = compute()
    except Exception as err:  # the waiting workers fail at once instead of timing out
        data = {"error": repr(err)}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data))
    tmp.replace(path)
    return data


@pytest.fixture(scope="session")
def bank_runs(tmp_path_factory):
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    folder = shared / "drill_bank_runs"
    folder.mkdir(exist_ok=True)
    runs = _once(folder / "runs.json", lambda: _run_bank(folder))
    assert "error" not in runs, f"running the drill tests failed: {runs.get('error')}"
    return runs


def _results(bank_runs, impl: str, slug: str) -> list[runner.TestResult]:
    run = bank_runs[impl]
    assert not run["timed_out"], f"the {impl} run over the drill bank timed out"
    found = [runner.TestResult(**r) for r in run["results"]]
    found = [r for r in found if r.slug == slug]
    assert found, f"no test of {slug} ran on the {impl}:\n{run['output']}"
    return found


def test_the_bank_has_drills_and_every_test_file_its_drill():
    assert len(SLUGS) >= 1, "the drill bank is empty"
    orphans = [p.name for p in core.TESTS.glob("test_*.py")
               if p.stem.removeprefix("test_") not in SLUGS]
    assert not orphans, f"test files without a drill in bank/: {orphans}"


@pytest.mark.parametrize("slug", SLUGS)
def test_drill_metadata_is_valid(slug):
    drill = core.parse(core.BANK / f"{slug}.py")
    assert drill.test_path.is_file(), f"{slug}: no hidden tests at {drill.test_path}"
    assert drill.title and len(drill.statement) > len(drill.title), (
        f"{slug}: the statement has only a title")
    compile(drill.handout(), f"{slug} handout", "exec")
    if drill.kind == "spot-the-bug":
        assert "bug" in drill.statement.lower(), f"{slug}: the statement must say there is a bug"


@pytest.mark.parametrize("slug", SLUGS)
def test_drill_tests_pass_on_the_reference(bank_runs, slug):
    results = _results(bank_runs, "reference", slug)
    assert len(results) >= 2, f"{slug}: only {len(results)} hidden test(s); write 2 to 5"
    failed = [r for r in results if r.outcome != "passed"]
    assert not failed, f"{slug}: fails on its reference: " + "; ".join(
        f"{r.nodeid.split('::')[-1]} {r.outcome}: {r.message}" for r in failed)


@pytest.mark.parametrize("slug", SLUGS)
def test_drill_tests_fail_on_the_handout(bank_runs, slug):
    results = _results(bank_runs, "handout", slug)
    if core.parse(core.BANK / f"{slug}.py").kind == "implement":
        wrong = [r for r in results if not (r.outcome == "failed" and r.not_implemented)]
        assert not wrong, (f"{slug}: these tests do not fail on the handout because of "
                           f"NotImplementedError: " + "; ".join(
                               f"{r.nodeid.split('::')[-1]} {r.outcome} {r.message}"
                               for r in wrong))
    else:
        assert any(r.outcome == "failed" for r in results), (
            f"{slug}: every test passes on the buggy handout: the tests miss the bug")


# --- core: metadata and handouts -----------------------------------------------------------

GOOD = '''"""Double it

Return 2 * x.
"""

LEVEL = "easy"
TOPICS = ("numerics",)
MINUTES = 5
KIND = "implement"


class Doubler:
    def __call__(self, x):
        # BEGIN SOLUTION
        y = 2 * x
        return y
        # END SOLUTION
'''

BUGGY = GOOD.replace('KIND = "implement"', 'KIND = "spot-the-bug"').replace(
    "        return y\n", "        return y\n        # BUGGY\n        y = x\n\n        return y\n")


def test_handout_of_an_implement_drill_raises_at_the_block_indentation(tmp_path):
    path = tmp_path / "double_it.py"
    path.write_text(GOOD)
    drill = core.parse(path)
    assert (drill.title, drill.level, drill.topics, drill.minutes) == (
        "Double it", "easy", ("numerics",), 5)
    assert drill.statement == "Double it\n\nReturn 2 * x."
    handout = drill.handout()
    assert '        raise NotImplementedError("drill double_it")\n' in handout
    assert "BEGIN" not in handout and "2 * x\n" not in handout
    module = core.load_module(tmp_path / "double_it.py", "double_it")
    assert module.Doubler()(3) == 6 and module.__name__ == "_tinymoe_drill_double_it"


def test_handout_of_a_spot_the_bug_drill_is_the_buggy_part(tmp_path):
    path = tmp_path / "double_bug.py"
    path.write_text(BUGGY)
    handout = core.parse(path).handout()
    assert "        y = x\n\n        return y\n" in handout
    assert "y = 2 * x" not in handout and "BUGGY" not in handout and "SOLUTION" not in handout


@pytest.mark.parametrize("change, complaint", [
    (('LEVEL = "easy"', 'LEVEL = "trivial"'), "LEVEL='trivial'"),
    (('("numerics",)', '("numerics", "vibes")'), "unknown topic.*'vibes'"),
    (('("numerics",)', '"numerics"'), "TOPICS='numerics'"),
    (("MINUTES = 5", "MINUTES = 0"), "MINUTES=0"),
    (("MINUTES = 5", "MINUTES = N"), "MINUTES must be a literal"),
    (('KIND = "implement"\n', ""), "missing module constant.*KIND"),
    (('KIND = "implement"', 'KIND = "quiz"'), "KIND='quiz'"),
    (('"""Double it\n\nReturn 2 * x.\n"""', ""), "docstring"),
    (("        # END SOLUTION\n", ""), "BEGIN SOLUTION without END"),
    (("        return y\n", "        return y\n        # BUGGY\n        return x\n"),
     "BUGGY' in an implement drill"),
])
def test_malformed_drills_are_rejected_naming_the_file(tmp_path, change, complaint):
    path = tmp_path / "bad_drill.py"
    path.write_text(GOOD.replace(*change))
    with pytest.raises(core.DrillError, match=complaint) as err:
        core.parse(path)
    assert "bad_drill.py" in str(err.value)


def test_spot_the_bug_block_needs_one_buggy_part(tmp_path):
    path = tmp_path / "no_bug.py"
    path.write_text(GOOD.replace('KIND = "implement"', 'KIND = "spot-the-bug"'))
    with pytest.raises(core.DrillError, match="no_bug.py.*exactly one '# BUGGY'"):
        core.parse(path)


def test_spot_the_bug_correct_part_must_return_before_the_bug(tmp_path):
    """Otherwise the reference falls through into the broken code and runs it too."""
    path = tmp_path / "falls_through.py"
    path.write_text(BUGGY.replace("        return y\n        # BUGGY", "        # BUGGY", 1))
    with pytest.raises(core.DrillError, match="falls_through.py.*must end with a `return`"):
        core.parse(path).handout()


# --- the commands, end to end in a temporary checkout ----------------------------------------

class Clock:
    def __init__(self):
        self.t = 1_000_000.0

    def __call__(self):
        return self.t


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    """A temporary checkout (TINYMOE_ROOT) with a controllable clock."""
    monkeypatch.setenv("TINYMOE_ROOT", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    clock = Clock()
    monkeypatch.setattr(state, "now", clock)
    return tmp_path, clock


def _tinymoe(capsys, *argv) -> tuple[int, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out + err


def _drills_json(root: Path) -> dict:
    return json.loads((root / ".tinymoe" / "drills.json").read_text())


def test_draw_check_wrong_then_right_list_and_stats(checkout, capsys):
    root, clock = checkout
    code, out = _tinymoe(capsys, "drill", "--level", "easy", "--seed", "0")
    assert code == 0, out
    slug = _drills_json(root)["current"]
    drill = core.find(slug)
    workspace = root / ".tinymoe" / "drills" / f"{slug}.py"
    assert workspace.read_text() == drill.handout() and drill.level == "easy"
    assert drill.title in out and f"budget {drill.minutes} min" in out and str(
        workspace.relative_to(root)) in out

    clock.t += 120
    code, out = _tinymoe(capsys, "drill", "check")
    assert code == 1 and f"FAIL {slug}" in out, out
    assert "first failure:" in out and "NotImplementedError" in out, out

    shutil.copy(drill.path, workspace)
    clock.t += 300
    code, out = _tinymoe(capsys, "drill", "check")
    assert code == 0 and f"PASS {slug}" in out and "in 7.0 min" in out, out
    record = _drills_json(root)["drills"][slug]
    assert record["attempts"] == 2 and record["solved_s"] == 420

    code, out = _tinymoe(capsys, "drill", "list", "--level", "easy")
    row = next(line for line in out.splitlines() if line.startswith(slug + " "))
    assert " yes " in row and code == 0
    others = [line for line in out.splitlines()[1:-1] if not line.startswith(slug + " ")]
    assert all(" - " in line for line in others)

    code, out = _tinymoe(capsys, "drill", "stats")
    assert code == 0 and "solved 1 of" in out and "2 checks in all" in out, out
    ratio = f"{420 / (60 * drill.minutes):.2f}x"
    assert any(line.startswith(drill.topics[0]) and ratio in line for line in out.splitlines())

    _tinymoe(capsys, "drill", "--level", "easy", "--seed", "0")
    assert _drills_json(root)["current"] != slug, "a solved drill was drawn again"


def test_stats_put_the_weakest_topic_first():
    drills = [core.Drill("a", Path("a.py"), "A", "A.", "easy", ("moe",), 10, "implement"),
              core.Drill("b", Path("b.py"), "B", "B.", "easy", ("metrics",), 10, "implement"),
              core.Drill("c", Path("c.py"), "C", "C.", "easy", ("conv",), 10, "implement")]
    records = {"a": {"attempts": 1, "solved_s": 300.0}, "b": {"attempts": 4, "solved_s": None},
               "c": {"attempts": 2, "solved_s": 1200.0}}
    rows = topic_stats(drills, records)
    assert [r["topic"] for r in rows] == ["metrics", "conv", "moe"]
    assert rows[1]["median_ratio"] == 2.0 and rows[2]["median_ratio"] == 0.5


def test_mock_interview_rises_in_difficulty_and_ends_with_a_summary(checkout, capsys):
    root, clock = checkout
    code, out = _tinymoe(capsys, "drill", "mock", "--minutes", "45", "--seed", "1")
    assert code == 0, out
    mock = _drills_json(root)["mock"]
    levels = [core.find(s).level for s in mock["slugs"]]
    assert len(mock["slugs"]) == 3 and levels == sorted(levels, key=core.LEVELS.index)
    present = [level for level in core.LEVELS if any(d.level == level for d in core.bank())]
    if len(present) == 3:
        assert levels == ["easy", "medium", "hard"], levels
    first = mock["slugs"][0]
    shutil.copy(core.find(first).path, root / ".tinymoe" / "drills" / f"{first}.py")
    clock.t += 600
    code, out = _tinymoe(capsys, "drill", "check")
    assert code == 0 and f"next mock drill: {mock['slugs'][1]}" in out, out
    clock.t += 1200
    code, out = _tinymoe(capsys, "drill", "mock", "--finish")
    assert code == 0 and "1 of 3 solved, 30.0 min used of 45 min" in out, out
    assert f"{first}" in out and "solved at 10.0 min" in out and out.count("not solved") == 2
    assert _drills_json(root)["mock"] is None


def test_unknown_filters_and_missing_drill_are_clear_errors(checkout, capsys):
    code, out = _tinymoe(capsys, "drill", "--topic", "astrology")
    assert code == 2 and "unknown topic 'astrology'" in out
    code, out = _tinymoe(capsys, "drill", "check")
    assert code == 2 and "no current drill" in out
    code, out = _tinymoe(capsys, "drill", "check", "no_such_drill")
    assert code == 2 and "no drill named 'no_such_drill'" in out


# --- flashcards ----------------------------------------------------------------------------

def test_leitner_schedule():
    day = 86400
    assert flashcards.reschedule(None, True, 0.0) == {"box": 1, "due": 1 * day}
    assert flashcards.reschedule({"box": 1, "due": 0}, True, 0.0) == {"box": 2, "due": 3 * day}
    assert flashcards.reschedule({"box": 4, "due": 0}, False, 5.0) == {"box": 0, "due": 5.0}
    top = len(flashcards.INTERVAL_DAYS) - 1
    assert flashcards.reschedule({"box": top, "due": 0}, True, 0.0)["box"] == top


def test_flashcards_with_answers_from_stdin(checkout, capsys, monkeypatch):
    root, clock = checkout
    cards = flashcards.load_cards()
    topic = cards[0].topic
    monkeypatch.setattr(sys, "stdin", io.StringIO("\ny\n\nwhat?\nn\n"))
    code, out = _tinymoe(capsys, "flashcards", "--topic", topic, "--count", "2")
    assert code == 0 and "knew 1 of 2" in out and "please answer y or n" in out, out
    schedule = json.loads((root / ".tinymoe" / "flashcards.json").read_text())
    knew, missed = (c.id for c in flashcards.due_cards(cards, {}, clock.t, topic, 2))
    assert schedule[knew] == {"box": 1, "due": clock.t + 86400}
    assert schedule[missed] == {"box": 0, "due": clock.t}
    clock.t += 60
    due = [c.id for c in flashcards.due_cards(cards, schedule, clock.t, topic, len(cards))]
    assert missed in due and knew not in due


def test_flashcards_read_a_real_pipe(tmp_path):
    env = {**os.environ, "TINYMOE_ROOT": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "tinymoe.cli", "flashcards", "--count", "1"],
                          input="\ny\n", capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0 and "knew 1 of 1" in done.stdout, done.stdout + done.stderr
    assert json.loads((tmp_path / ".tinymoe" / "flashcards.json").read_text())

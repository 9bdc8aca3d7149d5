"""Audits of the graded exercises (docs/grading.md): every graded test passes on solutions/
and fails on fresh stubs *because of* NotImplementedError; exercises/ match solutions/;
no exercise imports solutions/ and nothing imports torch; every exercise has hints and
tests; every lesson has at least 4 graded exercises. The drift check runs in CI and for
maintainers only (see `enforces_stub_drift`)."""

import ast
import os
import re
from pathlib import Path

import pytest

from tinymoe.grading import hints, stubs
from tinymoe.grading.paths import ID_RE
from tinymoe.grading.report import GradeReport
from tinymoe.grading.runner import run_tests

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.py"))
EXERCISES = sorted((ROOT / "exercises").glob("[0-9][0-9]_*.py"))
GRADED = sorted((ROOT / "tests" / "exercises").glob("test_[0-9][0-9]_*.py"))
TIMEOUT_S = 120.0

needs_lessons = pytest.mark.skipif(not GRADED, reason="no graded lessons yet")


def offenders(results, ok) -> list[str]:
    return [f"{r.nodeid}: {r.outcome} {r.message}".strip() for r in results if not ok(r)]


@pytest.fixture(scope="module")
def stub_run(tmp_path_factory):
    """The graded tests run against freshly generated stubs."""
    folder = tmp_path_factory.mktemp("stubs")
    for path, text in stubs.expected_stubs(ROOT).items():
        (folder / path.name).write_text(text)
    return run_tests(ROOT, submission=folder, timeout=TIMEOUT_S)


LEARNER_SKIP = (
    "{what} in CI (CI=true) and for maintainers (TINYMOE_MAINTAINER=1) only: in a learner's "
    "checkout exercises/ holds your own answers, which are meant to differ from the stubs"
)


def enforces_stub_drift(environ) -> bool:
    """Whether this run is CI's or a maintainer's (CI or TINYMOE_MAINTAINER set, not 0/false).

    exercises/ is generated from solutions/ and then edited by the learner, so "exercises/
    differs from a fresh generation" is a defect only before a learner touches it: in the
    repository, which CI and maintainers check (the drift check, and the import audit of
    exercises/). A learner's `make test` must pass while they work, half-finished files
    included, and must never suggest regenerating exercises/ (that would replace their
    answers). Their files are graded by `tinymoe grade`, not by this audit.
    """
    return any(
        environ.get(flag, "").strip().lower() not in ("", "0", "false", "no")
        for flag in ("CI", "TINYMOE_MAINTAINER")
    )


def check_stub_drift(root: Path, environ) -> None:
    """Skip in a learner's checkout; in CI / for maintainers fail on any drifted file."""
    if not enforces_stub_drift(environ):
        pytest.skip(LEARNER_SKIP.format(what="stub drift is checked"))
    problems = stubs.drifted(root)
    assert problems == [], (
        "exercises/ does not match a fresh generation from solutions/ (maintainers: regenerate "
        "the stubs as docs/grading.md describes, and commit them):\n" + "\n".join(problems)
    )


def test_exercises_are_freshly_generated_from_solutions():
    check_stub_drift(ROOT, os.environ)


@pytest.mark.parametrize(
    ("environ", "enforced"),
    [({}, False), ({"CI": "true"}, True), ({"CI": "1"}, True), ({"CI": "false"}, False),
     ({"TINYMOE_MAINTAINER": "1"}, True), ({"TINYMOE_MAINTAINER": "0"}, False)],
)
def test_the_drift_check_skips_for_a_learner_and_fails_in_ci(tmp_path, environ, enforced):
    (tmp_path / "solutions").mkdir()
    (tmp_path / "exercises").mkdir()
    source = 'def f():\n    # BEGIN SOLUTION 98.1: one\n    return 1\n    # END SOLUTION\n'
    (tmp_path / "solutions" / "98_demo.py").write_text(source)
    (tmp_path / "exercises" / "98_demo.py").write_text("def f():\n    return 1  # my answer\n")
    if not enforced:
        with pytest.raises(pytest.skip.Exception, match="learner's checkout"):
            check_stub_drift(tmp_path, environ)
        return
    with pytest.raises(AssertionError, match="exercises/98_demo.py differs") as failure:
        check_stub_drift(tmp_path, environ)
    assert "tinymoe stubs" not in str(failure.value)
    (tmp_path / "exercises" / "98_demo.py").write_text(stubs.generate(source, "98_demo.py"))
    check_stub_drift(tmp_path, environ)  # freshly generated: passes


@needs_lessons
def test_every_graded_test_passes_on_solutions():
    run = run_tests(ROOT, impl="solutions", timeout=TIMEOUT_S)
    assert GradeReport.build(run, {}).errors == [], "collection errors or unmarked tests"
    bad = offenders(run.tests, lambda r: r.outcome == "passed")
    assert not bad, "graded tests that do not pass on solutions/:\n" + "\n".join(bad)


@needs_lessons
def test_every_graded_test_fails_on_the_stubs_because_of_not_implemented(stub_run):
    assert stub_run.errors == []
    assert stub_run.tests, "no graded test ran"
    bad = offenders(stub_run.tests, lambda r: r.outcome != "passed" and r.not_implemented)
    assert not bad, (
        "graded tests that pass on the stubs, or fail for a reason other than "
        "NotImplementedError (a test that cannot fail is a defect):\n" + "\n".join(bad)
    )


def imported_modules(path: Path) -> set[str]:
    """Top-level names of every module `path` imports, statically or by name."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add("." * node.level + (node.module or ""))
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names.add(str(node.args[0].value))
    return {name.split(".")[0] if not name.startswith(".") else name for name in names}


@pytest.mark.parametrize("path", EXERCISES + SOLUTIONS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_lesson_files_do_not_import_torch_or_solutions(path):
    if path.parent.name == "exercises" and not enforces_stub_drift(os.environ):
        pytest.skip(LEARNER_SKIP.format(what="exercises/ is audited"))
    imported = imported_modules(path)
    assert "torch" not in imported, f"{path.name} imports torch: exercises use NumPy/tinymoe"
    if path.parent.name == "exercises":
        assert "solutions" not in imported and not any(m.startswith(".") for m in imported), (
            f"exercises/{path.name} imports from solutions/"
        )


def graded_ids(path: Path) -> set[str]:
    """The ids in @pytest.mark.exercise("NN.M") decorators of a graded test file."""
    return set(re.findall(r"""mark\.exercise\(\s*["'](\d\d\.\d+)["']""", path.read_text()))


def solution_ids(path: Path) -> set[str]:
    return {block.exercise_id for block in stubs.find_blocks(path.read_text(), str(path))}


@pytest.mark.parametrize("path", GRADED, ids=lambda p: p.name)
def test_every_graded_exercise_has_a_title_and_three_hints(path):
    known = hints.load_hints()
    for exercise_id in sorted(graded_ids(path)):
        hint = known.get(exercise_id)
        assert hint is not None, f"{exercise_id} has no entry in tinymoe/grading/hints/"
        assert hint.title.strip(), f"hints for {exercise_id} need a title"
        assert len(hint.hints) == 3 and all(h.strip() for h in hint.hints), (
            f"hints for {exercise_id} need three levels: concept, shapes and signature, steps"
        )


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_every_lesson_has_four_graded_exercises_matching_its_blocks(path):
    tests = ROOT / "tests" / "exercises" / f"test_{path.name}"
    if not tests.exists():
        pytest.skip(f"no graded tests for {path.name} yet")
    blocks, graded = solution_ids(path), graded_ids(tests)
    assert all(ID_RE.match(i) and i[:2] == path.name[:2] for i in blocks | graded), (
        f"exercise ids must start with the lesson number {path.name[:2]}"
    )
    assert graded >= blocks, f"solution blocks without a graded test: {sorted(blocks - graded)}"
    assert blocks >= graded, f"graded ids without a solution block: {sorted(graded - blocks)}"
    assert len(graded) >= 4, f"lesson {path.name[:2]} has {len(graded)} graded exercises; need 4"

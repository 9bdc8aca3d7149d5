"""The grading machinery on a throwaway lesson 98 built in tmp_path: stub generation,
the grade run (timeouts and crashes included), reports, reset and the notebook helpers."""

import ast
import json
import shutil
import textwrap
from pathlib import Path

import numpy as np
import pytest

from tinymoe import cli
from tinymoe.grading import feedback, hints, notebook, progress, runner, stubs
from tinymoe.grading.grade import grade
from tinymoe.grading.pytest_plugin import caused_by_not_implemented
from tinymoe.grading.report import GradeReport
from tinymoe.grading.reset import ResetError, reset
from tinymoe.grading.runner import RunResult, TestResult

REPO = Path(__file__).resolve().parents[1]

SOLUTION = '''\
"""Lesson 98: a demo."""

import math


def add(a, b):
    """Add two numbers. Example: add(1, 2) == 3."""
    # BEGIN SOLUTION 98.1: add two "numbers"
    return a + b
    # END SOLUTION


def _helper(x):
    return x * x


def square(n):
    """n squared."""
    # BEGIN SOLUTION 98.2: return n squared
    return _helper(n)
    # END SOLUTION


def hypot(a, b):
    """Length of the hypotenuse."""
    # BEGIN SOLUTION 98.4: use square and math.sqrt
    return math.sqrt(square(a) + square(b))
    # END SOLUTION


class Counter:
    """Counts."""

    def __init__(self):
        self.n = 0

    @staticmethod
    def zero():
        return 0

    def bump(self):
        """Add one and return the count."""
        # BEGIN SOLUTION 98.3: increment and return the count
        self.n += 1
        return self.n
        # END SOLUTION
'''

TESTS = '''\
import numpy as np
import pytest


@pytest.fixture
def m(load_exercise):
    return load_exercise("98_demo")


@pytest.mark.exercise("98.1")
@pytest.mark.points(2)
def test_add(m):
    assert m.add(2, 3) == 5, "add(2, 3) should be 5: did you subtract?"


@pytest.mark.exercise("98.1")
@pytest.mark.points(1)
def test_add_negative(m):
    assert m.add(-2, 3) == 1, "add(-2, 3) should be 1"


@pytest.mark.exercise("98.2")
@pytest.mark.points(3)
def test_square(m):
    assert m.square(4) == 16


@pytest.mark.exercise("98.2")
@pytest.mark.points(1)
def test_square_elementwise(m):
    np.testing.assert_allclose(
        m.square(np.arange(3.0)), [0.0, 1.0, 4.0], err_msg="square(n) must square each element"
    )


@pytest.mark.exercise("98.3")
@pytest.mark.points(1)
def test_counter(m):
    c = m.Counter()
    assert c.bump() == 1 and c.bump() == 2


@pytest.mark.exercise("98.4")
@pytest.mark.points(2)
def test_hypot(m):
    assert m.hypot(3, 4) == 5
'''

HINTS = """\
["98.1"]
title = "Add two numbers"
hints = ["Addition.", "add(a, b) -> number", "return a + b"]
["98.2"]
title = "Square"
hints = ["Multiply.", "square(n) -> n * n", "return n * n"]
["98.3"]
title = "Counter"
hints = ["State.", "bump(self) -> int", "increment, then return"]
["98.4"]
title = "Hypotenuse"
hints = ["Pythagoras.", "hypot(a, b) -> float", "square, add, sqrt"]
"""


def make_demo_tree(root: Path) -> Path:
    """A checkout with lesson 98 (solutions, generated exercises, graded tests, hints)."""
    (root / "solutions").mkdir(parents=True)
    (root / "solutions" / "98_demo.py").write_text(SOLUTION)
    (root / "tests" / "exercises").mkdir(parents=True)
    (root / "tests" / "conftest.py").write_text(
        'pytest_plugins = ["tinymoe.grading.pytest_plugin"]\n'
    )
    shutil.copy(REPO / "tests" / "exercises" / "conftest.py", root / "tests" / "exercises")
    (root / "tests" / "exercises" / "test_98_demo.py").write_text(TESTS)
    (root / "hints").mkdir()
    (root / "hints" / "98_demo.toml").write_text(HINTS)
    stubs.write_stubs(root)
    return root


@pytest.fixture
def demo(tmp_path, monkeypatch):
    root = make_demo_tree(tmp_path / "checkout")
    monkeypatch.setenv("TINYMOE_ROOT", str(root))
    monkeypatch.delenv("TINYMOE_IMPL", raising=False)
    monkeypatch.delenv("TINYMOE_FAST", raising=False)
    monkeypatch.setattr(hints, "HINTS_DIR", root / "hints")
    return root


def exercise_text(root: Path) -> str:
    return (root / "exercises" / "98_demo.py").read_text()


def write_submission(folder: Path, root: Path, replacements: dict[str, str]) -> Path:
    """The generated stub with each `exercise NN.M` raise line replaced by code."""
    text = exercise_text(root)
    for exercise_id, code in replacements.items():
        line = next(x for x in text.splitlines() if f'"exercise {exercise_id}: ' in x)
        indent = line[: len(line) - len(line.lstrip())]
        text = text.replace(line, textwrap.indent(textwrap.dedent(code).strip(), indent))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "98_demo.py").write_text(text)
    return folder


def _line_of(path: Path, code: str) -> int:
    return 1 + [x.strip() for x in path.read_text().splitlines()].index(code)


# --- stubs -----------------------------------------------------------------------------------


def test_stub_replaces_blocks_and_keeps_the_rest(demo):
    text = exercise_text(demo)
    assert text.startswith("# Exercises for lesson 98")
    assert "BEGIN SOLUTION" not in text and "return a + b" not in text
    assert '    raise NotImplementedError("exercise 98.1: add two \\"numbers\\"")' in text
    assert '        raise NotImplementedError("exercise 98.3: increment' in text
    for kept in ('"""Add two numbers. Example: add(1, 2) == 3."""', "def _helper(x):",
                 "import math", "    def zero():"):
        assert kept in text
    namespace = {}
    exec(compile(text, "98_demo.py", "exec"), namespace)
    with pytest.raises(NotImplementedError, match='exercise 98.1: add two "numbers"'):
        namespace["add"](1, 2)
    assert namespace["Counter"].zero() == 0


def test_stub_wraps_a_long_task_to_fit_the_line_limit():
    task = "x" * 70
    source = f"def f():\n    # BEGIN SOLUTION 98.1: {task}\n    return 1\n    # END SOLUTION\n"
    text = stubs.generate(source, "98_demo.py")
    assert max(len(line) for line in text.splitlines()) <= stubs.MAX_LINE
    namespace = {}
    exec(text, namespace)
    with pytest.raises(NotImplementedError, match=f"exercise 98.1: {task}"):
        namespace["f"]()


@pytest.mark.parametrize(
    ("source", "complaint"),
    [
        ("def f():\n    # BEGIN SOLUTION 98.1: a\n    return 1\n", "py:2: BEGIN SOLUTION with"),
        ("def f():\n    return 1\n    # END SOLUTION\n", "py:3: END SOLUTION without"),
        ("def f():\n    # BEGIN SOLUTION 98.1: a\n    # BEGIN SOLUTION 98.2: b\n", "inside an"),
        ("def f():\n    # BEGIN SOLUTION 98.1 a\n    pass\n", "py:2: malformed marker"),
        ("# BEGIN SOLUTION 98.1: a\nX = 1\n# END SOLUTION\n", "98.1 is not inside a function"),
        (
            "def f():\n    # BEGIN SOLUTION 98.1: a\n    pass\n    # END SOLUTION\n"
            "def g():\n    # BEGIN SOLUTION 98.1: b\n    pass\n    # END SOLUTION\n",
            "used twice: 98.1",
        ),
    ],
)
def test_malformed_solution_files_are_rejected_with_the_line(source, complaint):
    with pytest.raises(stubs.StubError, match=complaint):
        stubs.generate(source, "98_demo.py")


def test_drift_is_detected_and_regeneration_backs_up(demo):
    assert stubs.drifted(demo) == []
    assert stubs.run(check=True, root=demo) == 0
    exercise = demo / "exercises" / "98_demo.py"
    exercise.write_text(exercise_text(demo).replace("98.2", "98.9"))
    (demo / "exercises" / "97_orphan.py").write_text("")
    assert stubs.drifted(demo) == [
        "exercises/98_demo.py differs", "exercises/97_orphan.py has no solutions/97_orphan.py"
    ]
    assert stubs.run(check=True, root=demo) == 1
    edited = exercise.read_text()
    assert stubs.write_stubs(demo) == [exercise]
    assert "98.9" not in exercise.read_text()
    backups = list((demo / ".tinymoe" / "backups").glob("98_demo.*.py"))
    assert [b.read_text() for b in backups] == [edited]
    exercise.unlink()
    assert stubs.drifted(demo)[0] == "exercises/98_demo.py is missing"


# --- grading ---------------------------------------------------------------------------------


def test_solutions_get_full_marks_and_stubs_get_zero(demo, capsys):
    assert cli.main(["grade", "--impl", "solutions", "--require-full"]) == 0
    out = capsys.readouterr().out
    assert "98.1   Add two numbers" in out and "total 10/10 points (100%)" in out
    assert not (demo / ".tinymoe" / "progress.json").exists(), "solutions are not progress"

    assert cli.main(["grade", "--require-full"]) == 1  # the learner's exercises/ by default
    assert "total 0/10 points (0%), 0 of 4 exercises complete" in capsys.readouterr().out
    saved = progress.load(demo)["results"]
    assert sorted(saved) == ["98.1", "98.2", "98.3", "98.4"]
    assert {r["status"] for r in saved.values()} == {"TODO"}, "stubs fail by NotImplementedError"
    assert (saved["98.1"]["earned"], saved["98.1"]["possible"]) == (0, 3)
    assert cli.main(["grade", "77"]) == 2  # no such lesson: a usage error


def test_a_bad_implementation_costs_only_the_tests_it_breaks(demo, tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "GRACE_S", 1.0)
    folder = write_submission(
        tmp_path / "mine",
        demo,
        {
            "98.1": "return a + b if a > 0 else a - b",  # half right
            "98.2": "while True:\n    pass",  # pytest-timeout interrupts it
            "98.3": "import os\nos._exit(3)",  # kills the test process
            # a loop that never sees SIGALRM: only the watchdog stops it
            "98.4": "import signal\nsignal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGALRM])\n"
            "while True:\n    pass",
        },
    )
    report = grade(impl=str(folder), timeout=1.0)  # a learner's own code: no policy
    by_id = {e.exercise_id: e for e in report.exercises}
    assert (by_id["98.1"].earned, by_id["98.1"].status) == (2, "PARTIAL")
    assert by_id["98.1"].feedback == ["test_add_negative: add(-2, 3) should be 1"]
    assert [t.outcome for t in by_id["98.2"].tests] == ["timeout", "timeout"]
    assert "timed out after 1 s" in by_id["98.2"].feedback[0]
    assert [t.outcome for t in by_id["98.3"].tests] == ["crashed"]
    assert "exit code 3" in by_id["98.3"].feedback[0]
    assert [t.outcome for t in by_id["98.4"].tests] == ["timeout"]
    assert (report.earned, report.possible) == (2, 10) and report.errors == []
    assert not (demo / ".tinymoe" / "progress.json").exists(), "only exercises/ is progress"


def test_grade_table_and_gradescope_json(demo, tmp_path, capsys):
    answers = {"98.1": "return a + b", "98.2": "return 0"}
    submission = write_submission(tmp_path / "s", demo, answers)
    out = tmp_path / "results.json"
    assert cli.main(["grade", "--submission", str(submission), "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "98.1   Add two numbers" in text and "3/3  PASS" in text
    assert "0/4  FAIL     test_square: assert 0 == 16" in text
    assert "test_square_elementwise: square(n) must square each element" in text
    assert "lesson 98 total" in text and "total 3/10 points (30%), 1 of 4 exercises" in text
    results = json.loads(out.read_text())
    assert (results["score"], results["max_score"]) == (3, 10)
    first = results["tests"][0]
    assert set(first) >= {"name", "score", "max_score", "output", "visibility"}
    assert (first["name"], first["score"], first["max_score"]) == ("98.1 Add two numbers", 3, 3)
    assert results["tests"][1]["output"] == (
        "test_square: assert 0 == 16\n"
        "test_square_elementwise: square(n) must square each element"
    )


def test_verbose_grade_shows_each_failure_in_full(demo, tmp_path, capsys):
    submission = write_submission(tmp_path / "s", demo, {"98.2": "return n + n"})
    assert cli.main(["grade", "98.2", "--submission", str(submission), "-v"]) == 0
    text = capsys.readouterr().out
    assert "--- tests/exercises/test_98_demo.py::test_square_elementwise" in text
    assert "Mismatched elements" in text and "square(n) must square each element" in text
    assert str(tmp_path) not in text, "the instructor's paths are scrubbed"


def test_numpy_testing_failures_show_their_first_informative_line():
    def caught(check):
        try:
            check()
        except AssertionError as err:
            return feedback.failure_line(err)

    a, b = np.ones(3), np.zeros(3)
    assert caught(lambda: np.testing.assert_allclose(a, b, err_msg="rows must sum to 1")) == (
        "rows must sum to 1"
    )
    line = caught(lambda: np.testing.assert_allclose(a, b))
    assert line.startswith("Not equal to tolerance rtol=1e-07, atol=0; Mismatched elements: 3")
    assert "Max absolute difference among violations: 1" in line
    assert caught(lambda: np.testing.assert_array_equal(a, np.zeros(4))) == (
        "Arrays are not equal; (shapes (3,), (4,) mismatch)"
    )
    assert caught(lambda: np.testing.assert_equal(1, 2)) == (
        "Items are not equal; ACTUAL: 1; DESIRED: 2"
    )


def test_errors_in_the_learners_code_name_the_call_shapes_and_meaning(demo, tmp_path):
    folder = write_submission(
        tmp_path / "mine", demo,
        {
            "98.1": "return [a][b]",
            "98.2": "if isinstance(n, int):\n    return n / 0\nreturn n[0, 0]",
        },
    )
    report = grade(impl=str(folder))
    line = _line_of(folder / "98_demo.py", "return [a][b]")
    by_id = {e.exercise_id: e for e in report.exercises}
    assert by_id["98.1"].feedback[0] == (
        f"test_add: IndexError in your add() line {line}: list index out of range "
        "(an index past the end: check loop bounds and which axis you index)"
    )
    square = by_id["98.2"].feedback
    assert square[0].startswith("test_square: ZeroDivisionError in your square() line")
    assert "(a division by zero" in square[0]
    assert square[1].startswith("test_square_elementwise: IndexError in your square() line")
    assert "with n: (3,): " in square[1], "the shapes of the array arguments"


def test_read_only_inputs_are_explained():
    x = np.ones(3)
    x.setflags(write=False)
    try:
        x += 1
    except ValueError as err:
        line = feedback.failure_line(err)
    assert line.endswith("(your function wrote into its input: work on a copy and return a new "
                         "array)")


def test_diagnose_names_a_mistake_only_when_its_prediction_matches():
    w = np.arange(6.0).reshape(2, 3)
    mistakes = {"dW looks transposed": w.T, "dW is missing the factor 2": w / 2}
    assert feedback.diagnose(w / 2, w, mistakes) == "dW is missing the factor 2"
    assert feedback.diagnose(w.T, w, mistakes) == "dW looks transposed"
    generic = feedback.diagnose(w / 3, w, mistakes, generic="dW is wrong")
    assert generic == "dW is wrong (largest difference 3.33)"
    assert feedback.diagnose(w[0], w, mistakes, "dW is wrong") == (
        "dW is wrong: shape (3,), expected (2, 3)"
    )


def test_report_statuses_html_and_unmarked_tests():
    def result(name, exercise, points, outcome, message="", todo=False):
        return TestResult(f"t.py::{name}", exercise, points, outcome, message, todo)

    run = RunResult(
        [
            result("a", "98.10", 2, "passed"),
            result("b", "98.2", 1, "failed", "wrong <sign>"),
            result("c", "98.2", 1, "passed"),
            result("d", "98.1", 3, "failed", "", todo=True),
            result("e", None, 1, "passed"),
        ],
        [],
    )
    report = GradeReport.build(run, {"98.2": "Square & co"})
    assert [e.exercise_id for e in report.exercises] == ["98.1", "98.2", "98.10"]
    assert [e.status for e in report.exercises] == ["TODO", "PARTIAL", "PASS"]
    assert report.exercises[1].feedback == ["b: wrong <sign>"]
    assert (report.earned, report.possible) == (3, 7)
    assert report.errors == [
        "t.py::e: needs @pytest.mark.exercise('NN.M') and @pytest.mark.points(n)"
    ]
    assert not report.full_marks
    page = report.html()
    assert "<td>98.2</td><td>Square &amp; co</td><td>1/2</td>" in page
    assert "wrong &lt;sign&gt;" in page and "needs @pytest.mark.exercise" in page


FIXTURE_TESTS = '''\
import time

import pytest


@pytest.fixture(scope="session")
def slow_resource():
    time.sleep(2.0)  # longer than the time limit: set-up is not timed
    return 1


@pytest.fixture(scope="session")
def broken_resource():
    raise RuntimeError("the oracle is not installed")


@pytest.mark.exercise("98.1")
@pytest.mark.points(1)
def test_uses_slow(slow_resource, load_exercise):
    assert load_exercise("98").add(1, 2) == 3


@pytest.mark.exercise("98.2")
@pytest.mark.points(1)
def test_uses_broken(broken_resource):
    pass


@pytest.mark.exercise("98.3")
@pytest.mark.points(1)
def test_independent(load_exercise):
    assert load_exercise("98").Counter().bump() == 1


@pytest.mark.exercise("98.4")
@pytest.mark.points(1)
def test_one_module_per_lesson(load_exercise):
    assert load_exercise("98") is load_exercise("98_demo")
'''


def test_set_up_is_not_timed_and_a_broken_fixture_fails_only_its_tests(demo):
    (demo / "tests" / "exercises" / "test_98_demo.py").write_text(FIXTURE_TESTS)
    report = grade(impl="solutions", timeout=1.0)
    outcomes = {t.name: (t.outcome, t.message) for e in report.exercises for t in e.tests}
    assert outcomes == {
        "test_uses_slow": ("passed", ""),
        "test_uses_broken": (
            "error", "could not set up the test: RuntimeError: the oracle is not installed"
        ),
        "test_independent": ("passed", ""),
        "test_one_module_per_lesson": ("passed", ""),
    }


def test_missing_files_and_broken_test_modules_are_reported(demo, tmp_path, capsys):
    (demo / "tests" / "exercises" / "test_98_broken.py").write_text("import no_such_module\n")
    (tmp_path / "empty").mkdir()
    report = grade(submission=tmp_path / "empty")
    assert (report.earned, report.possible) == (0, 10)
    assert report.problems == {"98": "98_demo.py is missing from the submission"}
    assert [e.feedback for e in report.exercises] == [[], [], [], []], "said once per lesson"
    assert any("test_98_broken.py" in e and "no_such_module" in e for e in report.errors)
    text = report.text()
    assert text.count("98_demo.py is missing") == 1
    assert "Lesson 98: 98_demo.py is missing from the submission" in text


def test_a_syntax_error_shows_the_line_and_the_message(demo, tmp_path):
    folder = write_submission(tmp_path / "mine", demo, {"98.1": "return (a + b"})
    report = grade(impl=str(folder))
    problem = report.problems["98"]
    line = _line_of(folder / "98_demo.py", "return (a + b")
    assert problem.startswith(f"98_demo.py line {line}: SyntaxError: ")
    assert "`return (a + b`" in problem
    assert report.earned == 0 and report.text().count("SyntaxError") == 1


def test_caused_by_not_implemented_follows_chains_and_groups():
    def raised(exc, cause=None):
        try:
            raise exc from cause
        except BaseException as err:
            return err

    assert caused_by_not_implemented(NotImplementedError("x"))
    assert caused_by_not_implemented(raised(ValueError("y"), NotImplementedError("x")))
    assert caused_by_not_implemented(ExceptionGroup("g", [KeyError(), NotImplementedError()]))
    assert not caused_by_not_implemented(AssertionError("wrong value"))


# --- reset -----------------------------------------------------------------------------------


def test_reset_restores_one_exercise_and_backs_up(demo):
    exercise = demo / "exercises" / "98_demo.py"
    mine = write_submission(
        demo / "exercises", demo, {"98.1": "return a + b", "98.3": "self.n += 1\nreturn self.n"}
    )
    mine = (mine / "98_demo.py").read_text() + "\n\ndef extra():\n    return 1\n"
    exercise.write_text(mine)
    message = reset(demo, "98.3")
    assert "Counter.bump" in message
    text = exercise.read_text()
    assert 'raise NotImplementedError("exercise 98.3' in text
    assert "return a + b" in text and "def extra():" in text, "other work is kept"
    assert "def zero():" in text
    [backup] = (demo / ".tinymoe" / "backups").glob("98_demo.*.py")
    assert backup.read_text() == mine

    assert cli.main(["reset", "98"]) == 0
    assert exercise.read_text() == stubs.generate(SOLUTION, "98_demo.py")
    assert len(list((demo / ".tinymoe" / "backups").glob("98_demo.*.py"))) == 2


def test_reset_refuses_unparsable_files_and_unknown_ids(demo):
    with pytest.raises(ResetError, match="no exercise 98.7"):
        reset(demo, "98.7")
    (demo / "exercises" / "98_demo.py").write_text("def add(:\n")
    with pytest.raises(ResetError, match="does not parse.*tinymoe reset 98"):
        reset(demo, "98.1")
    assert cli.main(["reset", "98.1"]) == 2


# --- notebook helpers -------------------------------------------------------------------------


def test_use_falls_back_to_the_reference_with_a_notice_once(demo, capsys):
    write_submission(demo / "exercises", demo, {"98.1": "return a + b + 0"})
    ex = notebook.use("98")
    assert ex.add(1, 2) == 3 and capsys.readouterr().out == ""
    assert ex.square(3) == 9 and ex.square(4) == 16
    out = capsys.readouterr().out
    assert out.count("exercise 98.2 not done yet: using the reference solution") == 1
    assert ex.square.__doc__ == "n squared."
    with pytest.raises(NotImplementedError):  # classes are the learner's own
        ex.Counter().bump()
    assert not hasattr(ex, "_helper") and not hasattr(ex, "math")
    assert notebook.use("98_demo", reference=True).Counter().bump() == 1


def test_use_loads_solutions_when_asked_by_the_environment(demo, monkeypatch):
    monkeypatch.setenv("TINYMOE_IMPL", "solutions")
    assert notebook.use("98").Counter().bump() == 1


def test_check_shows_the_table_or_skips_in_fast_mode(demo, capsys, monkeypatch):
    notebook.check("98.2")
    out = capsys.readouterr().out
    assert "98.2" in out and "0/4  TODO" in out and "98.1" not in out
    monkeypatch.setenv("TINYMOE_FAST", "1")
    notebook.check("98")
    assert capsys.readouterr().out.startswith("check skipped in fast mode")



# --- no PyTorch in the autograder -------------------------------------------------------------


def _uses_torch(path: Path) -> list[str]:
    """Where a graded test file imports torch or asks for the `torch` fixture."""
    tree = ast.parse(path.read_text(), filename=path.name)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
            if any(n == "torch" or n.startswith("torch.") for n in names):
                found.append(f"line {node.lineno}: imports torch")
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if "torch" in [a.arg for a in node.args.args + node.args.kwonlyargs]:
                found.append(f"line {node.lineno}: {node.name}() uses the torch fixture")
        elif isinstance(node, ast.Constant) and node.value == "torch":
            found.append(f"line {node.lineno}: names 'torch' (importorskip?)")
    return found


@pytest.mark.parametrize(
    "path", sorted((REPO / "tests" / "exercises").glob("test_*.py")), ids=lambda p: p.name
)
def test_graded_tests_do_not_use_torch(path):
    """The autograder's environment ([lessons]) has no PyTorch: graded tests use the engine,
    invariants and finite differences as their oracle."""
    assert _uses_torch(path) == [], f"{path.name}: {_uses_torch(path)}"

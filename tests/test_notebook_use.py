"""`use()` in one long-lived process, as in a notebook kernel: edits to the learner's file
reach the next call, stubs fall back to the reference function that holds them (given code
keeps running the learner's finished parts), and the fallback notice names the unfinished
exercise once per function and notebook cell."""

import itertools
import os
import textwrap

import pytest

from tinymoe.grading import notebook

SOLUTION = '''\
def double(x):
    # BEGIN SOLUTION 97.1: twice x
    return 2 * x
    # END SOLUTION


def quad(x):
    """Given code: four times x, through double()."""
    return double(double(x))


class Counter:
    def __init__(self):
        self.n = 0

    def bump(self):
        # BEGIN SOLUTION 97.2: add one and return the count
        self.n += 1
        return self.n
        # END SOLUTION


def bump_twice():
    """Given code that uses a class whose method is an exercise."""
    counter = Counter()
    counter.bump()
    return counter.bump()
'''

STUB_DOUBLE = '    raise NotImplementedError("exercise 97.1: twice x")\n'
STUB_BUMP = '        raise NotImplementedError("exercise 97.2: add one and return the count")\n'


def exercise_text(double_body=STUB_DOUBLE, bump_body=STUB_BUMP, quad_factor=""):
    """The learner's file: the solution with the chosen bodies for the two exercises."""
    text = SOLUTION.replace(
        "    # BEGIN SOLUTION 97.1: twice x\n    return 2 * x\n    # END SOLUTION\n", double_body
    ).replace(
        "        # BEGIN SOLUTION 97.2: add one and return the count\n"
        "        self.n += 1\n        return self.n\n        # END SOLUTION\n",
        bump_body,
    )
    assert "BEGIN SOLUTION" not in text
    return text.replace("return double(double(x))", f"return double(double(x)){quad_factor}")


@pytest.fixture
def lesson(tmp_path, monkeypatch):
    """A checkout with lesson 97 in solutions/ and exercises/; returns the exercise file."""
    (tmp_path / "solutions").mkdir()
    (tmp_path / "exercises").mkdir()
    (tmp_path / "solutions" / "97_demo.py").write_text(SOLUTION)
    monkeypatch.setenv("TINYMOE_ROOT", str(tmp_path))
    monkeypatch.delenv("TINYMOE_IMPL", raising=False)
    monkeypatch.setattr(notebook, "_cell", lambda: None)  # outside IPython unless a test says
    return tmp_path / "exercises" / "97_demo.py"


TICKS = itertools.count(1)


def write(path, text):
    """Write `text` and give the file a modification time later than any before it."""
    path.write_text(text)
    stamp = 1_700_000_000_000_000_000 + next(TICKS) * 1_000_000_000
    os.utime(path, ns=(stamp, stamp))


def test_an_edit_reaches_the_next_call_without_a_new_use(lesson, capsys):
    write(lesson, exercise_text())
    ex = notebook.use("97")
    handle = ex.double  # a name the learner kept from an earlier cell
    assert ex.double(5) == 10  # the reference stands in
    assert "exercise 97.1 not done yet" in capsys.readouterr().out
    write(lesson, exercise_text(double_body="    return 3 * x  # mine, on purpose\n"))
    assert ex.double(5) == 15, "the edited file was not re-imported"
    assert handle(5) == 15, "a function taken from use() before the edit still runs old code"
    assert capsys.readouterr().out == ""  # no notice once the stub is gone


def test_a_file_touched_without_a_change_is_not_reimported(lesson):
    write(lesson, exercise_text(double_body="    return 3 * x\n"))
    ex = notebook.use("97")
    cls = ex.Counter
    write(lesson, exercise_text(double_body="    return 3 * x\n"))  # same text, newer mtime
    assert ex.Counter is cls
    write(lesson, exercise_text(double_body="    return 4 * x\n"))
    assert ex.Counter is not cls and ex.double(1) == 4


def test_a_syntax_error_shows_on_the_next_call_and_the_fix_recovers(lesson):
    write(lesson, exercise_text(double_body="    return 3 * x\n"))
    ex = notebook.use("97")
    write(lesson, exercise_text(double_body="    return 3 * (x\n"))
    with pytest.raises(SyntaxError):
        ex.double(1)
    write(lesson, exercise_text(double_body="    return 5 * x\n"))
    assert ex.double(1) == 5


def test_given_code_runs_the_learners_parts_and_the_notice_names_the_stub(lesson, capsys):
    # quad() here is the learner's (it adds 1): the fallback replaces double(), not quad()
    write(lesson, exercise_text(quad_factor=" + 1"))
    ex = notebook.use("97")
    assert ex.quad(3) == 13
    out = capsys.readouterr().out
    assert out == (
        "[tinymoe] exercise 97.1 not done yet: using the reference solution for double()\n"
    )


def test_a_stubbed_method_makes_the_calling_function_fall_back_and_says_where(lesson, capsys):
    write(lesson, exercise_text(double_body="    return 2 * x\n"))
    ex = notebook.use("97")
    assert ex.bump_twice() == 2
    out = capsys.readouterr().out
    assert out == (
        "[tinymoe] exercise 97.2 not done yet (in Counter.bump()): "
        "using the reference solution for bump_twice()\n"
    )
    with pytest.raises(NotImplementedError, match="exercise 97.2"):  # classes are the learner's
        ex.Counter().bump()


def test_the_notice_shows_once_per_cell_and_again_in_every_later_cell(lesson, capsys, monkeypatch):
    write(lesson, exercise_text())
    ex = notebook.use("97")
    cell = [1]
    monkeypatch.setattr(notebook, "_cell", lambda: cell[0])
    assert [ex.double(i) for i in range(100)] == [2 * i for i in range(100)]  # a plot's loop
    assert capsys.readouterr().out.count("exercise 97.1 not done yet") == 1
    cell[0] = 2  # the next cell, or the same cell run again
    ex.quad(1)
    assert capsys.readouterr().out.count("exercise 97.1 not done yet") == 1


def test_outside_ipython_the_notice_shows_again_after_an_edit(lesson, capsys):
    write(lesson, exercise_text())
    ex = notebook.use("97")
    ex.double(1), ex.double(2)
    assert capsys.readouterr().out.count("not done yet") == 1
    write(lesson, exercise_text(double_body=textwrap.indent("# tried\n", "    ") + STUB_DOUBLE))
    ex.double(3)
    assert capsys.readouterr().out.count("not done yet") == 1


def test_private_and_imported_names_are_not_part_of_the_view(lesson):
    write(lesson, "import math\n\n\ndef _helper():\n    return 1\n\n\n" + exercise_text())
    ex = notebook.use("97")
    assert not hasattr(ex, "_helper") and not hasattr(ex, "math")
    assert {"double", "quad", "Counter", "bump_twice"} <= set(dir(ex))
    with pytest.raises(AttributeError, match="97_demo.py defines no public"):
        ex.triple  # noqa: B018


def test_trying_reports_a_stub_in_one_line_and_lets_other_errors_through(capsys):
    with notebook.trying():
        raise NotImplementedError("exercise 97.2: add one and return the count")
    out = capsys.readouterr().out
    assert out.startswith("[tinymoe] exercise 97.2: add one and return the count\n")
    assert "not done yet" in out
    with pytest.raises(NotImplementedError, match="not an exercise"):
        with notebook.trying():
            raise NotImplementedError("not an exercise stub")
    with pytest.raises(ValueError):
        with notebook.trying():
            raise ValueError("a real bug in the learner's code")


def test_in_a_notebook_the_file_is_looked_at_once_per_cell(lesson, monkeypatch):
    write(lesson, exercise_text(double_body="    return 3 * x\n"))
    ex = notebook.use("97")
    cell = [1]
    monkeypatch.setattr(notebook, "_cell", lambda: cell[0])
    assert ex.double(1) == 3
    write(lesson, exercise_text(double_body="    return 4 * x\n"))  # saved while a cell runs
    assert ex.double(1) == 3, "the file was looked at twice in one cell"
    cell[0] = 2
    assert ex.double(1) == 4, "the next cell did not pick up the edit"

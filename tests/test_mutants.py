"""The graded tests catch every mutant and accept every alternative correct answer.

`tests/exercises/mutants/NN_topic/` holds plausible wrong answers (mutants) and other correct
ones (alternatives); `python -m tinymoe.grading.mutants NN` grades each (see its docstring).
One test per lesson, so pytest-xdist can spread them; plus unit tests of the runner itself on
a synthetic lesson.
"""

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tinymoe.grading import mutants

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted(
    p.name for p in (ROOT / "tests" / "exercises" / "mutants").glob("[0-9][0-9]_*") if p.is_dir()
)


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_mutant_caught_and_alternative_full(lesson, record_property):
    proc = subprocess.run(
        [sys.executable, "-m", "tinymoe.grading.mutants", lesson],
        cwd=ROOT, capture_output=True, text=True, timeout=1200,
    )
    totals = re.search(r"mutants caught: (\d+)/(\d+).*?alternatives at full marks: (\d+)/(\d+)",
                       proc.stdout, re.S)
    if totals:  # summed over lessons and printed at the end of the run (tests/conftest.py)
        record_property("mutant_counts", tuple(int(n) for n in totals.groups()))
    bad = [line.strip() for line in proc.stdout.splitlines()
           if any(word in line for word in ("SURVIVED", "LOST", "ERROR"))]
    assert proc.returncode == 0, (
        f"lesson {lesson}: {len(bad)} variant(s) graded wrongly:\n" + "\n".join(bad)
        + "\n" + proc.stdout[-300:] + proc.stderr[-2000:]
    )


# ----------------------------------------------------------- the runner on a toy lesson ---

TOY_SOLUTION = '''
def double(x):
    # BEGIN SOLUTION 99.1: twice x
    return 2 * x
    # END SOLUTION


def square(x):
    # BEGIN SOLUTION 99.2: x squared
    return x * x
    # END SOLUTION
'''

TOY_TESTS = '''
import pytest


@pytest.fixture
def m(load_exercise):
    return load_exercise("99_toy")


@pytest.mark.exercise("99.1")
@pytest.mark.points(1)
def test_double(m):
    assert m.double(3) == 6, "double(3) must be 6"


@pytest.mark.exercise("99.1")
@pytest.mark.points(2)
def test_double_negative(m):
    assert m.double(-4) == -8, "double(-4) must be -8"


@pytest.mark.exercise("99.2")
@pytest.mark.points(1)
def test_square(m):
    assert m.square(-3) == 9, "square(-3) must be 9"
'''

TOY_CONFTEST = '''
import pytest

from tinymoe.grading.loader import load_lesson

pytest_plugins = ["tinymoe.grading.pytest_plugin"]


@pytest.fixture(scope="session")
def load_exercise(request):
    from pathlib import Path
    folder = Path(request.config.getoption("submission"))
    return lambda lesson: load_lesson(folder, lesson)
'''

TOY_VARIANTS = {
    "99_1__off_by_one.py": '"""mutant 99.1: adds one too many."""\n\n\n'
    "def double(x):\n    return 2 * x + 1\n",
    "99_1__abs_value.py": '"""mutant 99.1: doubles |x|: only the negative test catches it."""\n\n\n'
    "def double(x):\n    return 2 * abs(x)\n",
    "99_1__really_correct.py": '"""mutant 99.1: x + x (in fact correct, so it survives)."""\n\n\n'
    "def double(x):\n    return x + x\n",
    "99_2__crashes.py": '"""mutant 99.2: kills the process."""\n\nimport os\n\n\n'
    "def square(x):\n    os._exit(3)\n",
    "99_2__alt_power.py": '"""alternative 99.2: x ** 2."""\n\n\n'
    "def square(x):\n    return x ** 2\n",
    "99_2__alt_breaks_double.py": '"""alternative 99.2: also redefines double, wrongly."""\n\n\n'
    "def double(x):\n    return 2\n",
}


@pytest.fixture
def toy_root(tmp_path, monkeypatch):
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "99_toy.py").write_text(TOY_SOLUTION)
    tests = tmp_path / "tests" / "exercises"
    (tests / "mutants" / "99_toy").mkdir(parents=True)
    (tmp_path / "tests" / "conftest.py").write_text(TOY_CONFTEST)
    (tests / "test_99_toy.py").write_text(TOY_TESTS)
    for name, text in TOY_VARIANTS.items():
        (tests / "mutants" / "99_toy" / name).write_text(text)
    monkeypatch.setenv("TINYMOE_ROOT", str(tmp_path))
    return tmp_path


def test_runner_on_a_toy_lesson(toy_root, capsys):
    status = mutants.main(["99", "--timeout", "10"])
    out = capsys.readouterr().out
    lines = {line.split()[1]: line for line in out.splitlines() if line.startswith("  99.")}
    assert status == 1, out
    assert "99_toy: reference 4/4" in out
    assert "caught" in lines["off_by_one"] and "0/3" in lines["off_by_one"], out
    assert "caught" in lines["abs_value"] and "1/3" in lines["abs_value"], out
    assert "double(-4) must be -8" in lines["abs_value"], "the failure message is shown"
    assert "SURVIVED" in lines["really_correct"], out
    assert "caught" in lines["crashes"] and "crashed" in lines["crashes"], out
    assert "full" in lines["alt_power"], out
    assert "LOST" in lines["alt_breaks_double"] and "99.1" in lines["alt_breaks_double"], out
    assert "mutants caught: 3/4" in out
    assert "alternatives at full marks: 1/2" in out


def test_runner_kills_a_hung_variant_and_resumes(toy_root):
    folder = toy_root / "tests" / "exercises" / "mutants" / "99_toy"
    hang = folder / "99_1__hangs_in_c.py"
    hang.write_text(  # SIGALRM blocked: pytest-timeout cannot stop it, only the watchdog
        '"""mutant 99.1: never returns."""\n\nimport signal\n\n\n'
        "def double(x):\n    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})\n"
        "    while True:\n        pass\n"
    )
    variants = [mutants.parse_variant(hang), mutants.parse_variant(folder / "99_1__off_by_one.py")]
    reference, results = mutants.run_lesson(toy_root, "99_toy", variants, timeout=1, grace=8)
    assert sum(reference.earned.values()) == 4
    assert results[str(hang)].error == "the test run hung (killed)"
    assert mutants.judge(variants[0], results[str(hang)])[0], "a hang loses points: caught"
    resumed = results[str(variants[1].path)]
    assert (resumed.earned, resumed.possible) == ({"99.1": 0}, {"99.1": 3}), resumed


def test_runner_refuses_when_the_reference_loses_points(toy_root, capsys):
    (toy_root / "solutions" / "99_toy.py").write_text(TOY_SOLUTION.replace("x * x", "x * 3"))
    assert mutants.main(["99"]) == 1
    assert "the reference solution does not score full marks" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("name", "text", "complaint"),
    [
        ("99_1_bad.py", '"""mutant 99.1: x."""\n', "NN_M__short_slug"),
        ("99_1__x.py", '"""a mutant of 99.1"""\n', "first line must be"),
        ("99_1__x.py", '"""mutant 99.2: wrong id."""\n', "the file name 99.1"),
    ],
)
def test_malformed_variant_is_named(tmp_path, name, text, complaint):
    folder = tmp_path / "99_toy"
    folder.mkdir()
    (folder / name).write_text(text)
    with pytest.raises(ValueError, match=complaint):
        mutants.parse_variant(folder / name)


def test_variant_format(tmp_path):
    folder = tmp_path / "99_toy"
    folder.mkdir()
    path = folder / "99_1__alt_loop.py"
    path.write_text(textwrap.dedent('''\
        """alternative 99.1: a loop.

        More words.
        """
        '''))
    variant = mutants.parse_variant(path)
    assert (variant.kind, variant.exercise, variant.slug) == ("alternative", "99.1", "alt_loop")
    assert variant.description == "a loop."


def test_alternatives_with_disjoint_definitions_are_batched(tmp_path):
    folder = tmp_path / "99_toy"
    folder.mkdir()
    bodies = {
        "99_1__alt_a.py": "import numpy as np\n\n\ndef double(x):\n    return x + x\n",
        "99_2__alt_b.py": "import numpy as np\n\n\ndef square(x):\n    return x ** 2\n",
        "99_1__alt_c.py": "def double(x):\n    return 2.0 * x\n",  # clashes with alt_a
        "99_1__mut.py": "def square(x):\n    return x\n",  # a mutant: never batched
    }
    for name, body in bodies.items():
        kind = "mutant" if "mut" in name else "alternative"
        (folder / name).write_text(f'"""{kind} 99.{name[3]}: x."""\n\n{body}')
    variants = [mutants.parse_variant(folder / name) for name in bodies]
    groups = [[v.slug for v in group] for group in mutants.batch_alternatives(variants)]
    assert groups == [["alt_a", "alt_b"], ["alt_c"]]


def test_a_batch_that_loses_points_is_regraded_member_by_member(toy_root, capsys):
    # alt_power and alt_breaks_double define different names, so they are batched; the
    # batch loses 99.1's points and the report must still blame only alt_breaks_double
    folder = toy_root / "tests" / "exercises" / "mutants" / "99_toy"
    variants = [mutants.parse_variant(folder / name)
                for name in ("99_2__alt_power.py", "99_2__alt_breaks_double.py")]
    assert len(mutants.batch_alternatives(variants)) == 1
    _, results = mutants.run_lesson(toy_root, "99_toy", variants, timeout=10)
    assert mutants.judge(variants[0], results[str(variants[0].path)])[0]
    assert not mutants.judge(variants[1], results[str(variants[1].path)])[0]


def test_a_reference_that_dies_in_a_forked_child_stops_the_count(toy_root, capsys):
    # were the children to die for reasons of their own (a threading runtime that does not
    # survive fork), every mutant would look caught: the reference is graded in a child too
    (toy_root / "solutions" / "99_toy.py").write_text(
        "import os\n\nos.environ.setdefault('TOY_PARENT', str(os.getpid()))\n" + TOY_SOLUTION
        .replace("return 2 * x", "if str(os.getpid()) != os.environ['TOY_PARENT']:\n"
                 "        os._exit(3)\n    return 2 * x"))
    assert mutants.main(["99", "--timeout", "10"]) == 1
    out = capsys.readouterr().out
    assert "the reference solution does not score full marks" in out and "crashed" in out, out
    assert "mutants caught" in out and "caught: 0/0" in out, out

"""A grader a student cannot fool: every attack from issue 10 is tried here and must fail.

The first line of defence is the static submission policy (unit tests below, plus one full
grading run). The process-level defences are then tried with the policy switched off, as
if a construct had slipped past it: the score is still decided by the parent from the
report pipe, the child runs in a throwaway folder with a scrubbed environment and limits,
and nothing it starts outlives the run. Lesson 98 is the small demo from test_grading.
"""

import hashlib
import json
import textwrap
from pathlib import Path

import pytest
from test_grading import make_demo_tree, write_submission

from tinymoe.grading import hints, policy, runner
from tinymoe.grading.grade import grade

REPO = Path(__file__).resolve().parents[1]

# the 9-line block of the issue: patch the plugin's reporter so that every test "passes"
PATCH_REPORTER = """\
import tinymoe.grading.pytest_plugin as _plugin
_write = _plugin.Reporter.write
def _passed(self, **event):
    if event.get("event") == "result":
        event.update(outcome="passed", message="", not_implemented=False)
    _write(self, **event)
_plugin.Reporter.write = _passed
"""


@pytest.fixture
def demo(tmp_path, monkeypatch):
    root = make_demo_tree(tmp_path / "checkout")
    monkeypatch.setenv("TINYMOE_ROOT", str(root))
    monkeypatch.delenv("TINYMOE_IMPL", raising=False)
    monkeypatch.setattr(hints, "HINTS_DIR", root / "hints")
    return root


@pytest.fixture
def no_policy(monkeypatch):
    """Switch the static policy off: what follows must hold even if it missed something."""
    monkeypatch.setattr(runner.policy, "check_source", lambda source, file: [])


def stub_with(root: Path, folder: Path, top: str = "", **bodies: str) -> Path:
    """The demo's stub, with `top` inserted after its imports and exercise bodies replaced
    (keys like ex98_1)."""
    answers = {key[2:].replace("_", "."): code for key, code in bodies.items()}
    folder = write_submission(folder, root, answers)
    path = folder / "98_demo.py"
    path.write_text(path.read_text().replace("import math\n", "import math\n" + top, 1))
    return folder


def digest(root: Path) -> str:
    files = sorted((root / "tests").rglob("*.py")) + sorted((root / "solutions").rglob("*.py"))
    return hashlib.sha256(b"".join(p.read_bytes() for p in files)).hexdigest()


# --- the static policy --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attack", "construct"),
    [
        (PATCH_REPORTER, "`import tinymoe.grading.pytest_plugin`"),
        ("from tinymoe import grading", "`from tinymoe import grading`"),
        ("import tinymoe\ntinymoe.grading.runner.GRACE_S = 0", "the attribute `.grading`"),
        ("import sys\nsys.modules['test_98_demo'].EXPECTED = 0", "`import sys`"),
        ("import gc", "`import gc`"),
        ("import inspect", "`import inspect`"),
        ("import pytest", "`import pytest`"),
        ("import test_98_demo", "`import test_98_demo`"),
        ("import os\nGRADED = 'PYTEST_CURRENT_TEST' in os.environ", "`import os`"),
        ("text = open('../solutions/98_demo.py').read()", "the name `open`"),
        ("from pathlib import Path", "`from pathlib import Path`"),
        ("import numpy as np\nsrc = np.loadtxt('x', dtype=str)", "the attribute `.loadtxt`"),
        ("import numpy as np\nnp.savetxt('conftest.py', [0])", "the attribute `.savetxt`"),
        ("import tinymoe\nhere = tinymoe.__file__", "the attribute `.__file__`"),
        ("where = __file__", "the name `__file__`"),
        ("import numpy as np\nnp.testing.assert_allclose = print", "the attribute `.testing`"),
        ("import numpy as np\nnp.allclose = lambda *a, **k: True", "changing `np.allclose`"),
        ("import numpy\nx = numpy\nx.isclose = min", "changing `x.isclose`"),
        ("import numpy as np\n[np][0].isclose = min", "changing `[np][0].isclose`"),
        ("import tinymoe as tm\ntm.Tensor.backward = print", "changing `tm.Tensor.backward`"),
        ("from tinymoe.moe.routers import ROUTERS\nROUTERS['top2'] = 0", "changing `ROUTERS"),
        ("import numpy as np\ndel np.isclose", "changing `np.isclose`"),
        ("import os\nos._exit(0)", "`import os`"),
        ("raise SystemExit(0)", "the name `SystemExit`"),
        ("import subprocess", "`import subprocess`"),
        ("import multiprocessing", "`import multiprocessing`"),
        ("import threading", "`import threading`"),
        ("import signal", "`import signal`"),
        ("x = eval('1')", "the name `eval`"),
        ("exec('import os')", "the name `exec`"),
        ("m = __import__('os')", "the name `__import__`"),
        ("b = __builtins__", "the name `__builtins__`"),
        ("import numpy as np\nf = getattr(np, 'lo' + 'ad')", "the name `getattr`"),
        ("g = (lambda: 0).__globals__", "the attribute `.__globals__`"),
        ("def g():\n    yield\nf = g().gi_frame.f_back", "the attribute `.gi_frame`"),
        ("s = '{0.__globals__}'.format(print)", "str.format"),
        ("t = '{0.f_back}'\ns = t.format(1)", "str.format"),
        ("class Always:\n    def __eq__(self, other):\n        return True", "`__eq__`"),
        ("Lie = type('Lie', (float,), {'__eq__': lambda s, o: True})", "the string '__eq__'"),
        ("import tinymoe as tm\nx = tm._private", "the private attribute `._private`"),
        ("import numpy as np\nclass Liar(np.ndarray):\n    def all(self, *a):\n"
         "        return True", "subclassing `np.ndarray`"),
        ("from numpy import ndarray\nclass Liar(ndarray):\n    pass", "subclassing `ndarray`"),
        ("class Liar(float):\n    pass", "subclassing `float`"),
        ("import abc\nclass C(metaclass=abc.ABCMeta):\n    pass", "class keyword `metaclass=`"),
        ("import tinymoe as tm\ndef f(d=tm.moe.routers.ROUTERS):\n    d['top2'] = 0",
         "changing `d['top2']`"),
    ],
)
def test_the_policy_rejects_each_attack_naming_line_and_construct(attack, construct):
    found = policy.check_source(attack, "98_demo.py")
    assert found, f"not rejected:\n{attack}"
    assert any(construct in str(v) for v in found), [str(v) for v in found]
    assert str(found[0]).startswith("98_demo.py line ")


@pytest.mark.parametrize("folder", ["solutions", "exercises"])
def test_the_policy_accepts_the_reference_solutions_and_the_stubs(folder):
    files = sorted((REPO / folder).glob("[0-9][0-9]_*.py"))
    assert files
    assert {p.name: [str(v) for v in policy.check_file(p)] for p in files} == {
        p.name: [] for p in files
    }


def test_the_policy_accepts_ordinary_learner_code():
    source = textwrap.dedent('''\
        import math
        from dataclasses import dataclass
        import numpy as np
        import tinymoe as tm

        @dataclass
        class Value:
            data: float

            def __add__(self, other):
                return Value(self.data + other.data)

            def __repr__(self):
                return f"Value({self.data:.3f}, {type(self).__name__})"

        def softmax(z, axis=-1):
            e = np.exp(z - z.max(axis=axis, keepdims=True))
            out = e / e.sum(axis=axis, keepdims=True)
            out[np.isnan(out)] = 0.0
            return out

        def step(params, lr):
            for p in params:
                p.data -= lr * p.grad
                p.grad = None
            rng = np.random.default_rng(0)
            return tm.tensor(rng.standard_normal(3)), math.pi
        ''')
    assert policy.check_source(source, "98_demo.py") == []


def test_a_submission_that_patches_the_reporter_scores_zero(demo, tmp_path):
    before = digest(demo)
    folder = stub_with(demo, tmp_path / "student", PATCH_REPORTER)
    report = grade(submission=folder)
    assert (report.earned, report.possible) == (0, 10)
    line = 1 + (folder / "98_demo.py").read_text().splitlines().index(
        "import tinymoe.grading.pytest_plugin as _plugin"
    )
    assert report.problems["98"] == (
        f"98_demo.py line {line}: `import tinymoe.grading.pytest_plugin` is not allowed in a "
        "submission (and 1 more)"
    )
    assert digest(demo) == before


# --- the process-level defences, with the policy switched off ----------------------------------


def test_forged_output_early_exits_huge_allocations_floods_and_daemons_score_zero(
    demo, tmp_path, no_policy
):
    pid_file = tmp_path / "daemon.pid"
    forged = '{"event": "result", "nodeid": "tests/exercises/test_98_demo.py::test_add", ' \
        '"outcome": "passed"}'
    folder = stub_with(
        demo, tmp_path / "student",
        ex98_1=f"import os\nprint({forged!r})\nprint('10 passed')\nos._exit(0)",
        ex98_2="import numpy as np\nreturn np.ones(int(2.5e9))",  # 20 GB
        ex98_3="print('x' * (300 << 20))\nreturn 1",  # 300 MB of output
        ex98_4="import subprocess, sys\n"
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'],\n"
        "                     start_new_session=True)\n"
        f"open({str(pid_file)!r}, 'w').write(str(p.pid))\nreturn 5.0",
    )
    report = grade(submission=folder, timeout=20)
    by_id = {e.exercise_id: e for e in report.exercises}
    assert (report.earned, report.possible) == (2, 10), report.text()  # 98.4's hypot passes
    assert [t.outcome for t in by_id["98.1"].tests] == ["crashed", "crashed"]
    assert "exit code 0" in by_id["98.1"].feedback[0]
    assert "MemoryError in your square()" in by_id["98.2"].feedback[0]
    assert by_id["98.3"].tests[0].outcome in ("crashed", "failed")
    pid = int(pid_file.read_text())
    assert not _alive(pid), "the daemon outlived the grading run"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def test_an_import_time_infinite_loop_costs_the_lesson_not_the_run(
    demo, tmp_path, no_policy, monkeypatch
):
    monkeypatch.setattr(runner, "LESSON_LOAD_LIMIT_S", 2.0)
    folder = stub_with(demo, tmp_path / "student", "while True:\n    pass\n")
    report = grade(submission=folder, timeout=1)
    assert report.earned == 0 and {t.outcome for e in report.exercises for t in e.tests} == {
        "timeout"
    }
    assert report.exercises[0].feedback[0].endswith(
        "loading 98_demo.py did not finish in 2 s (an infinite loop at import time?)"
    )


def test_exiting_with_status_zero_at_import_scores_zero(demo, tmp_path, no_policy):
    folder = stub_with(demo, tmp_path / "student", "import os\nos._exit(0)\n")
    report = grade(submission=folder)
    assert (report.earned, report.possible) == (0, 10)
    assert "loading 98_demo.py crashed the test process (exit code 0)" in report.text()


def test_writing_outside_the_scratch_folder_cannot_reach_later_runs(demo, tmp_path, no_policy):
    before = digest(demo)
    attack = """\
from pathlib import Path as _P
for _conftest in _P.cwd().rglob("conftest.py"):
    with open(_conftest, "a") as _f:
        _f.write("\\nimport pytest\\n@pytest.hookimpl(hookwrapper=True)\\n"
                 "def pytest_runtest_makereport(item, call):\\n"
                 "    out = yield\\n    out.get_result().outcome = 'passed'\\n")
"""
    report = grade(submission=stub_with(demo, tmp_path / "evil", attack))
    assert report.earned < report.possible
    assert digest(demo) == before, "the checkout's tests were changed"
    honest = stub_with(demo, tmp_path / "honest")
    assert grade(submission=honest).earned == 0


def test_nothing_of_the_instructors_environment_reaches_the_output(
    demo, tmp_path, no_policy, monkeypatch
):
    monkeypatch.setenv("INSTRUCTOR_TOKEN", "s3cret-token")
    (tmp_path / "students" / "bob").mkdir(parents=True)
    leak = ("import os\nraise AssertionError(f'{os.getcwd()} {dict(os.environ)} "
            "{os.listdir(\"..\")} {os.listdir(\"../..\")} {__file__}')")
    folder = stub_with(demo, tmp_path / "students" / "alice", ex98_1=leak)
    report = grade(submission=folder)
    text = report.text(verbose=True) + str(report.gradescope())
    for secret in ("s3cret-token", "bob", str(tmp_path), str(demo), str(Path.home())):
        assert secret not in text, secret
    assert "<sandbox>" in text


@pytest.mark.parametrize(
    ("patch", "caught"),
    [
        ("import tinymoe as tm\ntm.Tensor.sum = lambda self, *a, **k: 0",
         "the submission replaced tinymoe.tensor.Tensor.sum"),
        ("from tinymoe.moe import routers\nrouters.ROUTERS[next(iter(routers.ROUTERS))] = 0",
         "the submission replaced tinymoe.moe.routers.ROUTERS["),
        ("import sys\nfor k, v in list(sys.modules.items()):\n"
         "    if k.endswith('test_98_demo'):\n        vars(v)['np'] = None",
         "the submission replaced test_98_demo['np']"),
    ],
    ids=["engine-method", "registry-entry", "test-module-global"],
)
def test_replacing_engine_code_at_run_time_is_caught(demo, tmp_path, no_policy, patch, caught):
    folder = stub_with(
        demo, tmp_path / "student",
        ex98_1=f"{patch}\nreturn a + b",
        ex98_2="import numpy\nnumpy.allclose = lambda *a, **k: True\nreturn n * n",
    )
    report = grade(submission=folder)
    by_id = {e.exercise_id: e for e in report.exercises}
    assert by_id["98.1"].earned == 0
    assert caught in by_id["98.1"].feedback[0]
    assert report.earned == 0, "every test after the tampering fails too"


# --- the report channel ---------------------------------------------------------------------


def test_a_forged_or_duplicated_report_is_not_trusted(monkeypatch):
    tests = [{"nodeid": f"t.py::{n}", "exercise": "98.1", "points": 1} for n in "abc"]
    events = runner._Events()
    lines = [
        {"event": "collected", "tests": tests},
        {"event": "start", "nodeid": "t.py::a"},
        {"event": "result", "nodeid": "t.py::a", "outcome": "failed", "message": "wrong"},
        {"event": "result", "nodeid": "t.py::a", "outcome": "passed"},  # a second report
        {"event": "result", "nodeid": "t.py::b", "outcome": "passed"},  # never started
    ]
    events.feed(b"".join(json.dumps(e).encode() + b"\n" for e in lines))
    events.feed(b'not json\n{"event": "result", "nodeid": "t.py::c", "outcome": "passed"}\n')
    assert events.malformed and len(events.events) == len(lines), "nothing after garbage"
    run = runner._Run(events.events, 0, False, None, "", events.malformed)
    monkeypatch.setattr(runner, "_run_once", lambda *args: run)
    result = runner._run_all(["t.py"], [], Path("."), {}, 1.0, 1.0)
    outcomes = {t.name: (t.outcome, t.message) for t in result.tests}
    assert outcomes == {
        "a": ("failed", runner.UNTRUSTED_NOTE),
        "b": ("failed", runner.UNTRUSTED_NOTE),
        "c": ("crashed", "the test process ended before this test ran (exit code 0)"),
    }
    assert any("malformed report" in e for e in result.errors)

"""Check that the graded tests catch plausible wrong answers (mutants) and accept other
correct ones (alternatives).

Layout: `tests/exercises/mutants/NN_topic/NN_M__short_slug.py`, one file per variant. Its
module docstring's first line is `mutant NN.M: <the mistake>` or `alternative NN.M: <how it
differs>`; its body is appended to `solutions/NN_topic.py` (after a blank line) to build the
submission, so it only redefines what it changes.

A mutant is *caught* when its own exercise NN.M loses at least one point, computed as the
grader does (the sum of the `points` markers of the tests that passed). An alternative must
score full marks on every exercise of its lesson. The unmodified reference is graded first:
if it does not score full marks, nothing is counted.

    python -m tinymoe.grading.mutants [NN | NN_topic | path/to/mutant.py ...] [--timeout S]
                                      [--jobs N]

prints one line per variant and `mutants caught: N/M`, `alternatives at full marks: A/B`;
exit status 1 if a mutant survives, an alternative loses points, or something is broken.

Alternatives whose top-level definitions do not overlap are graded together, appended one
after the other to the same submission: a batch at full marks puts each of its members at
full marks (none replaces another's code), and a batch that loses points is graded again
member by member, so the report still names the culprit.

Each lesson runs in one worker process, which grades the reference in-process (doing every
import once) and then forks a child per variant that calls `pytest.main` (no interpreter
start-up or imports per variant, and no state carried from one variant to the next);
pytest-timeout interrupts a test that loops, a child that dies scores its variant as
crashed, and the parent kills a worker that stops reporting (a loop that never returns to
Python), scores that variant as having hung and resumes with the rest in a fresh worker.
POSIX only (fork); the workers use Numba's fork-safe `workqueue` threading layer.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pytest

from tinymoe.grading.paths import repo_root

FILE_RE = re.compile(r"^(\d\d)_(\d+)__(\w+)\.py$")
HEADER_RE = re.compile(r"^(mutant|alternative) (\d\d\.\d+): (.+)$")
DEFAULT_TIMEOUT_S = 20.0
GRACE_S = 15.0  # a worker silent this long past the per-test limit is killed
STARTUP_S = 300.0  # ... or this long before its first test starts (imports, collection)
BASELINE = "reference"
BATCH_SEP = "+"  # joins the paths of alternatives graded as one submission


@dataclass
class Variant:
    """One file under tests/exercises/mutants/NN_topic/."""

    path: Path
    kind: str  # "mutant" | "alternative"
    exercise: str  # NN.M
    slug: str
    description: str

    @property
    def lesson_dir(self) -> str:
        return self.path.parent.name


@dataclass
class Outcome:
    """Points per exercise for one graded submission (a variant or the reference)."""

    name: str
    earned: dict[str, int] = field(default_factory=dict)
    possible: dict[str, int] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)  # first failure per exercise
    error: str = ""


def parse_variant(path: Path) -> Variant:
    """Read a variant file's name and docstring; ValueError names what is malformed."""
    match = FILE_RE.match(path.name)
    if not match:
        raise ValueError(f"{path}: the file name must look like NN_M__short_slug.py")
    lesson, number, slug = match.groups()
    try:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    except SyntaxError as err:
        raise ValueError(f"{path}: not valid Python ({err})") from err
    header = HEADER_RE.match(doc.splitlines()[0].strip() if doc else "")
    if not header:
        raise ValueError(
            f"{path}: the docstring's first line must be 'mutant NN.M: <the mistake>' "
            "or 'alternative NN.M: <how it differs>'"
        )
    kind, exercise, description = header.groups()
    if exercise != f"{lesson}.{number}":
        raise ValueError(f"{path}: the docstring says {exercise}, the file name {lesson}.{number}")
    if not path.parent.name.startswith(f"{lesson}_"):
        raise ValueError(f"{path}: lesson {lesson}'s variants belong in a folder {lesson}_topic/")
    return Variant(path, kind, exercise, slug, description)


def discover(root: Path, targets: list[str]) -> dict[str, list[Variant]]:
    """Variants grouped by lesson folder ('NN_topic'), for lessons/paths in `targets`
    (all lessons that have a mutants folder when empty)."""
    base = root / "tests" / "exercises" / "mutants"
    folders = sorted(p for p in base.glob("[0-9][0-9]_*") if p.is_dir())
    chosen: dict[str, list[Path]] = {}
    for target in targets or [f.name for f in folders]:
        path = Path(target)
        if path.suffix == ".py":
            path = path.resolve()
            if not path.is_file():
                raise FileNotFoundError(f"no mutant file {target}")
            chosen.setdefault(path.parent.name, []).append(path)
            continue
        matches = [f for f in folders if f.name == target or f.name.startswith(f"{target}_")]
        if not matches:
            raise FileNotFoundError(f"no mutants folder for lesson {target!r} under {base}")
        for folder in matches:
            chosen[folder.name] = sorted(folder.glob("[0-9][0-9]_*.py"))
    return {lesson: [parse_variant(p) for p in paths] for lesson, paths in sorted(chosen.items())}


# ---------------------------------------------------------------- worker (one lesson) ---


NUMPY_HEADERS = re.compile(r"^(Not equal to tolerance|Arrays are not (almost )?equal)")


def first_informative_line(text: str) -> str:
    """The line of a failure a learner should see first: not a bare `AssertionError:` nor
    NumPy's generic `Not equal to tolerance ...` header when a message follows it."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    lines[:1] = [lines[0].removeprefix("AssertionError:").strip()] if lines else []
    lines = [line for line in lines if line]
    if len(lines) > 1 and NUMPY_HEADERS.match(lines[0]):
        lines = lines[1:]
    return lines[0] if lines else "(no message)"


class _Collector:
    """pytest plugin: points per exercise, first failure line, and a heartbeat per test."""

    def __init__(self, beat):
        self.beat = beat
        self.tests: dict[str, dict] = {}

    def pytest_collection_finish(self, session):
        for item in session.items:
            exercise = item.get_closest_marker("exercise")
            points = item.get_closest_marker("points")
            self.tests[item.nodeid] = {
                "exercise": exercise.args[0] if exercise and exercise.args else None,
                "points": points.args[0] if points and points.args else 0,
                "passed": None,
                "message": "",
            }

    def pytest_collectreport(self, report):
        if report.failed:
            self.tests[f"collect:{report.nodeid}"] = {
                "exercise": None, "points": 0, "passed": False,
                "message": f"collection error in {report.nodeid}",
            }

    def pytest_runtest_logstart(self, nodeid, location):
        self.beat({"event": "test", "nodeid": nodeid})

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = (yield).get_result()
        test = self.tests[item.nodeid]
        if report.passed and call.when == "call" and test["passed"] is None:
            test["passed"] = True
        elif not report.passed:
            if test["passed"] is not False:
                text = call.excinfo.exconly() if call.excinfo else str(report.longrepr)
                test["message"] = first_informative_line(text)
            test["passed"] = False


def _grade_once(root: Path, tests: list[str], folder: Path, exercise: str | None,
                timeout: float, beat) -> Outcome:
    """Run the lesson's graded tests in this process against the submission `folder`."""
    # Test modules (and conftests) are imported afresh for each submission, so no state
    # cached at module level carries over from an earlier run in this process.
    for name, module in list(sys.modules.items()):
        if (getattr(module, "__file__", None) or "").startswith(str(root / "tests")):
            del sys.modules[name]
    collector = _Collector(beat)
    args = [*tests, f"--submission={folder}", "-q", "-p", "no:cacheprovider",
            "--no-header", "--no-summary", f"--rootdir={root}",
            f"--timeout={timeout:g}", "--timeout-method=signal"]
    if exercise:
        args.append(f"--exercise={exercise}")
    rc = pytest.main(args, plugins=[collector])
    outcome = Outcome(folder.name)
    if rc not in (0, 1) and not collector.tests:
        outcome.error = f"pytest exited with code {int(rc)} before running any test"
    for test in collector.tests.values():
        ex = test["exercise"] or "(collection)"
        outcome.possible[ex] = outcome.possible.get(ex, 0) + test["points"]
        outcome.earned[ex] = outcome.earned.get(ex, 0) + (test["points"] if test["passed"] else 0)
        if not test["passed"] and ex not in outcome.messages:
            outcome.messages[ex] = test["message"] or "did not run"
    return outcome


def _grade_in_child(root: Path, tests: list[str], folder: Path, exercise: str | None,
                    timeout: float, beat) -> Outcome:
    """`_grade_once` in a forked child: nothing a variant changes (module state, NumPy
    settings, a patched library) reaches the next one, the imports done before the fork
    are not paid again, and a variant that kills its process costs only itself."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its only way to report is the pipe
        os.close(read_end)
        status = 1
        try:
            outcome = _grade_once(root, tests, folder, exercise, timeout, beat)
            with os.fdopen(write_end, "w") as pipe:
                json.dump(asdict(outcome), pipe)
            status = 0
        except BaseException:  # noqa: BLE001 (reported, then the child ends)
            traceback.print_exc()
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        report = pipe.read()
    _, status = os.waitpid(pid, 0)
    try:
        return Outcome(**json.loads(report))
    except (json.JSONDecodeError, TypeError):
        code = os.waitstatus_to_exitcode(status)
        return Outcome(folder.name, error=f"the test run crashed (exit code {code})")


def _worker(root: Path, lesson: str, files: list[str], events: Path, timeout: float,
            with_reference: bool = True) -> None:
    """Grade the reference (unless told not to), then each variant in `files`; one JSON
    line per event in `events`."""
    out = open(events, "a", encoding="utf-8")  # closed at the end

    def beat(event):
        out.write(json.dumps(event) + "\n")
        out.flush()

    solutions = root / "solutions"
    tests = sorted(str(p) for p in (root / "tests" / "exercises").glob(f"test_{lesson[:2]}_*.py"))
    if not tests:
        beat({"event": "fatal", "message": f"no graded tests tests/exercises/test_{lesson[:2]}_*"})
        return
    source = (solutions / f"{lesson}.py").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="tinymoe-mutants-") as tmp:
        for number, name in enumerate([BASELINE, *files]):
            members = [] if name == BASELINE else [parse_variant(Path(p))
                                                   for p in name.split(BATCH_SEP)]
            variant = members[0] if len(members) == 1 else None
            folder = Path(tmp) / f"m{number}"
            folder.mkdir()
            for lesson_path in solutions.glob("[0-9][0-9]_*.py"):  # lessons it may import
                shutil.copy(lesson_path, folder / lesson_path.name)
            extra = "\n\n".join(m.path.read_text(encoding="utf-8") for m in members)
            (folder / f"{lesson}.py").write_text(source + "\n\n" + extra, encoding="utf-8")
            if not members:
                # The trusted reference runs in this process (also when resuming, unreported):
                # every import the tests need happens once, and the forked children inherit it.
                if with_reference:
                    beat({"event": "start", "name": name})
                outcome = _grade_once(root, tests, folder, None, timeout, beat)
                if not with_reference:
                    continue
                # ... and once more in a forked child, as the variants will be: a child that
                # crashes for reasons of its own would otherwise count every mutant as caught
                in_child = _grade_in_child(root, tests, folder, None, timeout, beat)
                if in_child.error or in_child.earned != outcome.earned:
                    outcome = in_child
                    outcome.error = outcome.error or "it loses points in a forked child"
            else:
                beat({"event": "start", "name": name})
                exercise = variant.exercise if variant and variant.kind == "mutant" else None
                outcome = _grade_in_child(root, tests, folder, exercise, timeout, beat)
            beat({"event": "done", "name": name, "earned": outcome.earned,
                  "possible": outcome.possible, "messages": outcome.messages,
                  "error": outcome.error})
    out.close()


# ----------------------------------------------------------------------- parent side ---


def _read(events: Path) -> list[dict]:
    found = []
    if events.exists():
        for line in events.read_text(encoding="utf-8").splitlines():
            try:
                found.append(json.loads(line))
            except json.JSONDecodeError:  # cut short by a kill
                break
    return found


def defined_names(path: Path) -> set[str]:
    """The top-level names a variant file (re)defines: functions, classes, assignments
    (imports are left out: two variants importing the same module do not conflict)."""
    names = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
    return names


def batch_alternatives(variants: list[Variant]) -> list[list[Variant]]:
    """Alternatives grouped so that no two in a group define the same top-level name
    (first fit, in order); each group is graded as one submission."""
    groups: list[tuple[list[Variant], set[str]]] = []
    for variant in (v for v in variants if v.kind == "alternative"):
        names = defined_names(variant.path)
        for members, taken in groups:
            if not names & taken:
                members.append(variant)
                taken.update(names)
                break
        else:
            groups.append(([variant], set(names)))
    return [members for members, _ in groups]


def run_lesson(root: Path, lesson: str, variants: list[Variant],
               timeout: float = DEFAULT_TIMEOUT_S,
               grace: float = GRACE_S) -> tuple[Outcome, dict[str, Outcome]]:
    """Grade the reference and every variant of one lesson; returns (reference, by path).
    Alternatives are graded in batches first (see the module docstring); a worker silent
    for timeout + grace seconds is killed."""
    batches = [group for group in batch_alternatives(variants) if len(group) > 1]
    batched = {str(v.path) for group in batches for v in group}
    reference, results = _run_submissions(
        root, lesson,
        [str(v.path) for v in variants if str(v.path) not in batched]
        + [BATCH_SEP.join(str(v.path) for v in group) for group in batches],
        timeout, grace)
    retry = []
    for group in batches:
        outcome = results.pop(BATCH_SEP.join(str(v.path) for v in group))
        if judge(group[0], outcome)[0]:
            results.update({str(v.path): outcome for v in group})
        else:
            retry += [str(v.path) for v in group]
    if retry:
        results.update(_run_submissions(root, lesson, retry, timeout, grace,
                                        with_reference=False)[1])
    return reference, results


def _run_submissions(root: Path, lesson: str, todo: list[str], timeout: float, grace: float,
                     with_reference: bool = True) -> tuple[Outcome | None, dict[str, Outcome]]:
    """Grade the reference (unless told not to) and each submission in `todo` (a variant's
    path, or several joined by BATCH_SEP) in worker processes; (reference, by name)."""
    todo = list(todo)
    expected = len(todo)
    results: dict[str, Outcome] = {}
    reference = None
    first = True
    while first or todo:
        with tempfile.TemporaryDirectory(prefix="tinymoe-mutants-log-") as tmp:
            events, log = Path(tmp) / "events.jsonl", Path(tmp) / "worker.log"
            command = [sys.executable, "-m", "tinymoe.grading.mutants", "--worker", lesson,
                       "--events", str(events), "--timeout", f"{timeout:g}", *todo]
            if not (first and with_reference):
                command.append("--skip-reference")
            # each variant runs in a forked child: GNU OpenMP's thread pool does not survive
            # a fork (the child dies), Numba's workqueue layer does
            env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg",
                   "NUMBA_THREADING_LAYER": "workqueue"}
            env.pop("TINYMOE_FAST", None)
            with open(log, "w") as sink:
                proc = subprocess.Popen(command, cwd=root, stdout=sink, stderr=subprocess.STDOUT,
                                        env=env, start_new_session=True)
                killed = _watch(proc, events, timeout + grace)
            found = _read(events)
            tail = log.read_text(errors="replace")[-2000:]
        fatal = [e["message"] for e in found if e["event"] == "fatal"]
        if fatal:
            raise RuntimeError(f"lesson {lesson}: {fatal[0]}")
        started = None
        for event in found:
            if event["event"] == "start":
                started = event["name"]
            elif event["event"] == "done":
                outcome = Outcome(event["name"], event["earned"], event["possible"],
                                  event["messages"], event["error"])
                if event["name"] == BASELINE:
                    reference = outcome
                else:
                    results[event["name"]] = outcome
                started = None
        if first and with_reference and reference is None and started != BASELINE:
            raise RuntimeError(f"lesson {lesson}: the worker failed to start:\n{tail}")
        if started is not None:  # the worker died inside this submission's tests
            why = "hung (killed)" if killed else f"crashed (exit code {proc.returncode})"
            if started == BASELINE:
                raise RuntimeError(f"lesson {lesson}: the reference solution {why}:\n{tail}")
            results[started] = Outcome(started, error=f"the test run {why}")
        elif proc.returncode != 0 and len(results) < expected:
            raise RuntimeError(f"lesson {lesson}: worker exited with {proc.returncode}:\n{tail}")
        first = False
        todo = [name for name in todo if name not in results]
    return reference, results


def _watch(proc: subprocess.Popen, events: Path, limit: float) -> bool:
    """Wait for the worker; kill it when its event log is silent for `limit` seconds once
    its first test has started (STARTUP_S before that: imports, collection)."""
    size, since, started = 0, time.monotonic(), False
    while proc.poll() is None:
        time.sleep(0.1)
        now = events.stat().st_size if events.exists() else 0
        if now != size:
            size, since = now, time.monotonic()
            started = started or '"event": "test"' in events.read_text(errors="replace")
        elif time.monotonic() - since > (limit if started else max(limit, STARTUP_S)):
            os.killpg(proc.pid, 9)
            proc.wait()
            return True
    return False


def judge(variant: Variant, outcome: Outcome) -> tuple[bool, str]:
    """(ok, points text): a mutant is ok when caught, an alternative when at full marks."""
    if variant.kind == "mutant":
        if outcome.error == "the test run hung (killed)" or outcome.error.startswith(
            "the test run crashed"
        ):
            return True, outcome.error
        possible = outcome.possible.get(variant.exercise, 0)
        earned = outcome.earned.get(variant.exercise, 0)
        if outcome.error or possible == 0:
            return False, outcome.error or f"no graded test of {variant.exercise} ran"
        return earned <= possible - 1, f"{earned}/{possible}"
    lost = {ex: f"{outcome.earned[ex]}/{p}" for ex, p in outcome.possible.items()
            if outcome.earned.get(ex, 0) < p}
    earned, possible = sum(outcome.earned.values()), sum(outcome.possible.values())
    if outcome.error:
        return False, outcome.error
    return not lost and possible > 0, f"{earned}/{possible}" + (f" lost {lost}" if lost else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tinymoe.grading.mutants",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("targets", nargs="*", help="lessons (NN or NN_topic) or mutant files")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S,
                        help="per-test time limit in seconds")
    parser.add_argument("-j", "--jobs", type=int, default=1,
                        help="lessons graded at the same time (one worker process each)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--events", help=argparse.SUPPRESS)
    parser.add_argument("--skip-reference", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    root = repo_root()
    if args.worker:
        _worker(root, args.worker, args.targets, Path(args.events), args.timeout,
                with_reference=not args.skip_reference)
        return 0
    return report(root, args.targets, args.timeout, max(args.jobs, 1))


def _graded_lessons(root: Path, lessons: dict[str, list[Variant]], timeout: float, jobs: int):
    """Yield (lesson, seconds, (reference, results) or the RuntimeError), in lesson order,
    grading `jobs` lessons at a time."""

    def one(item):
        lesson, variants = item
        start = time.monotonic()
        try:
            result = run_lesson(root, lesson, variants, timeout)
        except RuntimeError as err:
            result = err
        return lesson, time.monotonic() - start, result

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        yield from pool.map(one, lessons.items())


def report(root: Path, targets: list[str], timeout: float, jobs: int = 1) -> int:
    """Run and print everything for `targets`; the exit status."""
    start = time.monotonic()
    try:
        lessons = discover(root, targets)
    except (FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    caught = mutants = full = alternatives = 0
    problems = []
    for lesson, seconds, result in _graded_lessons(root, lessons, timeout, jobs):
        if isinstance(result, RuntimeError):
            problems.append(str(result))
            print(f"{lesson}: ERROR {result}")
            continue
        reference, results = result
        variants = lessons[lesson]
        short = {ex: f"{reference.earned.get(ex, 0)}/{p}" for ex, p in reference.possible.items()
                 if reference.earned.get(ex, 0) < p}
        if short or reference.error:
            problems.append(f"{lesson}: the reference itself loses points {short}; "
                            f"{reference.messages} {reference.error}")
            print(f"{lesson}: ERROR the reference solution does not score full marks: "
                  f"{short or reference.error}")
            continue
        print(f"{lesson}: reference {sum(reference.earned.values())}/"
              f"{sum(reference.possible.values())}, {len(variants)} variants in {seconds:.1f} s")
        for variant in variants:
            outcome = results[str(variant.path)]
            ok, points = judge(variant, outcome)
            if variant.kind == "mutant":
                mutants += 1
                caught += ok
                status = "caught" if ok else "SURVIVED"
                note = outcome.messages.get(variant.exercise, "") if ok else variant.description
            else:
                alternatives += 1
                full += ok
                status = "full" if ok else "LOST"
                note = "" if ok else "; ".join(f"{k}: {v}" for k, v in outcome.messages.items())
            line = f"  {variant.exercise:<6} {variant.slug:<40} {status:<8} {points:<7} {note}"
            print(line[:160].rstrip())
    print(f"mutants caught: {caught}/{mutants}")
    print(f"alternatives at full marks: {full}/{alternatives}")
    print(f"({time.monotonic() - start:.1f} s)")
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 0 if caught == mutants and full == alternatives and not problems else 1


if __name__ == "__main__":
    sys.exit(main())

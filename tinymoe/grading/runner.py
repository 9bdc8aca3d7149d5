"""Run the graded tests in a child process and decide each test's result here, in the parent.

The child (pytest with tinymoe.grading.pytest_plugin) reports events through a pipe that only
the plugin holds; its exit code and output are never trusted. Every collected test must
report exactly once; a test that never reports scores 0 (`timeout` when the watchdog killed
the child, else `crashed`) and the remaining tests run again in a fresh child, so an infinite
loop, a segfault or an `os._exit` costs only the test it happens in.

Limits on the child: a per-test clock that starts when the test function starts (imports,
lesson loading and the engine's Numba warm-up happen before, under their own limits), memory
(RLIMIT_DATA), file size, CPU time; its own session, killed at the end together with every
process that inherited the run's id (no daemon survives); its output is drained and only a
short tail kept. A submission (`submission=DIR`, untrusted) is first checked by the static
policy (policy.py), then graded in a fresh temporary directory holding a copy of the allowed
files and of the graded tests, with a scrubbed environment; messages are scrubbed of paths.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import resource
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from tinymoe.grading import policy
from tinymoe.grading.feedback import TIMEOUT_NOTE
from tinymoe.grading.loader import impl_dir
from tinymoe.grading.paths import split_id

UNTRUSTED_NOTE = "its report came twice or without a start: not trusted"
GRACE_S = 5.0  # the watchdog fires this long after pytest-timeout would have
SETUP_LIMIT_S = 120.0  # a test's fixtures (not counted in its time limit)
LESSON_LOAD_LIMIT_S = 60.0  # importing one lesson module, before any test starts
ENGINE_WARMUP_LIMIT_S = 900.0  # the engine's first Numba compilation on a fresh clone
DEFAULT_MEMORY_GB = 4.0
FILE_SIZE_LIMIT = 256 << 20
OUTPUT_KEPT = 64 << 10  # bytes of the child's output kept (the tail); the rest is dropped
EVENT_LINE_LIMIT = 1 << 20
LESSON_RE = re.compile(r"test_(\d\d)_\w+\.py")
PASSED_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ")
PASSED_ENV_PREFIXES = ("NUMBA_", "OMP_", "MKL_", "OPENBLAS_", "TINYMOE_")


@dataclass
class TestResult:
    """The outcome of one graded test."""

    __test__ = False  # not a pytest test class

    nodeid: str
    exercise: str | None
    points: int | None
    outcome: str  # passed | failed | error | skipped | timeout | crashed
    message: str = ""
    not_implemented: bool = False
    detail: str = ""  # the full failure text (tinymoe grade -v)

    @property
    def name(self) -> str:
        return self.nodeid.split("::", 1)[-1]

    @property
    def lesson(self) -> str | None:
        return _lesson(self.nodeid)


@dataclass
class RunResult:
    """Every test's result, problems of whole lessons (a missing or rejected file), and
    problems that are no single test's fault."""

    tests: list[TestResult]
    errors: list[str]
    problems: dict[str, str] = field(default_factory=dict)  # lesson NN -> what is wrong


def test_files(root: Path, target: str | None) -> list[str]:
    """Graded test files for `target`: None (all), 'NN' or 'NN.M'."""
    folder = root / "tests" / "exercises"
    lesson = target.split(".")[0] if target else None
    if target and "." in target:
        split_id(target)
    pattern = f"test_{lesson}_*.py" if lesson else "test_[0-9][0-9]_*.py"
    files = sorted(folder.glob(pattern))
    if not files:
        raise FileNotFoundError(f"no graded tests match {folder.relative_to(root)}/{pattern}")
    return [str(path.relative_to(root)) for path in files]


def lesson_problem(folder: Path, lesson: str, untrusted: bool) -> str | None:
    """What keeps lesson file `folder/<lesson>.py` from being graded, or None."""
    path = folder / f"{lesson}.py"
    if not path.is_file():
        where = "the submission" if untrusted else f"{folder.name}/"
        return f"{path.name} is missing from {where}"
    source = path.read_text(encoding="utf-8", errors="replace")
    try:
        found = policy.check_source(source, path.name) if untrusted else []
        if not untrusted:
            compile(source, path.name, "exec", dont_inherit=True)
    except SyntaxError as err:
        code = (err.text or "").strip()
        return f"{path.name} line {err.lineno}: SyntaxError: {err.msg}" + (
            f": `{code}`" if code else "")
    if not found:
        return None
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    return f"{found[0]}{more}"


def run_tests(
    root: Path,
    impl: str | None = None,
    submission: str | Path | None = None,
    target: str | None = None,
    timeout: float = 60.0,
    order: str | None = None,
    memory_gb: float = DEFAULT_MEMORY_GB,
) -> RunResult:
    """Run the graded tests for `target` against one implementation; never raises for a
    failing, hanging or crashing test."""
    files = test_files(root, target)
    lessons = [Path(f).stem.removeprefix("test_") for f in files]
    untrusted = submission is not None
    folder = impl_dir(root, impl, submission)
    problems = {
        lesson[:2]: problem
        for lesson in lessons
        if (problem := lesson_problem(folder, lesson, untrusted))
    }
    with tempfile.TemporaryDirectory(prefix="tinymoe-grade-") as tmp:
        tmp = Path(tmp)
        if untrusted:
            cwd = _sandbox(root, folder, files, lessons, problems, tmp / "work")
            options = [f"--submission={cwd / 'submission'}", "--tinymoe-untrusted"]
            env = _scrubbed_env(cwd)
        else:
            cwd, options = root, [f"--impl={folder}"]
            env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
            env.pop("TINYMOE_FAST", None)
        if target and "." in target:
            options.append(f"--exercise={target}")
        if order:
            options.append(f"--tinymoe-order={order}")
        run = _run_all(files, options, cwd, env, timeout, memory_gb)
        # a student sees none of the instructor's paths; a learner sees their own
        scrub = {str(cwd): "<sandbox>", str(folder): "<submission>", str(root): "<tinymoe>",
                 str(tmp): "<tmp>", str(Path.home()): "~"} if untrusted else {}
    for test in run.tests:
        if test.lesson in problems and test.outcome != "passed":
            test.outcome, test.message, test.detail = "error", problems[test.lesson], ""
            test.not_implemented = False
        test.message, test.detail = _scrub(test.message, scrub), _scrub(test.detail, scrub)
    run.errors = [_scrub(error, scrub) for error in run.errors]
    run.problems = {nn: _scrub(p, scrub) for nn, p in problems.items()}
    return run


def _sandbox(root, folder, files, lessons, problems, work: Path) -> Path:
    """A fresh folder with the allowed submission files, a copy of the graded tests and
    their configuration; the child runs there, so nothing it writes reaches the checkout."""
    (work / "submission").mkdir(parents=True)
    (work / "tmp").mkdir()
    for lesson in lessons:
        if lesson[:2] not in problems:
            shutil.copyfile(folder / f"{lesson}.py", work / "submission" / f"{lesson}.py")
    tests = work / "tests" / "exercises"
    tests.mkdir(parents=True)
    shutil.copyfile(root / "tests" / "conftest.py", work / "tests" / "conftest.py")
    for path in (root / "tests" / "exercises").glob("*.py"):
        if not path.name.startswith("test_") or str(path.relative_to(root)) in files:
            shutil.copyfile(path, tests / path.name)
    ini = ["[pytest]"]
    pyproject = root / "pyproject.toml"
    if pyproject.exists():
        options = tomllib.loads(pyproject.read_text())
        options = options.get("tool", {}).get("pytest", {}).get("ini_options", {})
        for key, value in options.items():
            if key not in ("testpaths", "addopts"):
                lines = value if isinstance(value, list) else [value]
                ini.append(f"{key} =\n" + "".join(f"    {line}\n" for line in lines))
    (work / "pytest.ini").write_text("\n".join(ini) + "\n")
    return work


def _scrubbed_env(work: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key in PASSED_ENV or key.startswith(PASSED_ENV_PREFIXES)
    }
    for key in ("TINYMOE_ROOT", "TINYMOE_IMPL", "TINYMOE_FAST"):
        env.pop(key, None)
    env.update(HOME=str(work), TMPDIR=str(work / "tmp"), MPLBACKEND="Agg",
               MPLCONFIGDIR=str(work / "tmp"), PYTHONDONTWRITEBYTECODE="1")
    return env


def _scrub(text: str, replacements: dict[str, str]) -> str:
    for path in sorted(replacements, key=len, reverse=True):
        if len(path) > 1:
            text = text.replace(path, replacements[path])
    return text


def _pytest_command(args, options, timeout, report_fd: int) -> list[str]:
    command = [sys.executable, "-m", "pytest", *args, *options, f"--tinymoe-report=fd:{report_fd}"]
    command += ["-p", "tinymoe.grading.pytest_plugin", "-p", "no:cacheprovider", "-q"]
    command += ["--tb=no", "--continue-on-collection-errors"]
    if importlib.util.find_spec("pytest_timeout"):  # else only the watchdog limits a test
        command += [f"--timeout={timeout:g}", "--timeout-method=signal",
                    "-o", "timeout_func_only=true"]
    return command


def _run_all(files, options, cwd, env, timeout, memory_gb) -> RunResult:
    """Run until every planned test has a result (rerunning after a kill or crash)."""
    results: dict[str, TestResult] = {}
    errors: list[str] = []
    planned: list[dict] | None = None
    args = files
    while True:
        run = _run_once(args, options, cwd, env, timeout, memory_gb)
        errors += [f"{e['nodeid']}: {e['message']}" for e in run.events
                   if e["event"] == "collecterror"]
        if planned is None:
            collected = [e for e in run.events if e["event"] == "collected"]
            if len(collected) != 1:
                errors.append(f"pytest exited with code {run.returncode} before running "
                              f"tests:\n{run.output}")
                return RunResult([], errors)
            planned = collected[0]["tests"]
        ids = {t["nodeid"]: t for t in planned}
        started = set()
        for event in run.events:
            nodeid = event.get("nodeid")
            if event["event"] == "start" and nodeid in ids:
                started.add(nodeid)
            elif event["event"] == "result" and nodeid in started and nodeid not in results:
                results[nodeid] = _result(ids[nodeid], event)
            elif event["event"] == "result" and nodeid in ids:  # twice, or never started
                results[nodeid] = _result(ids[nodeid], event, "failed", UNTRUSTED_NOTE)
        remaining = [t for t in planned if t["nodeid"] not in results]
        progress = _blame(run, remaining, results, timeout)
        if run.malformed:
            errors.append("the test process wrote a malformed report: tests it did not "
                          "report count as failed")
        if not progress and remaining:
            for test in remaining:
                results[test["nodeid"]] = _result(
                    test, {}, "crashed",
                    f"the test process ended before this test ran (exit code {run.returncode})")
        args = [t["nodeid"] for t in planned if t["nodeid"] not in results]
        if not args:
            break
    return RunResult([results[t["nodeid"]] for t in planned], errors)


def _result(test: dict, event: dict, outcome: str | None = None, message: str | None = None):
    def text(key, default=""):
        value = event.get(key, default)
        return value if isinstance(value, str) else default

    outcome = outcome or text("outcome", "failed")
    if outcome not in ("passed", "failed", "error", "skipped", "timeout", "crashed"):
        outcome, message = "failed", "malformed result: not trusted"
    return TestResult(
        test["nodeid"], test.get("exercise"), test.get("points"), outcome,
        message if message is not None else text("message"),
        event.get("not_implemented") is True, text("detail"),
    )


def _blame(run, remaining: list[dict], results: dict, timeout: float) -> bool:
    """Score what the child was doing when it died. True if that resolved any test."""
    if run.running is None:
        return False
    kind, name = run.running
    outcome = "timeout" if run.killed else "crashed"
    crashed = f"crashed the test process (exit code {run.returncode})"
    if kind == "lesson":  # importing the lesson module: every test of that lesson
        why = (f"did not finish in {max(LESSON_LOAD_LIMIT_S, timeout):g} s (an infinite loop "
               "at import time?)" if run.killed else crashed)
        hit = [t for t in remaining if _lesson(t["nodeid"]) == name[:2]]
        for test in hit:
            results[test["nodeid"]] = _result(test, {}, outcome, f"loading {name}.py {why}")
        return bool(hit)
    test = next((t for t in remaining if t["nodeid"] == name), None)
    if test is None:
        return False
    if kind == "call":
        message = TIMEOUT_NOTE.format(timeout) if run.killed else f"the test {crashed}"
    else:
        message = (f"set-up did not finish in {max(SETUP_LIMIT_S, timeout):g} s"
                   if run.killed else f"the test's set-up {crashed}")
    results[name] = _result(test, {}, outcome, message)
    return True


def _lesson(nodeid: str) -> str | None:
    match = LESSON_RE.search(nodeid)
    return match.group(1) if match else None


@dataclass
class _Run:
    events: list[dict]
    returncode: int | None
    killed: bool
    running: tuple[str, str] | None  # ("lesson"|"engine"|"setup"|"call", name) at the end
    output: str
    malformed: bool


def _limits(memory_gb: float, cpu_s: int):
    data = int(memory_gb * (1 << 30))
    limits = [(resource.RLIMIT_DATA, data), (resource.RLIMIT_FSIZE, FILE_SIZE_LIMIT),
              (resource.RLIMIT_CPU, cpu_s), (resource.RLIMIT_CORE, 0)]

    def apply():
        for kind, value in limits:
            try:
                hard = resource.getrlimit(kind)[1]
                value = value if hard == resource.RLIM_INFINITY else min(value, hard)
                resource.setrlimit(kind, (value, hard))
            except (ValueError, OSError):  # a platform without this limit
                continue

    return apply


class _Events:
    """Parses the event pipe, line by line; a malformed line ends trust in the rest."""

    def __init__(self):
        self.events: list[dict] = []
        self.buffer = b""
        self.malformed = False
        self.running: tuple[str, str] | None = None
        self.since = time.monotonic()

    def feed(self, data: bytes) -> None:
        if self.malformed:
            return
        self.buffer += data
        *lines, self.buffer = self.buffer.split(b"\n")
        if len(self.buffer) > EVENT_LINE_LIMIT:
            self.malformed = True
        for line in lines:
            try:
                event = json.loads(line)
                assert isinstance(event, dict) and isinstance(event.get("event"), str)
            except (ValueError, AssertionError):
                self.malformed = True
                return
            self.events.append(event)
            self._track(event)

    def _track(self, event: dict) -> None:
        kind = event["event"]
        running = self.running
        if kind == "warmup":
            lesson = str(event.get("lesson"))
            running = ("engine", lesson) if lesson == "engine" else ("lesson", lesson)
        elif kind == "start":
            running = ("setup", str(event.get("nodeid")))
        elif kind == "call":
            running = ("call", str(event.get("nodeid")))
        elif kind in ("warmed", "result"):
            running = None
        if running != self.running:
            self.running, self.since = running, time.monotonic()

    def limit(self, timeout: float) -> float | None:
        kind = self.running[0] if self.running else None
        return {"engine": ENGINE_WARMUP_LIMIT_S, "lesson": max(LESSON_LOAD_LIMIT_S, timeout),
                "setup": max(SETUP_LIMIT_S, timeout), "call": timeout + GRACE_S}.get(kind)


def _run_once(args, options, cwd, env, timeout, memory_gb) -> _Run:
    """One pytest child. Never trusts its exit code or output."""
    nonce = secrets.token_hex(8)
    read_fd, write_fd = os.pipe()
    cpu_s = int(ENGINE_WARMUP_LIMIT_S + len(args) * (timeout + GRACE_S) * 4 + 600)
    proc = subprocess.Popen(
        _pytest_command(args, options, timeout, write_fd),
        cwd=cwd, env={**env, "TINYMOE_RUN": nonce}, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, pass_fds=(write_fd,),
        start_new_session=True, preexec_fn=_limits(memory_gb, cpu_s),
    )
    os.close(write_fd)
    events, tail = _Events(), deque()
    kept, killed = 0, False
    streams = {read_fd: events.feed, proc.stdout.fileno(): None}
    try:
        while streams:
            ready, _, _ = select.select(list(streams), [], [], 0.1)
            for fd in ready:
                data = os.read(fd, 1 << 16)
                if not data:
                    del streams[fd]
                elif streams[fd]:
                    streams[fd](data)
                else:  # keep only the tail of the output
                    tail.append(data)
                    kept += len(data)
                    while kept - len(tail[0]) > OUTPUT_KEPT:
                        kept -= len(tail.popleft())
            limit = events.limit(timeout)
            if limit is not None and time.monotonic() - events.since > limit:
                killed = True
                break
            if proc.poll() is not None and not ready:
                break  # exited; a daemon may hold the pipes open: do not wait for it
    finally:
        _kill_all(proc, nonce)
        os.close(read_fd)
        proc.stdout.close()
    output = b"".join(tail)[-OUTPUT_KEPT:].decode("utf-8", "replace")
    return _Run(events.events, proc.returncode, killed, events.running, output[-3000:],
                events.malformed)


def _kill_all(proc: subprocess.Popen, nonce: str) -> None:
    """Kill the child's session and every process that carries this run's id."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
    marker = f"TINYMOE_RUN={nonce}".encode()
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                os.kill(int(entry.name), signal.SIGKILL)
        except (OSError, ValueError):
            continue

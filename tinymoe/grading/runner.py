"""Run the graded tests in a subprocess and collect one TestResult per test.

A watchdog kills the run when one test overruns its time (an infinite loop, even one
inside a Numba kernel that holds the GIL) and a crashed run (segfault, os._exit) is
resumed with the remaining tests, so either costs that one test only.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tinymoe.grading.paths import split_id

TIMEOUT_NOTE = "timed out after {:g} s: an infinite loop?"
GRACE_S = 5.0  # the watchdog fires this long after pytest-timeout would have


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

    @property
    def name(self) -> str:
        return self.nodeid.split("::", 1)[-1]


@dataclass
class RunResult:
    """Every test's result plus problems that are not one test's fault."""

    tests: list[TestResult]
    errors: list[str]


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


def run_tests(
    root: Path,
    impl: str | None = None,
    submission: str | Path | None = None,
    target: str | None = None,
    timeout: float = 60.0,
) -> RunResult:
    """Run the graded tests for `target` against one implementation; never raises for a
    failing, hanging or crashing test."""
    args = test_files(root, target)
    options = [f"--impl={impl}"] if impl else []
    if submission:
        options = [f"--submission={Path(submission).resolve()}"]
    if target and "." in target:
        options.append(f"--exercise={target}")
    results: dict[str, TestResult] = {}
    errors: list[str] = []
    planned: list[dict] | None = None  # every collected test, in order
    while True:
        events, rc, killed, output = _run_once(root, args, options, timeout)
        errors += [f"{e['nodeid']}: {e['message']}" for e in events if e["event"] == "collecterror"]
        if planned is None:
            planned = next((e["tests"] for e in events if e["event"] == "collected"), None)
            if planned is None:
                errors.append(f"pytest exited with code {rc} before running tests:\n{output}")
                return RunResult([], errors)
        for event in events:
            if event["event"] == "result":
                fields = {k: event[k] for k in TestResult.__dataclass_fields__}
                results[event["nodeid"]] = TestResult(**fields)
        unfinished = [e for e in events if e["event"] == "start" and e["nodeid"] not in results]
        if unfinished:  # the run died inside this test: it scores 0, the others run again
            test = unfinished[-1]
            message = (
                TIMEOUT_NOTE.format(timeout)
                if killed
                else f"the test process crashed (exit code {rc})"
            )
            results[test["nodeid"]] = TestResult(
                test["nodeid"], test["exercise"], test["points"],
                "timeout" if killed else "crashed", message,
            )
        elif rc not in (0, 1):
            errors.append(f"pytest stopped with code {rc}:\n{output}")
        args = [t["nodeid"] for t in planned if t["nodeid"] not in results]
        if not args or not unfinished:
            break
    return RunResult([results[t["nodeid"]] for t in planned if t["nodeid"] in results], errors)


def _pytest_command(args: list[str], options: list[str], timeout: float, report: str):
    command = [sys.executable, "-m", "pytest", *args, *options, f"--tinymoe-report={report}"]
    command += ["-p", "tinymoe.grading.pytest_plugin", "-p", "no:cacheprovider", "-q"]
    command += ["--continue-on-collection-errors"]
    if importlib.util.find_spec("pytest_timeout"):
        command += [f"--timeout={timeout:g}", "--timeout-method=signal"]
    return command


def _run_once(root: Path, args: list[str], options: list[str], timeout: float):
    """One pytest subprocess. Returns (events, return code, killed by watchdog?, output tail)."""
    with tempfile.TemporaryDirectory(prefix="tinymoe-grade-") as tmp:
        report, log = Path(tmp) / "events.jsonl", Path(tmp) / "pytest.log"
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        env.pop("TINYMOE_FAST", None)
        with open(log, "w") as out:
            proc = subprocess.Popen(
                _pytest_command(args, options, timeout, str(report)),
                cwd=root, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True,
            )
            killed = _watch(proc, report, timeout + GRACE_S)
        events = _read_events(report)
        return events, proc.returncode, killed, log.read_text()[-3000:]


def _watch(proc: subprocess.Popen, report: Path, limit: float) -> bool:
    """Wait for `proc`; kill its process group if one test runs longer than `limit` seconds."""
    current, since = None, time.monotonic()
    while proc.poll() is None:
        time.sleep(0.1)
        events = _read_events(report)
        last = events[-1] if events else {}
        running = last.get("nodeid") if last.get("event") == "start" else None
        if running != current:
            current, since = running, time.monotonic()
        elif current and time.monotonic() - since > limit:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
    return False


def _read_events(report: Path) -> list[dict]:
    if not report.exists():
        return []
    events = []
    for line in report.read_text().splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:  # a line cut short by a crash
            break
    return events

"""Run drill tests in a pytest subprocess and read back one result per test.

`run_tests(paths, impl, timeout)` starts `python -m pytest <paths> --drill-impl=<impl>
-p tinymoe.drills.runner`; loaded as a pytest plugin, this module writes one JSON line per
test to the file named by $TINYMOE_DRILL_REPORT: the test id, its outcome, the first
informative line of its failure (tinymoe.grading.feedback.failure_line) and whether the
failure was a NotImplementedError (an unfinished handout).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tinymoe.grading.feedback import TIMEOUT_NOTE, failure_line

REPORT_ENV = "TINYMOE_DRILL_REPORT"
DEFAULT_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class TestResult:
    """One test's outcome: 'passed', 'failed' or 'skipped', with its first failure line."""

    nodeid: str
    outcome: str
    message: str = ""
    not_implemented: bool = False

    @property
    def slug(self) -> str:
        return Path(self.nodeid.split("::")[0]).stem.removeprefix("test_")


@dataclass(frozen=True)
class RunResult:
    """The results of one pytest run, and its output when it produced no results."""

    results: list[TestResult]
    returncode: int
    output: str
    timed_out_after: float | None = None  # seconds, when the run was killed

    @property
    def passed(self) -> bool:
        return self.returncode == 0 and bool(self.results) and all(
            r.outcome == "passed" for r in self.results)

    def first_failure(self) -> str:
        """The first failing test's line, or why the run produced no results."""
        if self.timed_out_after is not None:
            return TIMEOUT_NOTE.format(self.timed_out_after)
        for r in self.results:
            if r.outcome == "failed":
                return f"{r.nodeid.split('::')[-1]}: {r.message}"
        if not self.results:
            lines = [line for line in self.output.splitlines() if line.strip()]
            errors = [line for line in lines if line.startswith("E ")]
            return (errors or lines or ["no tests ran"])[0].removeprefix("E ").strip()
        return ""


def _caused_by_not_implemented(exc: BaseException | None) -> bool:
    while exc is not None:
        if isinstance(exc, NotImplementedError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Plugin hook: record each test's first failing phase, or its call-phase pass/skip."""
    report = (yield).get_result()
    path = os.environ.get(REPORT_ENV)
    if not path or not (report.failed or report.when == "call" or report.skipped):
        return
    exc = call.excinfo.value if call.excinfo else None
    outcome = "failed" if report.failed else "skipped" if report.skipped else "passed"
    message = failure_line(exc) if report.failed and exc is not None else ""
    line = {"nodeid": item.nodeid, "outcome": outcome, "message": message,
            "not_implemented": report.failed and _caused_by_not_implemented(exc)}
    with open(path, "a") as f:
        f.write(json.dumps(line) + "\n")


def _read(path: Path) -> list[TestResult]:
    results: dict[str, TestResult] = {}
    for line in path.read_text().splitlines() if path.exists() else []:
        result = TestResult(**json.loads(line))
        results.setdefault(result.nodeid, result)  # the first failing phase counts
    return list(results.values())


def start(paths: list[Path], impl: str, report: Path, cwd: Path | None = None):
    """Start the pytest subprocess (a Popen) writing its results to `report`."""
    cmd = [sys.executable, "-m", "pytest", *map(str, paths), f"--drill-impl={impl}",
           "-p", "tinymoe.drills.runner", "-p", "no:cacheprovider", "-q", "--tb=short",
           "-o", "addopts="]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
    env[REPORT_ENV] = str(report)  # (a pytest-xdist worker's variables stay out of the child)
    return subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def finish(process, report: Path, timeout: float) -> RunResult:
    """Wait for a process from `start` (killing it after `timeout` seconds); its results."""
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return RunResult(_read(report), -9, "", timed_out_after=timeout)
    return RunResult(_read(report), process.returncode, output)


def run_tests(paths: list[Path], impl: str, timeout: float = DEFAULT_TIMEOUT_S,
              cwd: Path | None = None) -> RunResult:
    """Run the drill tests at `paths` on `impl` (reference | handout | a file path)."""
    with tempfile.TemporaryDirectory(prefix="tinymoe-drill-") as tmp:
        report = Path(tmp) / "results.jsonl"
        return finish(start(paths, impl, report, cwd), report, timeout)

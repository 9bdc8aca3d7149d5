"""pytest plugin for graded exercises.

Options: `--impl={solutions,exercises}` and `--submission=DIR` choose the implementation that
`load_exercise` (tests/exercises/conftest.py) loads; `--exercise=NN.M` keeps only that
exercise's tests; `--tinymoe-report=FILE` appends one JSON line per event (collected tests,
test start, test result, collection error) for `tinymoe grade` to read, even if the run dies.
"""

from __future__ import annotations

import json
import time

import pytest

from tinymoe.grading.runner import TIMEOUT_NOTE


def pytest_addoption(parser):
    group = parser.getgroup("tinymoe", "tinymoe graded exercises")
    group.addoption(
        "--impl",
        default=None,
        help="implementation under test: solutions (default), exercises, or a folder "
        "(env: TINYMOE_IMPL)",
    )
    group.addoption("--submission", default=None, help="grade the NN_topic.py files in DIR")
    group.addoption("--exercise", default=None, help="run only the tests of exercise NN.M")
    group.addoption("--tinymoe-report", default=None, help="write JSON-lines results here")


def marker_arg(item, name):
    """The first argument of marker `name` on `item`, or None."""
    marker = item.get_closest_marker(name)
    return marker.args[0] if marker and marker.args else None


def pytest_collection_modifyitems(config, items):
    wanted = config.getoption("exercise")
    if not wanted:
        return
    keep = [item for item in items if marker_arg(item, "exercise") == wanted]
    config.hook.pytest_deselected(items=[item for item in items if item not in keep])
    items[:] = keep


def pytest_configure(config):
    config.addinivalue_line("markers", "exercise(id): the graded exercise NN.M this test grades")
    config.addinivalue_line("markers", "points(n): points this graded test is worth")
    path = config.getoption("tinymoe_report")
    if path:
        config.pluginmanager.register(Reporter(path), "tinymoe-reporter")


def caused_by_not_implemented(exc: BaseException | None) -> bool:
    """Whether NotImplementedError is `exc`, its cause/context chain, or in its group."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, NotImplementedError):
            return True
        if isinstance(exc, BaseExceptionGroup) and any(
            caused_by_not_implemented(e) for e in exc.exceptions
        ):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def first_line(text: str) -> str:
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return lines[0] if lines else ""


class Reporter:
    """Writes the JSON-lines event log that tinymoe.grading.runner reads."""

    def __init__(self, path):
        self.file = open(path, "a", encoding="utf-8")  # closed in pytest_unconfigure
        self.state = {}

    def write(self, **event):
        self.file.write(json.dumps(event) + "\n")
        self.file.flush()

    @staticmethod
    def describe(item):
        return {
            "nodeid": item.nodeid,
            "exercise": marker_arg(item, "exercise"),
            "points": marker_arg(item, "points"),
        }

    def pytest_collection_finish(self, session):
        self.write(event="collected", tests=[self.describe(item) for item in session.items])

    def pytest_collectreport(self, report):
        if report.failed:
            self.write(event="collecterror", nodeid=report.nodeid,
                       message=first_line(str(report.longrepr).splitlines()[-1]))

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item, nextitem):
        self.write(event="start", time=time.time(), **self.describe(item))
        self.state[item.nodeid] = {"outcome": "passed", "message": "", "not_implemented": False}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = (yield).get_result()
        state = self.state[item.nodeid]
        if state["outcome"] == "passed" and not report.passed:
            if report.skipped:
                reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
                state.update(outcome="skipped", message=first_line(reason))
            else:
                exc = call.excinfo.value if call.excinfo else None
                message = first_line(call.excinfo.exconly() if call.excinfo else report.longrepr)
                message = message.removeprefix("AssertionError: ")
                outcome = "failed" if call.when == "call" else "error"
                if "from pytest-timeout" in message:
                    outcome = "timeout"
                    message = TIMEOUT_NOTE.format(item.config.getoption("timeout", 0))
                state.update(
                    outcome=outcome,
                    message=message,
                    not_implemented=caused_by_not_implemented(exc),
                )
        if call.when == "teardown":
            self.write(event="result", **self.describe(item), **self.state.pop(item.nodeid))

    def pytest_unconfigure(self, config):
        self.file.close()

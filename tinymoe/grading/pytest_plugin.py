"""pytest plugin for graded exercises.

Options: `--impl={solutions,exercises}` and `--submission=DIR` choose the implementation that
the `load_exercise` fixture loads; `--exercise=NN.M` keeps only that exercise's tests;
`--tinymoe-order=reverse|random:SEED` reorders the tests (the order-independence meta-test);
`--tinymoe-report=FILE` (or `fd:N`, an inherited pipe) receives one JSON line per event for
`tinymoe grade` (tinymoe.grading.runner) to read, even if the run dies:

    collected {tests}   warmup {lesson}   warmed {lesson}   start {test}   call {nodeid}
    result {test, outcome, message, detail, not_implemented}   collecterror {nodeid, message}

In a graded run (a report is requested) every lesson module the selected tests need is
loaded before the first test starts (`warmup`), so no test's time limit pays for imports or
for the engine's Numba caches; a lesson that fails to load fails only its own tests, each
saying so. `--tinymoe-untrusted` adds the run-time guard (guard.py) for submissions.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
import types
from pathlib import Path

import pytest

from tinymoe.grading.feedback import (
    LEARNER_MODULE_PREFIX,
    TIMEOUT_NOTE,
    failure_line,
    first_line,
)
from tinymoe.grading.loader import impl_dir, load_module
from tinymoe.grading.paths import lesson_file

DETAIL_CHARS = 4000  # the full failure text kept for `tinymoe grade -v`
LESSON_OF_TEST_RE = re.compile(r"test_(\d\d_\w+)\.py$")


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
    group.addoption("--tinymoe-report", default=None,
                    help="write JSON-lines results to FILE (or fd:N)")
    group.addoption("--tinymoe-order", default=None,
                    help="run the tests in reverse or random:SEED order (meta-tests)")
    group.addoption("--tinymoe-untrusted", action="store_true",
                    help="guard the grading modules against the code under test")


def marker_arg(item, name):
    """The first argument of marker `name` on `item`, or None."""
    marker = item.get_closest_marker(name)
    return marker.args[0] if marker and marker.args else None


def reorder(items: list, order: str | None) -> None:
    """Reorder `items` in place: None (as collected), 'reverse' or 'random:SEED'."""
    if not order:
        return
    if order == "reverse":
        items.reverse()
    elif order.startswith("random:") and order[7:].isdigit():
        random.Random(int(order[7:])).shuffle(items)
    else:
        raise pytest.UsageError(f"--tinymoe-order={order}: expected reverse or random:SEED")


def pytest_collection_modifyitems(config, items):
    graded = [item.path for item in items if LESSON_OF_TEST_RE.search(item.path.name)]
    if graded:  # tests/exercises/test_NN_topic.py -> the checkout
        config.stash[_LESSONS].root = graded[0].parents[2]
    wanted = config.getoption("exercise")
    if wanted:
        keep = [item for item in items if marker_arg(item, "exercise") == wanted]
        config.hook.pytest_deselected(items=[item for item in items if item not in keep])
        items[:] = keep
    reorder(items, config.getoption("tinymoe_order"))


def pytest_configure(config):
    config.addinivalue_line("markers", "exercise(id): the graded exercise NN.M this test grades")
    config.addinivalue_line("markers", "points(n): points this graded test is worth")
    config.stash[_LESSONS] = Lessons(config)
    path = config.getoption("tinymoe_report")
    if path:
        config.pluginmanager.register(Reporter(config, path), "tinymoe-reporter")


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


class LessonLoadError(Exception):
    """A lesson module that could not be loaded; every test that needs it fails with this."""


class Lessons:
    """The implementation's lesson modules, each loaded once per session (or its error)."""

    def __init__(self, config):
        self.config = config
        self.root = Path(config.rootpath)  # the checkout: set from the graded test files
        self.loaded: dict[str, object] = {}

    def folder(self) -> Path:
        options = self.config.getoption("impl"), self.config.getoption("submission")
        return impl_dir(self.root, *options)

    def load(self, lesson: str):
        """The module of lesson 'NN' or 'NN_topic' (one module per file, however named)."""
        try:
            path = lesson_file(self.folder(), lesson)
        except FileNotFoundError as err:
            raise LessonLoadError(str(err)) from None
        key = path.stem
        if key not in self.loaded:
            try:
                self.loaded[key] = load_module(path)
            except FileNotFoundError as err:
                self.loaded[key] = LessonLoadError(str(err))
            except Exception as err:  # noqa: BLE001 - whatever the learner's import raised
                self.loaded[key] = LessonLoadError(f"loading {key}.py failed: "
                                                   f"{failure_line(err)}")
                self.loaded[key].__cause__ = err
        value = self.loaded[key]
        if isinstance(value, LessonLoadError):
            raise value
        return value


_LESSONS = pytest.StashKey[Lessons]()


@pytest.fixture(scope="session")
def load_exercise(request):
    """A function lesson ('NN' or 'NN_topic') -> the implementation's module, loaded once."""
    return request.config.stash[_LESSONS].load


def warm_up_engine() -> None:
    """Load the engine's compiled kernels (Numba caches) that graded tests use as oracles,
    in float64 and float32, with one tiny graph and one step of each optimiser."""
    import numpy as np

    import tinymoe as tm
    from tinymoe import nn, optim
    from tinymoe.nn import functional as F

    for dtype in (tm.float64, tm.float32):
        rng = np.random.default_rng(0)
        x = tm.tensor(rng.standard_normal((4, 3)), requires_grad=True, dtype=dtype)
        w = nn.Parameter(rng.standard_normal((2, 3)).astype(x.dtype))
        b = nn.Parameter(np.zeros(2, dtype=x.dtype))
        steps = [
            lambda h: F.tanh(h).sum() + F.relu(h).sum() + F.sigmoid(h).sum() + F.gelu(h).sum(),
            lambda h: F.softmax(h).sum() + F.log_softmax(h).sum(),
            lambda h: F.mse_loss(h, np.ones((4, 2))) + F.cross_entropy(h, np.array([0, 1, 1, 0])),
            lambda h: F.binary_cross_entropy_with_logits(h, np.ones((4, 2))),
        ]
        for step in steps:
            try:  # a broken op is for the engine's own tests; warm up the others
                step(F.linear(x, w, b)).backward()
            except Exception:  # noqa: BLE001, S112
                continue
        for make in (optim.SGD, optim.Adam, optim.AdamW):
            try:
                make([w, b], lr=1e-3).step()
            except Exception:  # noqa: BLE001, S112
                continue


def _use_the_engine(items) -> bool:
    """Whether any of these tests' modules imports tinymoe's engine (not just the grader)."""
    modules = {id(m): m for m in (getattr(item, "module", None) for item in items) if m}
    return any(
        isinstance(value, types.ModuleType)
        and value.__name__.split(".")[0] == "tinymoe"
        and not value.__name__.startswith("tinymoe.grading")
        for module in modules.values()
        for value in vars(module).values()
    )


class Reporter:
    """Writes the JSON-lines event log that tinymoe.grading.runner reads."""

    def __init__(self, config, path: str):
        self.config = config
        if path.startswith("fd:"):
            self.file = os.fdopen(int(path[3:]), "w", encoding="utf-8")
        else:
            self.file = open(path, "a", encoding="utf-8")  # closed in pytest_unconfigure
        self.state = {}
        self.guard = None
        self.tampered = None

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
        if self.config.getoption("tinymoe_untrusted"):
            from tinymoe.grading.guard import Guard

            self.guard = Guard(LEARNER_MODULE_PREFIX)
        lessons = self.config.stash[_LESSONS]
        needed = sorted({
            match.group(1)
            for item in session.items
            if (match := LESSON_OF_TEST_RE.search(str(item.path)))
        })
        if _use_the_engine(session.items):
            self.write(event="warmup", lesson="engine")
            warm_up_engine()
            self.write(event="warmed", lesson="engine")
        for lesson in needed:
            self.write(event="warmup", lesson=lesson)
            try:
                lessons.load(lesson)
            except LessonLoadError:
                pass  # each test that needs it fails with the message
            self.write(event="warmed", lesson=lesson)
        if self.guard:
            self.guard.freeze()

    def pytest_collectreport(self, report):
        if report.failed:
            self.write(event="collecterror", nodeid=report.nodeid,
                       message=first_line(str(report.longrepr).splitlines()[-1]))

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item, nextitem):
        self.write(event="start", time=time.time(), **self.describe(item))
        self.state[item.nodeid] = {"outcome": "passed", "message": "", "detail": "",
                                   "not_implemented": False}

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_call(self, item):
        self.write(event="call", nodeid=item.nodeid)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = (yield).get_result()
        state = self.state[item.nodeid]
        if state["outcome"] == "passed" and not report.passed:
            if report.skipped:
                reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
                state.update(outcome="skipped", message=first_line(reason))
            else:
                state.update(self._failure(item, call, report))
        if call.when == "teardown":
            self._check_guard(state)
            self.write(event="result", **self.describe(item), **self.state.pop(item.nodeid))

    def _failure(self, item, call, report) -> dict:
        exc = call.excinfo.value if call.excinfo else None
        message = failure_line(exc) if exc is not None else first_line(report.longreprtext)
        outcome = "failed" if call.when == "call" else "error"
        if "from pytest-timeout" in message:
            outcome = "timeout"
            message = TIMEOUT_NOTE.format(item.config.getoption("timeout", 0) or 0)
        elif isinstance(exc, LessonLoadError):
            message = str(exc)
        elif call.when == "setup":
            message = f"could not set up the test: {message}"
        detail = report.longreprtext
        if call.excinfo is not None:
            detail = str(call.excinfo.getrepr(style="short", chain=True))
        return {
            "outcome": outcome,
            "message": message[:500],
            "detail": detail[-DETAIL_CHARS:],
            "not_implemented": caused_by_not_implemented(exc),
        }

    def _check_guard(self, state: dict) -> None:
        if self.guard is None:
            return
        self.tampered = self.tampered or self.guard.changed()
        if self.tampered:
            state.update(outcome="failed", not_implemented=False, detail="",
                         message=f"the submission replaced {self.tampered}: "
                                 "grading code is off limits")

    def pytest_unconfigure(self, config):
        self.file.close()

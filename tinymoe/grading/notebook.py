"""Notebook helpers: `use` the learner's functions with a fallback, `check` them inline.

`use("NN")` returns a live view of `exercises/NN_topic.py`: attribute accesses and calls
check whether the file changed on disk (modification time and size, then a content hash;
once per notebook cell, or on every call outside IPython) and re-import it if so, so an
edit reaches the next cell without restarting the kernel. A function whose body still holds
an exercise stub (`raise NotImplementedError("exercise NN.M: ...")`) is replaced, inside the
learner's module too, by a wrapper that runs the reference solution of *that* function
while the stub stands. Given code that calls it (a training loop, a demo helper) keeps
running the learner's finished parts, and the notice names the unfinished exercise and
function.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import inspect
import os
import re
from pathlib import Path
from types import CodeType, ModuleType, TracebackType

from tinymoe.grading.loader import impl_dir, load_module
from tinymoe.grading.paths import lesson_file, repo_root

STUB_RE = re.compile(r"^exercise (\d\d\.\d+): ")


def _public(module: ModuleType) -> dict:
    """The functions and classes defined in `module` whose names do not start with '_'."""
    return {
        name: obj
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(obj) or inspect.isclass(obj))
        and obj.__module__ == module.__name__
    }


def _holds_stub(code: CodeType) -> bool:
    """Whether `code` (or a function nested in it) contains an exercise stub's message."""
    return any(
        (isinstance(c, str) and STUB_RE.match(c)) or (isinstance(c, CodeType) and _holds_stub(c))
        for c in code.co_consts
    )


def _raised_in(tb: TracebackType | None, path: str) -> str | None:
    """The qualified name of the innermost function of file `path` on traceback `tb`."""
    name = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == path:
            name = tb.tb_frame.f_code.co_qualname
        tb = tb.tb_next
    return name


@functools.cache
def _get_ipython():
    """IPython's `get_ipython` (looked up once: the lookup is slow), or one returning None."""
    try:
        from IPython import get_ipython
    except ImportError:
        return lambda: None
    return get_ipython


def _cell() -> int | None:
    """The IPython execution count of the running cell (None outside IPython)."""
    shell = _get_ipython()()
    return None if shell is None else shell.execution_count


class _Loaded:
    """One import of the learner's file: its module, with stubbed functions wrapped."""

    def __init__(self, path: Path, reference: ModuleType):
        data = path.read_bytes()
        self.digest = hashlib.sha256(data).hexdigest()
        self.module = load_module(path)
        self.noticed: set = set()  # (exercise id, function, cell): one notice each
        theirs = _public(reference)
        for name, obj in _public(self.module).items():
            if inspect.isfunction(obj) and _holds_stub(obj.__code__) and name in theirs:
                setattr(self.module, name, self._fallback(obj, theirs[name]))
        self.public = _public(self.module)

    def _fallback(self, mine, reference):
        """`mine`, running `reference` instead (with a notice) while its stub raises."""

        @functools.wraps(mine)
        def call(*args, **kwargs):
            try:
                return mine(*args, **kwargs)
            except NotImplementedError as err:
                if not STUB_RE.match(str(err)):
                    raise
                self.notice(str(err), _raised_in(err.__traceback__, mine.__code__.co_filename),
                            mine.__name__)
                return reference(*args, **kwargs)

        return call

    def notice(self, message: str, raised_in: str | None, stand_in: str) -> None:
        """One line per (exercise, function standing in, notebook cell)."""
        exercise = STUB_RE.match(message).group(1)
        key = (exercise, stand_in, _cell())
        if key in self.noticed:
            return
        self.noticed.add(key)
        where = "" if raised_in in (None, stand_in) else f" (in {raised_in}())"
        print(f"[tinymoe] exercise {exercise} not done yet{where}: "
              f"using the reference solution for {stand_in}()")


class Lesson:
    """A live view of the learner's lesson module: re-imported whenever its file changes.

    Public functions fall back to the reference while a stub inside them (or in a class
    method they call) raises; classes are the learner's own.
    """

    def __init__(self, path: Path, reference: ModuleType):
        self._path, self._reference = path, reference
        self._stat: tuple[int, int] | None = None
        self._checked_in: int | None = None  # the notebook cell that last looked at the file
        self._loaded: _Loaded | None = None
        self._delegates: dict = {}  # name -> delegate, for the current import
        self._refresh()

    def _refresh(self) -> _Loaded:
        """The current import of the file, re-importing it if it changed since. In a
        notebook the file is looked at once per cell (a plot's loop makes thousands of
        calls); elsewhere on every call."""
        cell = _cell()
        if cell is not None and cell == self._checked_in:
            return self._loaded
        self._checked_in = cell
        st = os.stat(self._path)
        stat = (st.st_mtime_ns, st.st_size)
        if stat != self._stat:
            fresh = hashlib.sha256(self._path.read_bytes()).hexdigest()
            if self._loaded is None or fresh != self._loaded.digest:
                self._loaded = _Loaded(self._path, self._reference)
                self._delegates = {}
            self._stat = stat
        return self._loaded

    def __getattr__(self, name: str):
        public = self._refresh().public
        if name.startswith("_") or name not in public:
            raise AttributeError(f"{self._path.name} defines no public function or class {name!r}")
        obj = public[name]
        if inspect.isclass(obj):
            return obj
        if name not in self._delegates:
            self._delegates[name] = self._delegate(name, obj)
        return self._delegates[name]

    def __dir__(self):
        return sorted(self._refresh().public)

    def _delegate(self, name: str, current):
        """A function that calls the *current* version of `name` (edits reach old handles)."""

        @functools.wraps(inspect.unwrap(current))
        def call(*args, **kwargs):
            loaded = self._refresh()
            fn = getattr(loaded.module, name)
            try:
                return fn(*args, **kwargs)
            except NotImplementedError as err:
                reference = getattr(self._reference, name, None)
                if not STUB_RE.match(str(err)) or reference is None:
                    raise
                raised_in = _raised_in(err.__traceback__, str(self._path))
                loaded.notice(str(err), raised_in, name)
                return reference(*args, **kwargs)

        return call


def use(lesson: str, reference: bool = False) -> Lesson | ModuleType:
    """The learner's functions and classes of `lesson` ('NN' or 'NN_topic').

    Functions still raising the stub's NotImplementedError fall back to the reference
    solution with a one-line notice (once per exercise, function and notebook cell).
    Edits to the file are picked up on the next access or call. Classes are the learner's
    own. `reference=True` returns the solutions module itself. With TINYMOE_IMPL=solutions
    (CI) everything comes from solutions/.
    """
    root = repo_root()
    solutions = load_module(lesson_file(root / "solutions", lesson))
    if reference or os.environ.get("TINYMOE_IMPL") == "solutions":
        return solutions
    return Lesson(lesson_file(impl_dir(root, "exercises"), lesson), solutions)


@contextlib.contextmanager
def trying():
    """For a try-it cell (`with trying(): ...`): if an exercise the cell needs is still a stub,
    print which one in one line and carry on, so that "Run all" reaches the end of the lesson.
    Any other error propagates as usual."""
    try:
        yield
    except NotImplementedError as err:
        if not STUB_RE.match(str(err)):
            raise
        print(f"[tinymoe] {err}\n          not done yet: fill it in, then rerun this cell")


def check(target: str, timeout: float = 60.0) -> None:
    """Grade exercise 'NN.M' or lesson 'NN' in a subprocess and show the table inline.

    Skipped when TINYMOE_FAST=1 (the CI notebook runs).
    """
    if os.environ.get("TINYMOE_FAST") == "1":
        print(f"check skipped in fast mode ({target})")
        return
    from tinymoe.grading.grade import grade

    report = grade(target, timeout=timeout)
    try:
        from IPython import get_ipython
        from IPython.display import HTML, display
    except ImportError:
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        display(HTML(report.html()))
    else:
        print(report.text())

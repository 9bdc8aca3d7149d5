"""Notebook helpers: `use` the learner's functions with a fallback, `check` them inline."""

from __future__ import annotations

import functools
import inspect
import os
from types import ModuleType, SimpleNamespace

from tinymoe.grading.loader import impl_dir, load_lesson
from tinymoe.grading.paths import repo_root


def _public(module: ModuleType) -> dict:
    """The functions and classes defined in `module` whose names do not start with '_'."""
    return {
        name: obj
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(obj) or inspect.isclass(obj))
        and obj.__module__ == module.__name__
    }


def _with_fallback(mine, reference, noticed: set):
    """`mine`, falling back to `reference` (with a notice, once) while it is still a stub."""

    @functools.wraps(mine)
    def call(*args, **kwargs):
        try:
            return mine(*args, **kwargs)
        except NotImplementedError as err:
            if not str(err).startswith("exercise ") or reference is None:
                raise
            if mine.__name__ not in noticed:
                noticed.add(mine.__name__)
                what = str(err).split(":")[0]
                print(f"[tinymoe] {what} not done yet: using the reference solution "
                      f"for {mine.__name__}()")
            return reference(*args, **kwargs)

    return call


def use(lesson: str, reference: bool = False) -> SimpleNamespace | ModuleType:
    """The learner's functions and classes of `lesson` ('NN' or 'NN_topic').

    Functions still raising the stub's NotImplementedError fall back to the reference
    solution with a visible notice (once per function). Classes are the learner's own.
    `reference=True` returns the solutions module itself. With TINYMOE_IMPL=solutions
    (CI) everything comes from solutions/.
    """
    root = repo_root()
    solutions = load_lesson(root / "solutions", lesson)
    if reference or os.environ.get("TINYMOE_IMPL") == "solutions":
        return solutions
    mine = load_lesson(impl_dir(root, "exercises"), lesson)
    theirs, noticed = _public(solutions), set()
    return SimpleNamespace(
        **{
            name: _with_fallback(obj, theirs.get(name), noticed) if inspect.isfunction(obj) else obj
            for name, obj in _public(mine).items()
        }
    )


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

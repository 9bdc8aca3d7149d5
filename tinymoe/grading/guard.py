"""Run-time guard for untrusted grading, inside the test process (second line of defence).

After collection, before any submitted code runs: the modules the tests rely on (numpy,
math, tinymoe with the grading plugin, the test modules and conftests) refuse to have an
existing attribute replaced or deleted (pytest is left alone: it rebinds its own module
attributes while it runs, and a submission cannot reach it without what the policy
forbids), and the methods of the classes they define are fingerprinted. After every test,
`Guard.changed()` names what the submission replaced, if anything; the plugin then fails
that test and every later one. The static policy (policy.py) rejects the usual ways to
reach these objects; this catches the ones it cannot see statically.
"""

from __future__ import annotations

import inspect
import sys
import types

WATCHED_PREFIXES = ("tinymoe", "numpy", "math", "test_", "conftest")


class _FrozenModule(types.ModuleType):
    """A module whose existing attributes cannot be replaced or deleted (new ones can be
    added: the import system binds submodules lazily)."""

    def __setattr__(self, name, value):
        if name in self.__dict__ and self.__dict__[name] is not value:
            raise AttributeError(f"grading: {self.__name__}.{name} cannot be replaced")
        super().__setattr__(name, value)

    def __delattr__(self, name):
        raise AttributeError(f"grading: {self.__name__}.{name} cannot be deleted")


def _watched(name: str, learner_prefix: str) -> bool:
    if name.startswith(learner_prefix):
        return False
    return name.split(".")[0].startswith(WATCHED_PREFIXES) or "tests.exercises" in name


def _methods(cls: type) -> dict[str, int]:
    return {
        key: id(value)
        for key, value in vars(cls).items()
        if inspect.isfunction(value) or isinstance(value, staticmethod | classmethod | property)
    }


class Guard:
    """Freeze the watched modules now and remember their classes' methods."""

    def __init__(self, learner_prefix: str):
        self.learner_prefix = learner_prefix
        self.classes: dict[str, tuple[type, dict[str, int]]] = {}
        self.tables: dict[str, tuple[dict, dict[object, int]]] = {}  # module-level dicts
        self.freeze()

    def freeze(self) -> None:
        """Freeze every watched module loaded so far (call again after lazy imports)."""
        for name, module in list(sys.modules.items()):
            if not isinstance(module, types.ModuleType) or not _watched(name, self.learner_prefix):
                continue
            if type(module) is types.ModuleType:
                module.__class__ = _FrozenModule
            if name.split(".")[0] in ("tinymoe", "conftest") or (
                name.startswith("test_") or "tests.exercises" in name
            ):
                if name.split(".")[0] != "tinymoe":  # a test module's globals stay put
                    ids = {k: id(v) for k, v in vars(module).items()}
                    self.tables.setdefault(name, (vars(module), ids))
                for attr, value in list(vars(module).items()):
                    if inspect.isclass(value) and value.__module__ == name:
                        key = f"{name}.{value.__qualname__}"
                        self.classes.setdefault(key, (value, _methods(value)))
                    elif type(value) is dict and not attr.startswith("__"):
                        ids = {k: id(v) for k, v in value.items()}
                        self.tables.setdefault(f"{name}.{attr}", (value, ids))

    def changed(self) -> str | None:
        """The first watched method the submission replaced, added or removed, or the first
        entry of a module-level table (a registry) it replaced or removed, or None."""
        for key, (table, ids) in self.tables.items():
            for name, old in ids.items():
                if name not in table or id(table[name]) != old:
                    return f"{key}[{name!r}]"
        for key, (cls, methods) in self.classes.items():
            now = _methods(cls)
            if now != methods:
                names = sorted(set(now) ^ set(methods) | {
                    n for n in now if n in methods and now[n] != methods[n]
                })
                return f"{key}.{names[0]}"
        return None

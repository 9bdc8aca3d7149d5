"""The static policy for untrusted submissions (`tinymoe grade --submission DIR`).

A student's module runs in the same process as the tests that grade it, so anything it can
reach it can patch. Before anything is imported, each submitted file is parsed and checked:
it may import only computation libraries, and it may not name what reaches the process, the
file system or the interpreter's internals (os, sys, open, eval, getattr with a computed
name, dunder attributes such as __globals__, frame attributes, file I/O of numpy/tinymoe),
nor rebind or mutate anything it imported. A file that breaks a rule is not run: its lesson
scores 0 with a message naming file, line and construct. See docs/grading.md.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

ALLOWED_MODULES = {
    "__future__", "abc", "bisect", "collections", "copy", "dataclasses", "enum", "fractions",
    "functools", "heapq", "itertools", "math", "numbers", "random", "statistics", "time",
    "typing", "numpy", "numba", "tinymoe", "matplotlib", "tqdm",
}
FORBIDDEN_MODULES = {"tinymoe.grading", "tinymoe.cli", "tinymoe.bench", "numpy.testing",
                     "numpy.ctypeslib", "numpy.f2py", "numba.core", "numba.extending"}
FORBIDDEN_NAMES = {
    "open", "eval", "exec", "compile", "__import__", "globals", "locals", "vars", "getattr",
    "setattr", "delattr", "breakpoint", "input", "exit", "quit", "help", "memoryview",
    "SystemExit", "KeyboardInterrupt", "GeneratorExit", "BaseException", "__builtins__",
    "__loader__", "__spec__", "__file__", "__cached__",
}
# attributes that read or write files, run processes, or walk into frames and modules
FORBIDDEN_ATTRIBUTES = {
    "grading", "cli", "bench", "testing", "ctypeslib", "ctypes", "f2py", "extending", "core",
    "load", "save", "savez", "savez_compressed", "loadtxt", "savetxt", "genfromtxt",
    "fromfile", "tofile", "fromregex", "memmap", "open_memmap", "DataSource", "dump", "dumps",
    "savefig", "imsave", "imread", "open", "system", "popen", "environ", "getenv", "putenv",
    "read_text", "read_bytes", "write_text", "write_bytes", "unlink", "rmdir", "mkdir",
    "modules", "get_type_hints", "cfunc", "carray", "farray", "rc_file", "print_png",
    "print_figure", "print_pdf", "print_svg",
    "gi_frame", "gi_code", "cr_frame", "ag_frame", "tb_frame", "tb_next", "f_back",
    "f_globals", "f_locals", "f_builtins", "f_code", "f_trace", "co_code", "mro",
}
ALLOWED_DUNDERS = {"__init__", "__call__", "__name__", "__class__", "__main__"}
# dunder methods a class may define: arithmetic and containers, not comparisons or
# conversions (a value whose __eq__ always says True would pass every `==` check)
ALLOWED_DUNDER_METHODS = {
    "__init__", "__call__", "__repr__", "__str__", "__len__", "__getitem__", "__setitem__",
    "__iter__", "__next__", "__contains__", "__hash__", "__post_init__", "__neg__",
    "__pos__", "__abs__", *(
        f"__{prefix}{op}__" for op in
        ("add", "sub", "mul", "truediv", "floordiv", "pow", "matmul", "mod")
        for prefix in ("", "r", "i")
    ),
}
MUTATING_METHODS = {"update", "setdefault", "clear", "pop", "popitem", "append", "extend",
                    "insert", "remove", "discard", "register"}
# a subclass of these could lie to a comparison: np.isclose(liar, x).all() -> its own all()
BUILTIN_BASES = {"int", "float", "complex", "bool", "str", "bytes", "list", "tuple", "dict",
                 "set", "frozenset", "type", "property", "staticmethod", "classmethod"}
_FORMAT_FIELD_RE = re.compile(r"\{[^{}:!]*[.\[]")  # "{0.__globals__}", "{0[key]}"
_DUNDER_RE = re.compile(r"^__\w+__$")


@dataclass(frozen=True)
class Violation:
    file: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.file} line {self.line}: {self.what} is not allowed in a submission"


def _module_allowed(name: str) -> bool:
    if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN_MODULES):
        return False
    return name.split(".")[0] in ALLOWED_MODULES


def _root(node: ast.AST) -> ast.AST:
    """The innermost object of an attribute/subscript chain: `a` in `a.b[c].d`."""
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node


class _Checker(ast.NodeVisitor):
    def __init__(self, file: str, imported: set[str], numpy_names: set[str]):
        self.file, self.imported, self.numpy_names = file, imported, numpy_names
        self.found: list[Violation] = []

    def bad(self, node: ast.AST, what: str) -> None:
        self.found.append(Violation(self.file, getattr(node, "lineno", 0), what))

    def from_import(self, node: ast.AST) -> bool:
        root = _root(node)
        return isinstance(root, ast.Name) and root.id in self.imported

    def visit_Import(self, node):
        for alias in node.names:
            if not _module_allowed(alias.name):
                self.bad(node, f"`import {alias.name}`")

    def visit_ImportFrom(self, node):
        module = node.module or ""
        if node.level or not _module_allowed(module):
            names = ", ".join(alias.name for alias in node.names)
            self.bad(node, f"`from {'.' * node.level}{module} import {names}`")
            return
        for alias in node.names:
            if alias.name == "*" or not _module_allowed(f"{module}.{alias.name}") or (
                alias.name in FORBIDDEN_ATTRIBUTES | FORBIDDEN_NAMES
            ):
                self.bad(node, f"`from {module} import {alias.name}`")

    def visit_Name(self, node):
        if node.id in FORBIDDEN_NAMES or (
            _DUNDER_RE.match(node.id) and node.id not in ALLOWED_DUNDERS | {"__all__"}
        ):
            self.bad(node, f"the name `{node.id}`")

    def visit_Attribute(self, node):
        attr, root = node.attr, _root(node)
        own = isinstance(root, ast.Name) and root.id in ("self", "cls")
        if attr in FORBIDDEN_ATTRIBUTES and not own:
            self.bad(node, f"the attribute `.{attr}`")
        elif _DUNDER_RE.match(attr) and attr not in ALLOWED_DUNDERS:
            self.bad(node, f"the attribute `.{attr}`")
        elif attr.startswith("_") and not _DUNDER_RE.match(attr) and self.from_import(node):
            self.bad(node, f"the private attribute `.{attr}` of an import")
        self.generic_visit(node)

    def visit_Constant(self, node):
        if isinstance(node.value, str) and _DUNDER_RE.match(node.value) and (
            node.value not in ALLOWED_DUNDERS
        ):
            self.bad(node, f"the string {node.value!r}")

    def visit_FunctionDef(self, node):
        if _DUNDER_RE.match(node.name) and node.name not in ALLOWED_DUNDER_METHODS:
            self.bad(node, f"defining `{node.name}`")
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        for base in node.bases:
            root = _root(base)
            if isinstance(root, ast.Name) and (
                root.id in self.numpy_names or (base is root and root.id in BUILTIN_BASES)
            ):
                self.bad(node, f"subclassing `{ast.unparse(base)}`")
        for keyword in node.keywords:
            self.bad(node, f"the class keyword `{keyword.arg}=`")
        self.generic_visit(node)

    def _check_target(self, target: ast.AST) -> None:
        if isinstance(target, ast.Tuple | ast.List | ast.Starred):
            for element in getattr(target, "elts", [getattr(target, "value", None)]):
                self._check_target(element)
        elif isinstance(target, ast.Attribute | ast.Subscript) and (
            self.from_import(target) or not isinstance(_root(target), ast.Name)
        ):
            self.bad(target, f"changing `{ast.unparse(target)}`, which belongs to an import")

    def visit_Assign(self, node):
        for target in node.targets:
            self._check_target(target)
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self._check_target(node.target)
        self.generic_visit(node)

    def visit_AnnAssign(self, node):
        self._check_target(node.target)
        self.generic_visit(node)

    def visit_Delete(self, node):
        for target in node.targets:
            self._check_target(target)
        self.generic_visit(node)

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in ("format", "format_map"):
            literal = isinstance(func.value, ast.Constant) and isinstance(func.value.value, str)
            if not literal or _FORMAT_FIELD_RE.search(func.value.value):
                self.bad(node, "str.format with a computed or attribute-reaching template "
                         "(use an f-string)")
        if (
            isinstance(func, ast.Attribute)
            and func.attr in MUTATING_METHODS
            and self.from_import(func.value)
        ):
            self.bad(node, f"calling `{ast.unparse(func)}`, which changes an import")
        self.generic_visit(node)


def _rooted_in(node: ast.AST | None, names: set[str]) -> bool:
    """Whether `node` is a name or attribute chain starting at one of `names`."""
    return (
        isinstance(node, ast.Name | ast.Attribute)
        and isinstance(_root(node), ast.Name)
        and _root(node).id in names
    )


def _numpy_names(tree: ast.AST) -> set[str]:
    """Names bound by `import numpy...` or `from numpy... import ...`."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names
                      if a.name.split(".")[0] == "numpy"}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "numpy":
            names |= {a.asname or a.name for a in node.names}
    return names


def _imported_names(tree: ast.AST) -> set[str]:
    """Names bound by imports, and names assigned from them (`t = np.testing`), including
    parameters whose default is one (`def f(d=tm.moe.routers.ROUTERS)`)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    changed = True
    while changed:
        changed = False
        for node in ast.walk(tree):
            if isinstance(node, ast.arguments):
                positional = node.posonlyargs + node.args
                pairs = list(zip(positional[len(positional) - len(node.defaults):],
                                 node.defaults)) + list(zip(node.kwonlyargs, node.kw_defaults))
                for arg, default in pairs:
                    if _rooted_in(default, names) and arg.arg not in names:
                        names.add(arg.arg)
                        changed = True
                continue
            value = getattr(node, "value", None) if isinstance(
                node, ast.Assign | ast.AnnAssign | ast.NamedExpr) else None
            if isinstance(node, ast.For | ast.comprehension):
                value = node.iter
            if value is None:
                continue
            values = value.elts if isinstance(value, ast.Tuple | ast.List) else [value]
            if not any(_rooted_in(v, names) for v in values):
                continue
            targets = getattr(node, "targets", None) or [node.target]
            for target in targets:
                for leaf in ast.walk(target):
                    if isinstance(leaf, ast.Name) and leaf.id not in names:
                        names.add(leaf.id)
                        changed = True
    return names


def check_source(source: str, file: str) -> list[Violation]:
    """Every policy violation in `source`; raises SyntaxError if it does not parse."""
    tree = ast.parse(source, filename=file)
    checker = _Checker(file, _imported_names(tree), _numpy_names(tree))
    checker.visit(tree)
    return checker.found


def check_file(path: Path) -> list[Violation]:
    return check_source(path.read_text(encoding="utf-8", errors="replace"), path.name)

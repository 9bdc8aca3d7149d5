"""`tinymoe reset NN.M`: put one exercise's stub back (the whole function that holds it);
`tinymoe reset NN`: the whole lesson file. The learner's file is backed up first."""

from __future__ import annotations

import ast
from pathlib import Path

from tinymoe.grading.paths import lesson_file, split_id
from tinymoe.grading.stubs import backup, generate

DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


class ResetError(ValueError):
    """The exercise cannot be reset (unknown id, or the learner's file does not parse)."""


def _path_to(tree: ast.Module, line: int) -> list[ast.AST]:
    """The chain of class/function definitions enclosing 1-based `line`, outermost first."""
    chain, body = [], tree.body
    while True:
        inner = [n for n in body if isinstance(n, DEFS) and n.lineno <= line <= n.end_lineno]
        if not inner:
            return chain
        chain.append(inner[-1])
        body = inner[-1].body


def _find(tree: ast.Module, names: list[str]) -> ast.AST | None:
    node = tree
    for name in names:
        matches = [n for n in node.body if isinstance(n, DEFS) and n.name == name]
        if not matches:
            return None
        node = matches[-1]
    return node


def _span(node: ast.AST) -> tuple[int, int]:
    """0-based [start, end) line span of a definition, decorators included."""
    start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    return start - 1, node.end_lineno


def reset(root: Path, target: str) -> str:
    """Restore `target` ('NN' or 'NN.M') in exercises/; returns what was done, in words."""
    lesson = target.split(".")[0]
    solution = lesson_file(root / "solutions", lesson)
    exercise = root / "exercises" / solution.name
    stub = generate(solution.read_text(), solution.name)
    if "." not in target or not exercise.exists():
        saved = backup(root, exercise) if exercise.exists() else None
        exercise.write_text(stub)
        note = f" (your file was saved as {saved.relative_to(root)})" if saved else ""
        return f"restored exercises/{solution.name} to the stub{note}"
    split_id(target)
    stub_lines = stub.splitlines(keepends=True)
    hits = [i for i, line in enumerate(stub_lines) if f'"exercise {target}: ' in line]
    if not hits:
        raise ResetError(f"no exercise {target} in solutions/{solution.name}")
    chain = _path_to(ast.parse(stub), hits[0] + 1)
    while not isinstance(chain[-1], ast.FunctionDef | ast.AsyncFunctionDef):
        chain.pop()
    names = [node.name for node in chain]
    mine = exercise.read_text()
    try:
        node = _find(ast.parse(mine), names)
    except SyntaxError as err:
        raise ResetError(
            f"exercises/{exercise.name} does not parse (line {err.lineno}); fix it, or restore "
            f"the whole file with `tinymoe reset {lesson}`"
        ) from err
    if node is None:
        raise ResetError(
            f"exercises/{exercise.name} has no {'.'.join(names)}; restore the whole file "
            f"with `tinymoe reset {lesson}`"
        )
    start, end = _span(node)
    new_start, new_end = _span(chain[-1])
    lines = mine.splitlines(keepends=True)
    saved = backup(root, exercise)
    exercise.write_text("".join(lines[:start] + stub_lines[new_start:new_end] + lines[end:]))
    return (
        f"restored {'.'.join(names)} (exercise {target}) in exercises/{exercise.name}; "
        f"your file was saved as {saved.relative_to(root)}"
    )

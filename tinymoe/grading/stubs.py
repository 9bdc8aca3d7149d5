"""Generate exercises/NN_topic.py from solutions/NN_topic.py.

Each block between `# BEGIN SOLUTION NN.M: <task>` and `# END SOLUTION` (inside a function)
becomes `raise NotImplementedError("exercise NN.M: <task>")` at the block's indentation;
everything else is copied. Run as `tinymoe stubs [--check]` or
`python -m tinymoe.grading.stubs [--check]`.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tinymoe.grading.paths import repo_root

BEGIN_RE = re.compile(r"^(?P<indent>\s*)# BEGIN SOLUTION (?P<id>\d\d\.\d+): (?P<task>\S.*?)\s*$")
END_RE = re.compile(r"^\s*# END SOLUTION\s*$")
MARKER_RE = re.compile(r"^\s*# (BEGIN|END) SOLUTION")
MAX_LINE = 100

HEADER = (
    "# Exercises for lesson {nn}: replace each `raise NotImplementedError(...)` with your code.\n"
    "# Generated from solutions/{name} by `tinymoe stubs`; `tinymoe reset NN.M` restores a stub.\n"
)


class StubError(ValueError):
    """A malformed solutions file (the message names file and line)."""


@dataclass(frozen=True)
class Block:
    """One solution block: its id, task, indentation, and 0-based BEGIN/END line numbers."""

    exercise_id: str
    task: str
    indent: str
    begin: int
    end: int


def marker_pairs(
    source: str, begin_re: re.Pattern, filename: str, usage: str
) -> list[tuple[int, int, re.Match]]:
    """The (BEGIN, END) 0-based line numbers and BEGIN match of each `# BEGIN SOLUTION` block
    of `source`, validated: blocks closed, not nested, inside function bodies, and every
    marker line well formed (`usage` says what a good BEGIN marker looks like).
    Shared by the exercise stubs and the drill handouts (tinymoe.drills.core)."""
    pairs: list[tuple[int, int, re.Match]] = []
    open_block: tuple[int, re.Match] | None = None
    for i, line in enumerate(source.splitlines()):
        begin, end = begin_re.match(line), END_RE.match(line)
        if begin:
            if open_block:
                raise StubError(f"{filename}:{i + 1}: BEGIN SOLUTION inside another block")
            open_block = (i, begin)
        elif end:
            if not open_block:
                raise StubError(f"{filename}:{i + 1}: END SOLUTION without BEGIN")
            pairs.append((open_block[0], i, open_block[1]))
            open_block = None
        elif MARKER_RE.match(line):
            raise StubError(
                f"{filename}:{i + 1}: malformed marker; use {usage} and '# END SOLUTION'"
            )
    if open_block:
        raise StubError(f"{filename}:{open_block[0] + 1}: BEGIN SOLUTION without END SOLUTION")
    tree = ast.parse(source, filename)
    spans = [
        (node.lineno + 1, node.end_lineno)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    for begin, _, match in pairs:
        if not any(start <= begin + 1 <= end for start, end in spans):
            name = f"exercise {match['id']}" if "id" in match.groupdict() else "the block"
            raise StubError(f"{filename}:{begin + 1}: {name} is not inside a function body")
    return pairs


def find_blocks(source: str, filename: str = "<solution>") -> list[Block]:
    """The solution blocks of `source`, validated (ids unique, blocks closed, inside functions)."""
    pairs = marker_pairs(source, BEGIN_RE, filename, "'# BEGIN SOLUTION NN.M: <task>'")
    blocks = [Block(m["id"], m["task"], m["indent"], begin, end) for begin, end, m in pairs]
    ids = [b.exercise_id for b in blocks]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise StubError(f"{filename}: exercise ids used twice: {', '.join(dupes)}")
    return blocks


def stub_lines(block: Block) -> list[str]:
    """The `raise NotImplementedError(...)` replacing `block`, wrapped to fit MAX_LINE."""
    message = f"exercise {block.exercise_id}: {block.task}"
    literal = '"' + message.replace("\\", "\\\\").replace('"', '\\"') + '"'
    one_line = f"{block.indent}raise NotImplementedError({literal})"
    if len(one_line) <= MAX_LINE:
        return [one_line]
    inner = f"{block.indent}    {literal}"
    if len(inner) > MAX_LINE:
        raise StubError(f"exercise {block.exercise_id}: task text too long; shorten it")
    return [f"{block.indent}raise NotImplementedError(", inner, f"{block.indent})"]


def generate(source: str, name: str) -> str:
    """The exercise file for the solution `source` of lesson file `name` (e.g. 01_neurons.py)."""
    blocks = find_blocks(source, f"solutions/{name}")
    lines = source.splitlines()
    out: list[str] = []
    cursor = 0
    for block in blocks:
        out += lines[cursor : block.begin] + stub_lines(block)
        cursor = block.end + 1
    out += lines[cursor:]
    return HEADER.format(nn=name[:2], name=name) + "\n".join(out) + "\n"


def expected_stubs(root: Path) -> dict[Path, str]:
    """exercises/NN_topic.py path -> its generated text, for every solutions file."""
    return {
        root / "exercises" / path.name: generate(path.read_text(), path.name)
        for path in sorted((root / "solutions").glob("[0-9][0-9]_*.py"))
    }


def drifted(root: Path) -> list[str]:
    """Exercise files that differ from a fresh generation (or are missing / orphaned)."""
    expected = expected_stubs(root)
    problems = [
        f"{path.relative_to(root)} {'is missing' if not path.exists() else 'differs'}"
        for path, text in expected.items()
        if not path.exists() or path.read_text() != text
    ]
    problems += [
        f"{path.relative_to(root)} has no solutions/{path.name}"
        for path in sorted((root / "exercises").glob("[0-9][0-9]_*.py"))
        if path not in expected
    ]
    return problems


def write_stubs(root: Path) -> list[Path]:
    """Regenerate every exercise file; a changed file is first backed up to .tinymoe/backups/."""
    written = []
    for path, text in expected_stubs(root).items():
        if path.exists() and path.read_text() == text:
            continue
        if path.exists():
            backup(root, path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    return written


def backup(root: Path, path: Path) -> Path:
    """Copy `path` to .tinymoe/backups/<stem>.<timestamp>.py and return the copy's path."""
    folder = root / ".tinymoe" / "backups"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = folder / f"{path.stem}.{stamp}.py"
    n = 1
    while target.exists():
        target = folder / f"{path.stem}.{stamp}-{n}.py"
        n += 1
    target.write_text(path.read_text())
    return target


def run(check: bool, root: Path | None = None) -> int:
    """The `stubs` command: regenerate, or with `check` list drifted files. Returns exit code."""
    root = root or repo_root()
    try:
        if check:
            problems = drifted(root)
            for problem in problems:
                print(f"drift: {problem}")
            if problems:
                print("maintainers: `tinymoe stubs` regenerates exercises/ from solutions/ "
                      "(it overwrites exercises/: never run it in a learner's checkout)")
            return 1 if problems else 0
        for path in write_stubs(root):
            print(f"wrote {path.relative_to(root)}")
    except StubError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tinymoe.grading.stubs", description=__doc__)
    parser.add_argument("--check", action="store_true", help="list drifted files, change nothing")
    return run(parser.parse_args(argv).check)


if __name__ == "__main__":
    sys.exit(main())

"""A drill file: its metadata, its reference text and the handout given to the candidate.

Metadata is read with `ast` (the file is never imported to list the bank): the module
docstring is the statement (its first line the title), and the module-level constants
LEVEL, TOPICS, MINUTES, KIND. The handout replaces each `# BEGIN SOLUTION` ... `# END
SOLUTION` block (found by tinymoe.grading.stubs.marker_pairs) with
`raise NotImplementedError("drill <slug>")` for an implement drill, or with the block's
`# BUGGY` part for a spot-the-bug drill.
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from tinymoe.grading import loader
from tinymoe.grading.stubs import StubError, marker_pairs

HERE = Path(__file__).resolve().parent
BANK = HERE / "bank"
TESTS = HERE / "tests"

LEVELS = ("easy", "medium", "hard")
KINDS = ("implement", "spot-the-bug")
TOPICS = frozenset({
    "numerics", "losses", "backprop", "autograd", "init", "optim", "normalization",
    "regularization", "training", "attention", "transformers", "moe", "classic-ml",
    "metrics", "conv", "kernels", "sampling", "schedules", "debugging",
})
SLUG_RE = re.compile(r"^[a-z][a-z0-9_]*$")
BEGIN_RE = re.compile(r"^(?P<indent>\s*)# BEGIN SOLUTION\s*$")
BUGGY_RE = re.compile(r"^\s*# BUGGY\s*$")


class DrillError(ValueError):
    """A malformed drill file (the message names the file)."""


@dataclass(frozen=True)
class Drill:
    """One drill of the bank: where its files are and what its metadata says."""

    slug: str
    path: Path
    title: str
    statement: str
    level: str
    topics: tuple[str, ...]
    minutes: int
    kind: str

    @property
    def test_path(self) -> Path:
        return TESTS / f"test_{self.slug}.py"

    def reference(self) -> str:
        """The reference solution's source."""
        return self.path.read_text()

    def handout(self) -> str:
        """The source the candidate receives."""
        return handout_text(self.reference(), self.slug, self.kind, str(self.path))


def _constants(tree: ast.Module, filename: str) -> dict[str, object]:
    """The literal values of the module-level LEVEL, TOPICS, MINUTES, KIND assignments."""
    found: dict[str, object] = {}
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, ast.AnnAssign) and node.value else [])
        for target in targets:
            if isinstance(target, ast.Name) and target.id in ("LEVEL", "TOPICS", "MINUTES", "KIND"):
                try:
                    found[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    raise DrillError(f"{filename}: {target.id} must be a literal") from None
    return found


def parse(path: str | Path) -> Drill:
    """The metadata of the drill file at `path`, validated; DrillError names what is wrong."""
    path = Path(path)
    name = str(path)
    slug = path.stem
    if not SLUG_RE.match(slug):
        raise DrillError(f"{name}: the file name must be a lower-case slug like stable_softmax")
    source = path.read_text()
    try:
        tree = ast.parse(source, name)
    except SyntaxError as err:
        raise DrillError(f"{name}: not valid Python: {err}") from None
    doc = ast.get_docstring(tree)
    if not doc or not doc.strip():
        raise DrillError(f"{name}: the module docstring (title + statement) is missing")
    meta = _constants(tree, name)
    missing = [k for k in ("LEVEL", "TOPICS", "MINUTES", "KIND") if k not in meta]
    if missing:
        raise DrillError(f"{name}: missing module constant(s) {', '.join(missing)}")
    level, topics, minutes, kind = (meta[k] for k in ("LEVEL", "TOPICS", "MINUTES", "KIND"))
    if level not in LEVELS:
        raise DrillError(f"{name}: LEVEL={level!r}; expected one of {', '.join(LEVELS)}")
    if kind not in KINDS:
        raise DrillError(f"{name}: KIND={kind!r}; expected one of {', '.join(KINDS)}")
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 120:
        raise DrillError(f"{name}: MINUTES={minutes!r}; expected an int from 1 to 120")
    if isinstance(topics, str) or not isinstance(topics, tuple | list) or not topics:
        raise DrillError(f"{name}: TOPICS={topics!r}; expected a non-empty tuple of topics")
    unknown = [t for t in topics if t not in TOPICS]
    if unknown:
        raise DrillError(f"{name}: unknown topic(s) {', '.join(map(repr, unknown))}; "
                         f"the vocabulary is {', '.join(sorted(TOPICS))}")
    drill = Drill(slug, path, doc.strip().splitlines()[0].strip(), doc.strip(), level,
                  tuple(topics), minutes, kind)
    drill.handout()  # validates the blocks
    return drill


def handout_text(source: str, slug: str, kind: str, filename: str = "<drill>") -> str:
    """`source` with each solution block replaced: by `raise NotImplementedError("drill
    <slug>")` (kind 'implement') or by the block's BUGGY part (kind 'spot-the-bug')."""
    try:
        pairs = marker_pairs(source, BEGIN_RE, filename, "'# BEGIN SOLUTION'")
    except StubError as err:
        raise DrillError(str(err)) from None
    if not pairs:
        raise DrillError(f"{filename}: no '# BEGIN SOLUTION' ... '# END SOLUTION' block")
    lines = source.splitlines()
    out: list[str] = []
    cursor = 0
    for begin, end, match in pairs:
        indent = match["indent"]
        body = lines[begin + 1:end]
        buggy = [i for i, line in enumerate(body) if BUGGY_RE.match(line)]
        if kind == "implement":
            if buggy:
                raise DrillError(f"{filename}:{begin + 1}: '# BUGGY' in an implement drill; "
                                 "set KIND = \"spot-the-bug\"")
            replacement = [f'{indent}raise NotImplementedError("drill {slug}")']
        else:
            if len(buggy) != 1:
                raise DrillError(f"{filename}:{begin + 1}: a spot-the-bug block needs exactly "
                                 "one '# BUGGY' line between its correct and its broken code")
            correct = [ln for ln in body[:buggy[0]]
                       if ln.strip() and not ln.lstrip().startswith("#")]
            if not correct or not correct[-1].startswith(indent + "return"):
                raise DrillError(f"{filename}:{begin + 1}: the correct part of a spot-the-bug "
                                 "block must end with a `return` at the block's indentation, "
                                 "or the reference runs the broken code too")
            broken = textwrap.dedent("\n".join(body[buggy[0] + 1:])).splitlines()
            if not any(line.strip() for line in broken):
                raise DrillError(f"{filename}:{begin + 1}: the BUGGY part is empty")
            replacement = [indent + line if line.strip() else "" for line in broken]
        out += lines[cursor:begin] + replacement
        cursor = end + 1
    out += lines[cursor:]
    return "\n".join(out) + "\n"


def bank(folder: Path = BANK) -> list[Drill]:
    """Every drill in `folder`, sorted by slug."""
    return [parse(path) for path in sorted(folder.glob("[a-z]*.py"))]


def find(slug: str, folder: Path = BANK) -> Drill:
    """The drill named `slug`; FileNotFoundError lists a few close names."""
    path = folder / f"{slug}.py"
    if not path.is_file():
        close = [p.stem for p in sorted(folder.glob("[a-z]*.py")) if slug in p.stem][:5]
        also = f" (did you mean {', '.join(close)}?)" if close else ""
        raise FileNotFoundError(f"no drill named {slug!r}{also}; `tinymoe drill list` lists them")
    return parse(path)


def load_module(path: str | Path, slug: str) -> ModuleType:
    """Import the file at `path` as the module `_tinymoe_drill_<slug>` (a stable name, so
    that Numba's cache and pickling find it; the `_tinymoe_` prefix lets
    tinymoe.grading.feedback point at the candidate's own lines)."""
    return loader.load_module(Path(path), f"_tinymoe_drill_{slug}")

"""Every lesson notebook runs top to bottom (reference solutions, fast mode, Agg plots),
is stored without outputs, cites the seed articles through docs/sources.md, and gives each
exercise a cell to try it before its `check(...)` cell."""

import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")

LESSONS = Path(__file__).resolve().parents[1] / "lessons"
NOTEBOOKS = sorted(LESSONS.glob("*.ipynb"))
CELL_TIMEOUT_S = 120

by_notebook = pytest.mark.parametrize(
    "path",
    NOTEBOOKS or [pytest.param(None, marks=pytest.mark.skip(reason="no lessons/*.ipynb yet"))],
    ids=lambda p: p.name if p else "none",
)


@by_notebook
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    dirty = [
        i for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, f"{path.name}: code cells {dirty} have outputs; clear them before saving"


SEED_RE = re.compile(r"\bseed (?:article )?(\d\d\d)\b", re.IGNORECASE)


@by_notebook
def test_seed_articles_are_cited_with_a_link_to_docs_sources(path):
    text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells
                     if c.cell_type == "markdown")
    cited = set(SEED_RE.findall(text))
    unlinked = sorted(n for n in cited if f"../docs/sources.md#seed-{n}" not in text)
    assert not unlinked, (
        f"{path.name} cites seed {', '.join(unlinked)} without a link to "
        f"../docs/sources.md#seed-NNN (a learner has the repo, not our notes)"
    )


def is_check(cell) -> bool:
    return cell.cell_type == "code" and cell.source.strip().startswith("check(")


@by_notebook
def test_every_exercise_can_be_tried_before_its_check(path):
    """A check() cell that follows another one across a markdown cell (a new exercise's
    text) needs a code cell in between that runs the learner's code. Checks in adjacent
    cells (two exercises sharing one demo) are fine."""
    previous_check, text_since = None, False
    for cell in nbformat.read(path, as_version=4).cells:
        if is_check(cell):
            assert not (previous_check and text_since), (
                f"{path.name}: {cell.source.strip()} follows {previous_check} with only text "
                "in between: add a small cell that tries the exercise first"
            )
            previous_check, text_since = cell.source.strip(), False
        elif cell.cell_type == "code":
            previous_check = None
        else:
            text_since = True


@pytest.mark.slow
@pytest.mark.timeout(120)  # per notebook (pytest-timeout); nbclient's timeout is per cell
@by_notebook
def test_notebook_runs_top_to_bottom(path, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("TINYMOE_FAST", "1")
    monkeypatch.setenv("TINYMOE_IMPL", "solutions")
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(LESSONS)}},
    )
    client.execute()

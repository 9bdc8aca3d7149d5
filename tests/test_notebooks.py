"""Every lesson notebook runs top to bottom (reference solutions, fast mode, Agg plots)
and is stored without outputs."""

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

"""Handouts: no solution survives, outputs are cleared, and each handout runs up to its first exercise."""

import nbformat
import pytest
from nbclient import NotebookClient

from helpers.handouts import EXERCISE_TAG, SOLUTION_TAG, make_handout, write_handouts
from helpers.paths import NOTEBOOKS_DIR

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))


def _cell(kind, source, tags=(), outputs=None):
    cell = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
    cell.metadata["tags"] = list(tags)
    if outputs is not None:
        cell.outputs = outputs
    return cell


def test_make_handout_removes_solutions_and_outputs():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        _cell("code", "x = 1", ["parameters"], [nbformat.v4.new_output("stream", text="1\n")]),
        _cell("markdown", "Exercise: double x", [EXERCISE_TAG]),
        _cell("code", "print(2 * x)  # the answer", [SOLUTION_TAG]),
        _cell("markdown", "Why it works", [SOLUTION_TAG]),
        _cell("markdown", "Next section"),
    ]
    handout = make_handout(notebook)
    assert [c.source for c in handout.cells] == ["x = 1", "Exercise: double x", "Next section"]
    assert handout.cells[0].outputs == []
    assert handout.cells[0].metadata["tags"] == ["parameters"]  # papermill still finds the parameters
    assert len(notebook.cells) == 5  # the teacher's notebook is untouched


def test_every_notebook_has_exercises_and_solutions():
    assert NOTEBOOKS, "no notebooks found"
    for path in NOTEBOOKS:
        tags = [t for c in nbformat.read(path, as_version=4).cells for t in c.metadata.get("tags", [])]
        assert tags.count(EXERCISE_TAG) >= 2, f"{path.name} has fewer than two exercises"
        assert tags.count(SOLUTION_TAG) >= 2, f"{path.name} has fewer than two solutions"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_handout_has_no_solution_and_runs_to_its_first_exercise(tmp_path, path):
    [written] = write_handouts([path], tmp_path)
    handout = nbformat.read(written, as_version=4)
    assert not any(SOLUTION_TAG in c.metadata.get("tags", []) for c in handout.cells)
    assert all(c.get("outputs", []) == [] for c in handout.cells)
    first_exercise = next(
        i for i, c in enumerate(handout.cells) if EXERCISE_TAG in c.metadata.get("tags", [])
    )
    handout.cells = handout.cells[:first_exercise]
    for cell in handout.cells:  # outputs go to the test's folder, not the repository
        if "parameters" in cell.metadata.get("tags", []):
            cell.source += f"\noutput_dir = {str(tmp_path / 'out')!r}"
    NotebookClient(
        handout, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS_DIR)}}
    ).execute()

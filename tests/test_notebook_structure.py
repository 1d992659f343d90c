"""What every committed notebook must be: a parameters cell papermill can read, exercises each followed by a
worked solution, and outputs from one clean run from top to bottom (nbval then checks they are still what the
code produces)."""

from __future__ import annotations

import nbformat
import papermill
import pytest

from helpers.paths import NOTEBOOKS_DIR

NOTEBOOKS = sorted(p.name for p in NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))


def _tags(cell) -> list[str]:
    return cell.metadata.get("tags", [])


def test_the_eight_notebooks_are_there():
    assert [n[:2] for n in NOTEBOOKS] == ["01", "02", "03", "04", "05", "06", "07", "08"]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_imports_then_a_parameters_cell_papermill_reads(name):
    cells = nbformat.read(NOTEBOOKS_DIR / name, as_version=4).cells
    code = [c for c in cells if c.cell_type == "code"]
    assert "from helpers" in code[0].source and _tags(code[1]) == ["parameters"]
    lines = code[1].source.splitlines()
    for line in lines:  # "name = value  # what it means": papermill reads a line with one '=' only
        assert " = " in line and "  # " in line and "=" not in line.split("  # ", 1)[1], line
    declared = [line.split(" = ")[0] for line in lines]
    assert list(papermill.inspect_notebook(str(NOTEBOOKS_DIR / name))) == declared
    assert {"lang", "currency", "cny_per_usd", "horizon_year", "scenario", "output_dir"} <= set(declared)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_exercise_is_followed_by_a_worked_solution(name):
    cells = nbformat.read(NOTEBOOKS_DIR / name, as_version=4).cells
    exercises = [i for i, c in enumerate(cells) if "exercise" in _tags(c)]
    assert len(exercises) >= 2
    for i in exercises:
        assert cells[i + 1].cell_type == "code" and "solution" in _tags(cells[i + 1])


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_outputs_come_from_one_clean_run(name):
    code = [c for c in nbformat.read(NOTEBOOKS_DIR / name, as_version=4).cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))  # top to bottom, once
    errors = [o for c in code for o in c.outputs if o.output_type == "error" or o.get("name") == "stderr"]
    assert errors == []

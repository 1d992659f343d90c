"""Notebooks 05 (embodied AI) and 06 (6G): their structure, and headless papermill runs with non-default
parameters (no error, at least three figures and two tables registered, no missing-glyph or font warning)."""

import nbformat
import pytest

from helpers.paths import NOTEBOOKS_DIR

NOTEBOOKS = {"05_embodied_ai": ["shenzhen", "shanghai"], "06_6g": ["shenzhen", "shanghai"]}
PARAMETER_LINES = [
    'lang = "en"  # label language: "en", "zh-Hant" or "zh-Hans"',
    'currency = "CNY"  # currency of money figures: "CNY" or "USD"',
    "cny_per_usd = None  # CNY per USD, e.g. 7.0; None: the stated assumption of data/assumptions.yml",
    "horizon_year = 2030  # last year of projections, 2026-2050",
    'scenario = "base"  # growth scenario: "low", "base" or "high" (data/assumptions.yml states each)',
    'cities = []  # place ids to show, e.g. ["hefei", "beijing"]; an empty list shows every city the sources name',
    'output_dir = ""  # folder for figures and tables; empty: reports/interactive/<notebook>',
]


def _tags(cell) -> list[str]:
    return cell.metadata.get("tags", [])


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_structure(name):
    notebook = nbformat.read(NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(line.startswith("from helpers") for line in code[0].source.splitlines() if line.strip())
    assert _tags(code[1]) == ["parameters"]
    assert code[1].source.splitlines() == PARAMETER_LINES
    assert f'start_notebook(\n    "{name}",' in code[2].source
    exercises = [i for i, c in enumerate(notebook.cells) if "exercise" in _tags(c)]
    assert len(exercises) >= 2
    for i in exercises:  # each exercise is followed by its worked solution in code
        following = notebook.cells[i + 1]
        assert following.cell_type == "code" and "solution" in _tags(following)
    headings = [c.source for c in notebook.cells if c.cell_type == "markdown"]
    assert any("## Caveats" in h for h in headings) and any(h.startswith("## Sources") for h in headings)


def _check(executed, lang: str) -> None:
    registry = executed.registry
    assert registry["lang"] == lang
    assert len(registry["figures"]) >= 3
    assert len(registry["tables"]) >= 2
    for cell in executed.notebook.cells:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error"
    assert not executed.font_warnings(), executed.font_warnings()


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_runs_in_traditional_chinese_usd_2035_high(run_notebook, name):
    executed = run_notebook(name, lang="zh-Hant", currency="USD", horizon_year=2035, scenario="high")
    _check(executed, "zh-Hant")


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_runs_in_simplified_chinese_for_two_cities(run_notebook, name):
    executed = run_notebook(name, lang="zh-Hans", cities=NOTEBOOKS[name])
    _check(executed, "zh-Hans")

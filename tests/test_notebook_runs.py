"""Sector notebooks 01 to 04 run headlessly through papermill with non-default parameters.

Each run must succeed, register at least three figures and two tables, and print no missing-glyph or font
warning. The committed outputs at default parameters are checked separately by nbval (make test-notebooks).
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from helpers.paths import NOTEBOOKS_DIR

FONT_WARNINGS = ("missing from font", "Glyph", "findfont")

RUNS = [
    pytest.param(
        "01_quantum.ipynb",
        dict(lang="zh-Hant", currency="USD", horizon_year=2035, scenario="high"),
        id="01-zh-Hant-USD-2035-high",
    ),
    pytest.param(
        "01_quantum.ipynb", dict(lang="zh-Hans", cities=["beijing", "shenzhen"]), id="01-zh-Hans-subset"
    ),
    pytest.param(
        "02_biomanufacturing.ipynb",
        dict(lang="zh-Hant", currency="USD", horizon_year=2035, scenario="high"),
        id="02-zh-Hant-USD-2035-high",
    ),
    pytest.param(
        "02_biomanufacturing.ipynb",
        dict(lang="zh-Hans", cities=["shanghai", "tianjin"]),
        id="02-zh-Hans-subset",
    ),
    pytest.param(
        "03_hydrogen_fusion.ipynb",
        dict(lang="zh-Hant", currency="USD", horizon_year=2035, scenario="high"),
        id="03-zh-Hant-USD-2035-high",
    ),
    pytest.param(
        "03_hydrogen_fusion.ipynb",
        dict(lang="zh-Hans", cities=["beijing", "guangzhou"]),
        id="03-zh-Hans-subset",
    ),
    pytest.param(
        "04_bci.ipynb",
        dict(lang="zh-Hant", currency="USD", horizon_year=2035, scenario="high"),
        id="04-zh-Hant-USD-2035-high",
    ),
    pytest.param("04_bci.ipynb", dict(lang="zh-Hans", cities=["beijing", "chengdu"]), id="04-zh-Hans-subset"),
]


def stream_texts(notebook: nbformat.NotebookNode) -> list[str]:
    """Every stream output (stdout and stderr) of an executed notebook."""
    return [
        o.get("text", "")
        for c in notebook.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "stream"
    ]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "parameters"), RUNS)
def test_notebook_runs_with_parameters(name: str, parameters: dict, tmp_path: Path) -> None:
    papermill = pytest.importorskip("papermill")
    out_dir = tmp_path / "out"
    executed = tmp_path / name
    papermill.execute_notebook(
        str(NOTEBOOKS_DIR / name),
        str(executed),
        parameters=dict(parameters, output_dir=str(out_dir)),
        kernel_name="python3",
        cwd=str(NOTEBOOKS_DIR),
        progress_bar=False,
    )
    registry = json.loads((out_dir / "outputs.json").read_text(encoding="utf-8"))
    assert registry["lang"] == parameters["lang"]
    assert len(registry["figures"]) >= 3, registry["figures"]
    assert len(registry["tables"]) >= 2, registry["tables"]
    for entry in registry["figures"]:
        assert (out_dir / entry["files"]["png"]).is_file() and (out_dir / entry["files"]["svg"]).is_file()
        assert entry["caption"] and entry["fact_ids"]
    for entry in registry["tables"]:
        assert (out_dir / entry["files"]["csv"]).is_file()
    notebook = nbformat.read(executed, as_version=4)
    for text in stream_texts(notebook):
        assert not any(warning in text for warning in FONT_WARNINGS), text

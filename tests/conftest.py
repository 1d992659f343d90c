"""Shared fixtures: a scratch copy of data/ that a test may corrupt without touching the real tables, and a
papermill run of a notebook into a temporary folder."""

from __future__ import annotations

import csv
import functools
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import nbformat
import pytest

from helpers.dataset_cache import DATASET_CACHE_ENV_VAR
from helpers.paths import DATA_DIR, NOTEBOOKS_DIR

FONT_WARNINGS = ("missing from font", "Glyph", "findfont")
"""Text in a stream output that means matplotlib lacked a glyph or a font."""


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A copy of data/ (every CSV table and assumptions.yml) in a temporary folder."""
    target = tmp_path / "data"
    target.mkdir()
    for path in DATA_DIR.iterdir():
        if path.suffix in (".csv", ".yml"):
            shutil.copy(path, target / path.name)
    return target


@dataclass(frozen=True)
class Executed:
    """A notebook that papermill ran: the executed notebook, its file, its output folder and its registry."""

    notebook: nbformat.NotebookNode
    path: Path
    out_dir: Path
    registry: dict

    def stream_texts(self) -> list[str]:
        """Every stream output (stdout and stderr) of the executed notebook."""
        return [
            output.get("text", "")
            for cell in self.notebook.cells
            if cell.cell_type == "code"
            for output in cell.get("outputs", [])
            if output.get("output_type") == "stream"
        ]

    def font_warnings(self) -> list[str]:
        """The stream outputs that carry a missing-glyph or font warning (FONT_WARNINGS)."""
        return [text for text in self.stream_texts() if any(warning in text for warning in FONT_WARNINGS)]

    def missing_files(self) -> list[str]:
        """The files the registry names (of every figure and table) that are not in the output folder."""
        return [
            file
            for entry in self.registry["figures"] + self.registry["tables"]
            for file in entry["files"].values()
            if not (self.out_dir / file).is_file()
        ]


@pytest.fixture(scope="session")
def notebook_dataset_cache(tmp_path_factory) -> Path:
    """One dataset cache folder for every notebook run of the session (helpers.dataset_cache), as the report
    runner shares one across a build: the kernels validate each data folder once, not once a run. Its key
    hashes the data folder, so a run on a corrupted copy of data/ validates (and fails) on its own."""
    return tmp_path_factory.mktemp("datasets")


@pytest.fixture
def run_notebook(tmp_path: Path, notebook_dataset_cache: Path) -> Callable[..., Executed]:
    """Run a notebook of notebooks/ with papermill into tmp_path: `run_notebook(name, **parameters)`.

    `name` is the notebook's file name, with or without ".ipynb". The parameters are passed to the notebook's
    parameters cell, plus `output_dir`: the folder tmp_path/<label>, beside the executed notebook
    tmp_path/<label>.ipynb. `label` (keyword only) defaults to the notebook's name; give each run of one test
    its own label. The kernel shares the session's dataset cache (`notebook_dataset_cache`).
    """

    def run(name: str, *, label: str | None = None, **parameters) -> Executed:
        import papermill

        stem = name.removesuffix(".ipynb")
        label = label or stem
        out_dir = tmp_path / label
        path = tmp_path / f"{label}.ipynb"
        with mock.patch.dict(os.environ, {DATASET_CACHE_ENV_VAR: str(notebook_dataset_cache)}):
            papermill.execute_notebook(
                str(NOTEBOOKS_DIR / f"{stem}.ipynb"),
                str(path),
                parameters=dict(parameters, output_dir=str(out_dir)),
                kernel_name="python3",
                cwd=str(NOTEBOOKS_DIR),
                progress_bar=False,
            )
        registry = json.loads((out_dir / "outputs.json").read_text(encoding="utf-8"))
        # Every figure of every run: no text overlapping another or cut by its axes (helpers.plots.layout_problems)
        problems = {f["name"]: f["layout"] for f in registry["figures"] if f.get("layout")}
        assert not problems, f"{stem} with {parameters}: layout problems {problems}"
        return Executed(nbformat.read(path, as_version=4), path, out_dir, registry)

    return run


# The data as it stood with one source (the Anue article), frozen: tests whose values were worked out by hand
# from the article use it, so that they keep their meaning as data/ grows (see fixtures/article/README.md).
ARTICLE_DIR = Path(__file__).parent / "fixtures" / "article"


@functools.cache
def article_dataset():
    from helpers.data import load_dataset

    return load_dataset(ARTICLE_DIR)


def append_rows(path: Path, rows: list[dict]) -> None:
    """Append `rows` to the CSV table at `path` in its header's column order (a missing column is left blank):
    how tests add a source or a figure to a copy of data/ as data only."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle))
    with open(path, "a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerows([[row.get(column, "") for column in header] for row in rows])

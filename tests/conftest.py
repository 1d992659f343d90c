"""Shared fixtures: a scratch copy of data/ that a test may corrupt without touching the real tables, and a
papermill run of a notebook into a temporary folder."""

from __future__ import annotations

import csv
import functools
import html
import json
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import nbformat
import pytest

from helpers.dataset_cache import DATASET_CACHE_ENV_VAR
from helpers.paths import DATA_DIR, NOTEBOOKS_DIR

MISSING = re.compile(r"<NA>|\bNaN\b")
"""How pandas displays a missing value in a table: not a word to translate."""

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

    def cell_texts(self) -> dict[str, list[str]]:
        """What each code cell shows, by cell id: its streams (stdout and stderr) and the text of every table or
        value it displays (the HTML of display_data and execute_result outputs without its tags and styles, or
        their plain text when they have no HTML or image)."""
        texts: dict[str, list[str]] = {}
        for cell in self.notebook.cells:
            for output in cell.get("outputs", []) if cell.cell_type == "code" else ():
                shown = texts.setdefault(cell.get("id", "?"), [])
                data = output.get("data", {})
                if output.get("output_type") == "stream":
                    shown.append(output.get("text", ""))
                elif "text/html" in data:
                    markup = re.sub(r"<style[^>]*>.*?</style>", " ", data["text/html"], flags=re.S)
                    shown.append(MISSING.sub(" ", html.unescape(re.sub(r"<[^>]*>", " ", markup))))
                elif "text/plain" in data and not any(kind.startswith("image/") for kind in data):
                    shown.append(MISSING.sub(" ", data["text/plain"]))
        return texts

    def english_leaks(self) -> dict[str, list[str]]:
        """English words (helpers.i18n.english_words) that the run prints or displays ("cell <id>") or draws in a
        saved figure ("figure <name>"): for runs in Chinese, which must show none."""
        from helpers.i18n import english_words

        ids = data_ids()
        places = {f"cell {cell_id}": texts for cell_id, texts in self.cell_texts().items()}
        places |= {f"figure {entry['name']}": entry.get("texts", []) for entry in self.registry["figures"]}
        leaks = {}
        for where, texts in places.items():
            # an id pandas cut to the column's width ("worldjou...", "bci_...") is still an id
            words = sorted({word for text in texts for word in english_words(text, ids)
                            if not (re.search(rf"{re.escape(word)}_?\.\.\.", text)
                                    and any(i.startswith(word) for i in ids))})  # fmt: skip
            if words:
                leaks[where] = words
        return leaks

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
        executed = Executed(nbformat.read(path, as_version=4), path, out_dir, registry)
        # A run in Chinese prints, displays and draws no English word (ids, units and numbers aside)
        if str(parameters.get("lang", "en")).startswith("zh"):
            check_no_english(stem, parameters, executed.english_leaks())
        return executed

    return run


# Cells whose Chinese runs may print English: notebook -> (the reason, the ids of those cells). None since issue
# 13: every cell and every figure of a Chinese run must show no English word. A cell listed here must say why, and
# leaves the list when its prints go through the labels.
ENGLISH_LEFT: dict[str, tuple[str, tuple[str, ...]]] = {}


def check_no_english(stem: str, parameters: dict, leaks: dict[str, list[str]]) -> None:
    """Fail when a Chinese run of notebook `stem` shows English words outside the cells ENGLISH_LEFT lists."""
    reason, cells = ENGLISH_LEFT.get(stem, ("", ()))
    unlisted = {where: words for where, words in leaks.items() if where.removeprefix("cell ") not in cells}
    assert not unlisted, f"{stem} with {parameters}: English words in a Chinese run {unlisted}"


@functools.cache
def data_ids() -> frozenset[str]:
    """Ids a Chinese run may show as they are: the row ids of data/'s tables of figures and sources (facts,
    sources, context, rankings, policy mentions, derivations; read with the csv module) and the label languages
    (a parameter value). Place and sector ids are not among them: a Chinese run names cities and sectors."""
    ids = {"zh-Hant", "zh-Hans"}
    rows = (("facts", "fact_id"), ("sources", "source_id"), ("context", "context_id"), ("rankings", "ranking_id"),
            ("policy_mentions", "document_id"), ("derivations", "derivation_id"))  # fmt: skip
    for name, column in rows:
        with open(DATA_DIR / f"{name}.csv", encoding="utf-8-sig", newline="") as handle:
            ids |= {row[column] for row in csv.DictReader(handle)}
    return frozenset(ids)


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

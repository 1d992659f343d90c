"""The notebook pages of the report: nbconvert's lab page, without nbconvert's BeautifulSoup pass."""

from __future__ import annotations

import base64
import copy
import io
from pathlib import Path

import nbformat
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter
from nbconvert.filters import highlight as highlight_module
from nbconvert.filters.highlight import Highlight2HTML
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from PIL import Image

from helpers.report import notebook_html
from helpers.report.notebook_html import (
    MISSING_ALT,
    CachedHighlight,
    NotebookPageExporter,
    add_accessibility,
    configure,
)


def _png() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "white").save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def _notebook() -> nbformat.NotebookNode:
    """Every kind of cell and output the notebooks make: markdown (with an image that has alt text), code with a
    printed line, an HTML table, a PNG with and without a width, an error, and a hidden check cell."""
    png = _png()
    cells = [
        new_markdown_cell('# Title\n\nText with <img src="x.png" alt="own text"> inside.'),
        new_code_cell("print('合肥 2025')", outputs=[new_output("stream", name="stdout", text="合肥 2025\n")]),
        new_code_cell("table", outputs=[new_output("execute_result", data={
            "text/html": "<table><tr><td>1</td></tr></table>", "text/plain": "1"}, execution_count=2)]),
        new_code_cell("figure", outputs=[
            new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"},
                       metadata={"image/png": {"width": 720}}),
            new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"}),
        ]),
        new_code_cell("1/0", outputs=[new_output("error", ename="ZeroDivisionError", evalue="division by zero",
                                                 traceback=["ZeroDivisionError"])]),
        new_code_cell("check()", metadata={"tags": ["check"]}),
    ]  # fmt: skip
    notebook = new_notebook(cells=cells)
    notebook.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    return notebook


def test_the_page_is_nbconverts_own_page_once_parsed():
    # nbconvert's HTMLExporter renders, then re-writes the page through BeautifulSoup; ours skips that pass but
    # adds the same attributes, so parsing ours gives exactly nbconvert's page.
    notebook = _notebook()  # cell ids are random: one notebook for both
    ours, _ = configure(NotebookPageExporter()).from_notebook_node(copy.deepcopy(notebook))
    theirs, _ = configure(HTMLExporter()).from_notebook_node(copy.deepcopy(notebook))
    assert str(BeautifulSoup(ours, features="html.parser")) == theirs
    assert "check()" not in ours  # check cells removed


def test_accessibility_attributes_are_added_where_nbconvert_adds_them():
    page, _ = configure(NotebookPageExporter()).from_notebook_node(_notebook())
    soup = BeautifulSoup(page, features="html.parser")
    images = soup.find_all("img")
    assert sorted(img["alt"] for img in images) == sorted([MISSING_ALT, MISSING_ALT, "own text"])
    inputs = soup.select("div.jp-Cell-inputWrapper")
    outputs = soup.select("div.jp-OutputArea-output")
    # 6 cells less the check cell; outputs: a stream, a table, two images and an error
    assert len(inputs) == 5 and len(outputs) == 5
    assert all(div.get("tabindex") == "0" for div in inputs + outputs)


def test_add_accessibility_leaves_other_tags_alone():
    page = '<div class="jp-OutputArea-child"><img src="a" alt="kept"><p class="jp-OutputArea-output-x">x</p></div>'
    assert add_accessibility(page) == page
    assert add_accessibility('<img src="b">') == f'<img src="b" alt="{MISSING_ALT}">'
    assert add_accessibility('<img src="c" \n>') == f'<img src="c" alt="{MISSING_ALT}">'  # before the spaces
    assert (
        add_accessibility('<img\talt="tab" src="d">') == '<img\talt="tab" src="d">'
    )  # any space before alt=
    assert (
        add_accessibility('<img src="e" data-alt="x">') == f'<img src="e" data-alt="x" alt="{MISSING_ALT}">'
    )
    assert add_accessibility('<div class="a jp-OutputArea-output b">') == (
        '<div class="a jp-OutputArea-output b" tabindex="0">'
    )


def test_the_same_run_gives_the_same_page_whatever_papermill_and_the_kernel_drew():
    # papermill gives its parameters cell a random id, and a kernel may send one printed text as one stream
    # output or as two (it depends on when its stdout is flushed): both notebooks give the same page.
    def run(cell_id: str, chunks: list[str]) -> nbformat.NotebookNode:
        injected = new_code_cell("lang = 'en'", metadata={"tags": ["injected-parameters"]})
        injected["id"] = cell_id
        printed = new_code_cell(
            "print(...)", outputs=[new_output("stream", name="stdout", text=t) for t in chunks]
        )
        printed["id"] = "printed"
        notebook = new_notebook(cells=[injected, printed])
        notebook.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
        return notebook

    one, _ = configure(NotebookPageExporter()).from_notebook_node(
        run("a1b2c3d4", ["合肥 2025\n", "Hefei 2025\n"])
    )
    two, _ = configure(NotebookPageExporter()).from_notebook_node(
        run("ffee0011", ["合肥 2025\nHefei 2025\n"])
    )
    assert one == two
    assert 'id="cell-id=injected-parameters"' in one and one.count("合肥 2025") == 1


def test_cached_highlighting_is_nbconverts_and_highlights_each_source_once(monkeypatch) -> None:
    plain, cached = Highlight2HTML(), CachedHighlight()
    calls = []
    original = highlight_module._pygments_highlight
    monkeypatch.setattr(
        highlight_module, "_pygments_highlight", lambda *a, **k: calls.append(a[0]) or original(*a, **k)
    )
    first = cached("x = 1  # 合肥")
    assert first == plain("x = 1  # 合肥") and "合肥" in first
    assert (
        cached("x = 1  # 合肥", metadata={"tags": ["any"]}) is first
    )  # no other part of the metadata counts
    assert calls == ["x = 1  # 合肥", "x = 1  # 合肥"]  # once for `cached`, once for `plain`
    # another language, a cell magic's language or another text are highlighted again
    assert cached("x = 1  # 合肥", metadata={"magics_language": "bash"}) == plain(
        "x = 1  # 合肥", metadata={"magics_language": "bash"}
    )
    assert cached("x = 1  # 合肥", language="text") == plain("x = 1  # 合肥", language="text") != first
    assert cached("") == plain("")
    assert len(calls) == 2 + 2 * 3


def test_a_prepared_exporter_writes_the_same_pages(tmp_path: Path, monkeypatch) -> None:
    # prepare_export highlights the committed notebook's code and renders a warm-up page; the pages written
    # after it are those of a fresh exporter, and the notebook's code is not highlighted again.
    notebook = _notebook()
    path = tmp_path / "committed.ipynb"
    nbformat.write(notebook, str(path))
    fresh, _ = configure(NotebookPageExporter()).from_notebook_node(copy.deepcopy(notebook))
    monkeypatch.setattr(notebook_html, "_EXPORTER", [])
    notebook_html.prepare_export([path])
    highlighted = set(notebook_html.exporter().highlighter._highlighted)
    assert {source for source, _, _ in highlighted} >= {"print('合肥 2025')", "table", "figure", "1/0"}
    assert all(language == "ipython3" for _, language, _ in highlighted)
    executed = tmp_path / "executed.ipynb"
    nbformat.write(notebook, str(executed))
    notebook_html.export_html(executed, tmp_path / "page.html")
    assert (tmp_path / "page.html").read_text(encoding="utf-8") == fresh
    assert set(notebook_html.exporter().highlighter._highlighted) == highlighted

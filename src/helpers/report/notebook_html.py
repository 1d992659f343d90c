"""An executed notebook as a standalone HTML page: nbconvert's HTMLExporter (lab template), made cheaper for the
package's own notebooks.

nbconvert's exporter renders the page, then parses the whole of it with BeautifulSoup only to add three
accessibility attributes (a generic `alt` to images without one, `tabindex="0"` on each cell's input and on each
output) and writes it out again: about 60% of the export's time on these pages, which embed every figure. Here
the rendered page gets the same attributes from `add_accessibility`, which edits the tags the lab template writes
(`tests/test_report.py` checks that the result parses to the very page nbconvert's own exporter gives). Highlighted
code is not passed through bleach either (see `trusted_html`).
"""

from __future__ import annotations

import re
from pathlib import Path

from nbconvert import HTMLExporter
from nbconvert.exporters.templateexporter import TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbconvert.preprocessors import Preprocessor

MISSING_ALT = "No description has been provided for this image"  # nbconvert's own text
_INPUT_WRAPPER = '<div class="jp-Cell-inputWrapper">'
_OUTPUT_DIV = re.compile(r'<div(\s[^>]*?\bclass="(?:[^"]*\s)?jp-OutputArea-output(?:\s[^"]*)?"[^>]*)>')
_IMG = re.compile(r"<img([^>]*)>")  # greedy to the tag's end: the src of an embedded figure is megabytes long
_ALT = re.compile(r"\salt=")


def add_accessibility(html: str) -> str:
    """What nbconvert's HTMLExporter adds to a rendered lab page: `tabindex="0"` on every cell input wrapper and
    output, and MISSING_ALT as the `alt` of an image that has none."""
    html = html.replace(_INPUT_WRAPPER, _INPUT_WRAPPER[:-1] + ' tabindex="0">')
    html = _OUTPUT_DIV.sub(lambda m: f'<div{m.group(1)} tabindex="0">', html)
    return _IMG.sub(_with_alt, html)


def _with_alt(match: re.Match) -> str:
    """An <img> tag with MISSING_ALT as its `alt` when it has none (before the ">", after any whitespace)."""
    attributes = match.group(1)
    return match.group(0) if _ALT.search(attributes) else f'<img{attributes.rstrip()} alt="{MISSING_ALT}">'


def trusted_html(html) -> str:
    """nbconvert's clean_html filter for the package's own notebooks: the text unchanged.

    nbconvert passes every highlighted code cell through bleach ("clean_html"), whatever sanitize_html says;
    Pygments' output already escapes the source, and these notebooks are the package's own, so the filter is the
    identity here (sanitize_html stays off: markdown and outputs were never cleaned). It was a quarter of the
    export's time.
    """
    return html.decode("utf-8") if isinstance(html, bytes) else str(html)


class NotebookPageExporter(HTMLExporter):
    """HTMLExporter whose page is not re-parsed: `from_notebook_node` does what HTMLExporter's does (nbconvert
    7.17) except that `add_accessibility` replaces its BeautifulSoup pass."""

    def from_notebook_node(self, nb, resources=None, **kw):
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        highlight_code = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
        resources = self._init_resources(resources)
        filter_data_type = WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources
        )
        self.register_filter("highlight_code", highlight_code)
        self.register_filter("filter_data_type", filter_data_type)
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return add_accessibility(html), resources


INJECTED_TAG = "injected-parameters"  # papermill's tag on the cell it adds with the run's parameters


class StableInjectedCellId(Preprocessor):
    """Give papermill's injected parameters cell the id "injected-parameters": papermill draws a random one for
    each run, and the page names every cell by its id."""

    def preprocess_cell(self, cell, resources, cell_index):
        if INJECTED_TAG in cell.get("metadata", {}).get("tags", []):
            cell["id"] = INJECTED_TAG
        return cell, resources


def configure(exporter: HTMLExporter) -> HTMLExporter:
    """Set up an exporter for the report: bleach off for code (trusted_html), check cells removed, and the same
    page for the same run: consecutive stream outputs merged (how a kernel splits its stdout into messages
    depends on timing; nbconvert's CoalesceStreamsPreprocessor) and the injected cell's id fixed; the notebook
    validated once, after every preprocessor has run."""
    from nbconvert.preprocessors import CoalesceStreamsPreprocessor, TagRemovePreprocessor

    from helpers.claims import CHECK_TAG

    exporter.register_filter("clean_html", trusted_html)
    # Check cells (helpers.claims) guard the prose; the reader sees the prose, not the guard.
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags={CHECK_TAG}, enabled=True), enabled=True
    )
    exporter.register_preprocessor(CoalesceStreamsPreprocessor(enabled=True), enabled=True)
    exporter.register_preprocessor(StableInjectedCellId(enabled=True), enabled=True)
    # Validate the notebook once, after the last preprocessor, instead of after each of them (a dozen JSON
    # schema passes over the whole notebook: about 0.2 s of the runner's CPU per build of eight notebooks)
    exporter.optimistic_validation = True
    return exporter


_EXPORTER: list[
    NotebookPageExporter
] = []  # one exporter for the build: its templates compile once (about 1 s)


def export_html(ipynb: Path, html: Path) -> None:
    """The executed notebook as a standalone HTML page. Main thread only."""
    import nbformat

    if not _EXPORTER:
        _EXPORTER.append(configure(NotebookPageExporter()))
    notebook = nbformat.read(str(ipynb), as_version=4)
    body, _ = _EXPORTER[0].from_notebook_node(notebook)
    html.write_text(body, encoding="utf-8")

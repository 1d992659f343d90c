"""An executed notebook as a standalone HTML page: nbconvert's HTMLExporter (lab template), made cheaper for the
package's own notebooks.

nbconvert's exporter renders the page, then parses the whole of it with BeautifulSoup only to add three
accessibility attributes (a generic `alt` to images without one, `tabindex="0"` on each cell's input and on each
output) and writes it out again: about 60% of the export's time on these pages, which embed every figure. Here
the rendered page gets the same attributes from `add_accessibility`, which edits the tags the lab template writes
(`tests/test_report.py` checks that the result parses to the very page nbconvert's own exporter gives). Highlighted
code is not passed through bleach either (see `trusted_html`), and each cell's code is highlighted once per build
(`CachedHighlight`): the runner highlights the committed notebooks' code, compiles the templates and loads what
they call while the kernels start (`prepare_export`), when a core would otherwise wait, instead of beside them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
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


class CachedHighlight(Highlight2HTML):
    """nbconvert's Highlight2HTML that highlights a given source once: the same text in the same language (and
    cell magic language, the only part of a cell's metadata Highlight2HTML reads) gives the same HTML, so an
    export reuses what an earlier export or `prepare_export` highlighted."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._highlighted: dict[tuple[str, str, str | None], str] = {}

    def __call__(self, source, language=None, metadata=None):
        key = (source, language or self.pygments_lexer, (metadata or {}).get("magics_language"))
        if key not in self._highlighted:
            self._highlighted[key] = super().__call__(source, language, metadata)
        return self._highlighted[key]


def notebook_lexer(metadata) -> str:
    """The pygments lexer of a notebook's code, from its metadata, as nbconvert's HTMLExporter picks it
    (language_info's pygments_lexer, else its name), else Highlight2HTML's default."""
    langinfo = metadata.get("language_info", {})
    return langinfo.get("pygments_lexer", langinfo.get("name", None)) or "ipython3"


class NotebookPageExporter(HTMLExporter):
    """HTMLExporter whose page is not re-parsed: `from_notebook_node` does what HTMLExporter's does (nbconvert
    7.17) except that `add_accessibility` replaces its BeautifulSoup pass, and code is highlighted by one
    CachedHighlight (in the notebook's own lexer, as nbconvert's), unless a highlight_code filter is
    registered."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.highlighter = CachedHighlight(parent=self)

    def from_notebook_node(self, nb, resources=None, **kw):
        highlight_code = self.filters.get("highlight_code", self.highlighter)
        if highlight_code is self.highlighter:
            self.highlighter.pygments_lexer = notebook_lexer(nb.metadata)
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


def exporter() -> NotebookPageExporter:
    """The build's exporter (configured), made on the first call."""
    if not _EXPORTER:
        _EXPORTER.append(configure(NotebookPageExporter()))
    return _EXPORTER[0]


def export_html(ipynb: Path, html: Path) -> None:
    """The executed notebook as a standalone HTML page. Main thread only."""
    import nbformat

    notebook = nbformat.read(str(ipynb), as_version=4)
    body, _ = exporter().from_notebook_node(notebook)
    html.write_text(body, encoding="utf-8")


def warm_notebook():
    """A small notebook with every kind of cell and output the package's notebooks make: markdown, a printed
    line, an HTML table, a PNG and an error, in the notebooks' language."""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    png = (  # a 1 x 1 white PNG
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGP4DwABAQEAWk1v8QAAAABJRU5ErkJggg=="
    )
    cells = [
        new_markdown_cell("# Title\n\nText, *emphasis*, `code`, a [link](https://example.org) and a list:\n\n- one"),
        new_code_cell("print(1)", outputs=[new_output("stream", name="stdout", text="1\n")]),
        new_code_cell("table", outputs=[new_output("execute_result", data={
            "text/html": "<table><tr><td>1</td></tr></table>", "text/plain": "1"}, execution_count=2)]),
        new_code_cell("figure", outputs=[new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"},
                                                    metadata={"image/png": {"width": 1}})]),
        new_code_cell("1/0", outputs=[new_output("error", ename="ZeroDivisionError", evalue="division by zero",
                                                 traceback=["ZeroDivisionError"])]),
    ]  # fmt: skip
    notebook = new_notebook(cells=cells)
    notebook.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    return notebook


def prepare_export(notebooks: Sequence[Path]) -> None:
    """Do before the first page what the first export would do beside the kernels: make the exporter, compile
    its templates and load the modules they call (a page of `warm_notebook` is rendered and dropped), and
    highlight the code cells of `notebooks` as committed (papermill leaves their code as it is; the cell it adds
    with the parameters is highlighted when its page is written). Main thread only."""
    page_exporter = exporter()
    page_exporter.from_notebook_node(warm_notebook())
    highlighter = page_exporter.highlighter
    for path in notebooks:
        notebook = json.loads(Path(path).read_text(encoding="utf-8"))
        highlighter.pygments_lexer = notebook_lexer(notebook.get("metadata", {}))
        for cell in notebook.get("cells", []):
            if cell.get("cell_type") == "code":
                source = cell.get("source", "")
                highlighter(
                    "".join(source) if isinstance(source, list) else source, metadata=cell.get("metadata")
                )

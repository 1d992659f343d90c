"""Save a notebook's figures and tables with a caption and the fact ids they use, for the report to collect.

Each notebook opens one `OutputSink`; it writes `figures/<name>.png` (and `.svg` when asked: `svg=True` or
$FUTURE_INDUSTRIES_SVG=1, which `python -m helpers.report build --svg` sets), `tables/<name>.csv` and
`outputs.json` (the registry the report runner reads) under the notebook's output folder. Same inputs, same
bytes: PNGs carry no timestamp, SVGs a fixed hash salt and no date, CSVs fixed line endings.

A figure is laid out, measured and rendered once (see `write_png`): its text is measured by one renderer, whose
cache then serves the layout and the drawing, and which reads each font's height metrics once (`FontHeights`);
the PNG is cut around the pixels drawn (`ink_box`), not around matplotlib's tight box, which would measure every
artist again.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import time
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd

from helpers import plots, tables
from helpers.data import Dataset
from helpers.i18n import Labels
from helpers.paths import REPO_ROOT, REPORTS_DIR

REGISTRY_NAME = "outputs.json"
SVG_ENV_VAR = "FUTURE_INDUSTRIES_SVG"  # "1": every sink also writes SVG (the report runner's --svg)
SVG_HASH_SALT = "future-industries"
FOOTER_SIZE, FOOTER_COLOUR = 7, "#555555"  # the source line under every figure
PNG_COMPRESS_LEVEL = 1  # zlib level of the PNGs: lossless at every level; 1 encodes fastest
# When set, every save_figure / save_table appends one JSON line {"notebook", "kind", "name", "seconds"} to
# this file (the benchmark reads it; nothing else does, and no output depends on it).
TIMINGS_ENV_VAR = "FUTURE_INDUSTRIES_TIMINGS"
PAD_INCHES = 0.15  # white margin around a saved figure
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")


def resolve_output_dir(notebook: str, output_dir: str | Path | None) -> Path:
    """The folder for a notebook's outputs: `output_dir` (relative paths from the repository root) or
    reports/interactive/<notebook> when it is empty."""
    if not output_dir:
        return REPORTS_DIR / "interactive" / notebook
    path = Path(output_dir)
    return path if path.is_absolute() else REPO_ROOT / path


def svg_requested() -> bool:
    """Whether $FUTURE_INDUSTRIES_SVG asks for SVG files ("1", "true" or "yes")."""
    return os.environ.get(SVG_ENV_VAR, "").strip().lower() in ("1", "true", "yes")


def _pixel_box(box, dpi: float) -> tuple[int, int, int, int]:
    """(left, bottom, right, top) in whole pixels of a box in inches: the box widened to pixel edges."""
    return (math.floor(box.x0 * dpi + 1e-6), math.floor(box.y0 * dpi + 1e-6),
            math.ceil(box.x1 * dpi - 1e-6), math.ceil(box.y1 * dpi - 1e-6))  # fmt: skip


def ink_box(rgba: np.ndarray, face: list[int], dpi: float):
    """The box (inches, matplotlib's Bbox, y up) of the pixels of a drawn canvas that differ from the figure's
    colour `face` (RGBA 0..255), or None when there are none or they reach the canvas's edge (an artist may then
    reach past it, and only matplotlib's tight box knows how far).

    A numpy pass over the pixels (a few ms): matplotlib's `Figure.get_tightbbox` measures every artist again,
    ticks included (about 20 ms a figure). The box holds what is drawn, not the text's line boxes, so it can be
    a few pixels smaller than the tight box; the figure is cut with PAD_INCHES around it either way.
    """
    from matplotlib.transforms import Bbox

    height, width = rgba.shape[:2]
    packed = np.ascontiguousarray(rgba).view(np.uint32).reshape(height, width)
    ink = packed != np.array([face], dtype=np.uint8).view(np.uint32)[0]
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if not len(rows) or rows[0] == 0 or cols[0] == 0 or rows[-1] == height - 1 or cols[-1] == width - 1:
        return None
    top, bottom, left, right = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    return Bbox([[left / dpi, (height - bottom) / dpi], [right / dpi, (height - top) / dpi]])


def encode_png(pixels: np.ndarray, dpi: float, *more: np.ndarray) -> bytes:
    """A PNG file of `pixels` (rows top to bottom, 8-bit RGB or RGBA), then the rows of each of `more` (as wide,
    as many channels), with its resolution, zlib level PNG_COMPRESS_LEVEL. No text or time chunk: the same
    pixels give the same bytes.

    Written by pypng, whose rows carry PNG's filter 0 ("None"). Pillow tries all five filters on every row and
    keeps the best, which has no switch: on these figures (flat colours, thin lines) the files come out 1%
    smaller for 2.6 times the time (42 figures of a build: 1.36 s against 0.52 s, the same pixels).
    """
    import io

    import png

    height, width, channels = pixels.shape
    rows = [pixels.reshape(height, width * channels)]
    for block in more:
        if block.shape[1:] != pixels.shape[1:]:
            raise ValueError(f"rows of {block.shape[1:]} pixels cannot follow rows of {pixels.shape[1:]}")
        rows.append(block.reshape(len(block), width * channels))  # a copy only where a row is not contiguous
    per_metre = int(dpi / 0.0254 + 0.5)  # pHYs counts dots per metre (150 dpi: 5906), rounded as Pillow does
    writer = png.Writer(width, sum(len(block) for block in rows), greyscale=False, alpha=channels == 4,
                        bitdepth=8, compression=PNG_COMPRESS_LEVEL, x_pixels_per_unit=per_metre,
                        y_pixels_per_unit=per_metre, unit_is_meter=True)  # fmt: skip
    buffer = io.BytesIO()
    writer.write(buffer, (row for block in rows for row in block))
    return buffer.getvalue()


def footer_lines(text: str, width_px: int, dpi: float, pad_inches: float) -> str:
    """`text` broken at "; " (or spaces) into lines that fit `width_px` less the padding, at FOOTER_SIZE points
    (a Latin character taken as 0.55 em wide, a Chinese one as 1 em)."""
    room = (width_px / dpi - 2 * pad_inches) * 72 / FOOTER_SIZE  # in em
    lines, line = [], ""
    for part in re.split(r"(?<=; )|(?<= )", text):
        candidate = line + part
        if line and sum(1.0 if ord(c) > 0x2E80 else 0.55 for c in candidate) > room:
            lines.append(line.rstrip())
            line = part
        else:
            line = candidate
    return "\n".join([*lines, line.rstrip()])


def footer_pixels(text: str, width_px: int, dpi: float, pad_inches: float, face, channels: int) -> np.ndarray:
    """The source line as rows of pixels `width_px` wide, on the figure's colour: a small figure of its own."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    wrapped = footer_lines(text, width_px, dpi, pad_inches)
    height_in = (wrapped.count("\n") + 1) * FOOTER_SIZE * 1.3 / 72 + pad_inches / 2
    strip = Figure(figsize=(width_px / dpi, height_in), dpi=dpi, facecolor=[c / 255 for c in face])
    canvas = FigureCanvasAgg(strip)
    strip.text(pad_inches / (width_px / dpi), 1, wrapped, ha="left", va="top", fontsize=FOOTER_SIZE,
               color=FOOTER_COLOUR, linespacing=1.2)  # fmt: skip
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba())[..., :channels]
    return pixels[:, :width_px]


class FontHeights:
    """The font-height metrics matplotlib's text layout reads for every text it measures, computed once per font.

    `Text._get_layout` (matplotlib 3.11) asks the renderer for `_get_font_height_metrics(fontproperties)` and,
    on a renderer without it (Agg's), finds the font file and reads its OS/2 (else hhea) ascender, descender
    and line gap each time: a figure measures its texts hundreds of times (layout, drawing, tight box), about a
    tenth of its saving time. Set on one renderer, an instance answers from what it has read before, with the
    same values the layout computes itself: the same code, once per (font properties, dpi). It lives as long
    as that renderer (one figure), so a change of rcParams between figures cannot make it stale. A matplotlib
    without the hook ignores it.
    """

    def __init__(self, dpi: float):
        self.dpi = dpi
        self._known: dict[tuple, tuple] = {}

    def __call__(self, props) -> tuple:
        key = (tuple(props.get_family()), props.get_style(), props.get_variant(), props.get_weight(),
               props.get_stretch(), props.get_size_in_points(), props.get_file(), props.get_math_fontfamily())  # fmt: skip
        found = self._known.get(key)
        if found is None:
            found = self._known[key] = self._read(props)
        return found

    def _read(self, props) -> tuple:
        """(ascent, descent, line gap) in pixels, as matplotlib.text.Text._get_layout reads them."""
        from matplotlib.font_manager import fontManager, get_font

        font = get_font(fontManager._find_fonts_by_props(props))
        for table_name, gap_key, ascent_key, descent_key in (
            ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
            ("hhea", "lineGap", "ascent", "descent"),
        ):
            table = font.get_sfnt_table(table_name)
            if table is None:
                continue
            scale = 1 / font.get_sfnt_table("head")["unitsPerEm"] * props.get_size_in_points() * self.dpi / 72
            return table[ascent_key] * scale, -table[descent_key] * scale, table[gap_key] * scale
        return None, None, None  # matplotlib then measures the text "lp" itself


def write_png(fig, path: Path, pad_inches: float = PAD_INCHES, inspect=None, footer: str | None = None):
    """Lay `fig` out, draw it once at savefig.dpi and write the PNG of the box of what it draws (`ink_box`; the
    tight bounding box when the drawing reaches the canvas's edge) plus `pad_inches`; return that box (inches),
    with the figure's layout frozen so that later saves (SVG) reuse it, and what `inspect(fig)` finds in the drawn figure (None without `inspect`; helpers.plots.layout_problems measures the
    texts with the same renderer, whose text extents are cached). `footer` (the source line) is drawn as a strip
    of its own under the figure, left-aligned with the padding, wrapped to the image's width.

    One Agg renderer does all the work: the layout engine runs inside its draw, and what needs measuring afterwards
    (the tight box, when needed; the texts `inspect` checks) is measured with the same renderer, so every text is
    measured once (matplotlib caches text extents per renderer).
    The PNG is cut from the drawn canvas, padded with the figure's colour, and written by `encode_png` (RGB when
    the canvas is opaque). When an artist reaches past the figure's edge (the cut would clip it), or savefig's
    colours are set otherwise, the figure is saved again with savefig over the box (one more drawing).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    dpi = mpl.rcParams["savefig.dpi"]
    dpi = fig.dpi if dpi == "figure" else float(dpi)
    plain = mpl.rcParams["savefig.facecolor"] == "auto" and mpl.rcParams["savefig.edgecolor"] == "auto"
    plain = plain and not mpl.rcParams["savefig.transparent"]
    original_canvas, original_dpi = fig.canvas, fig.dpi
    canvas = FigureCanvasAgg(fig)  # becomes fig.canvas until restored below
    try:
        fig.dpi = dpi
        canvas.get_renderer()._get_font_height_metrics = FontHeights(dpi)  # the renderer the draw reuses
        canvas.draw()  # runs the layout engine, then renders
        renderer = canvas.get_renderer()
        alpha = 1.0 if fig.patch.get_alpha() is None else fig.patch.get_alpha()
        face = [round(c * 255) for c in mpl.colors.to_rgba(fig.get_facecolor(), alpha)]
        pixels = np.asarray(canvas.buffer_rgba())  # a view of the canvas: rows top to bottom, RGBA
        tight = ink_box(pixels, face, dpi) if plain else None
        if tight is None:  # nothing drawn, or up to the canvas's edge (perhaps past it): measure the artists
            tight = fig.get_tightbbox(renderer)
        box = tight.padded(pad_inches)
        fig._layout_engine = None  # freeze the layout just computed (a placeholder engine would draw again)
        found = inspect(fig) if inspect is not None else None
        # Pin figure legends to the figure's frame, where the layout put them: a save over a box (the fallback
        # below, the SVG) would otherwise move a legend "outside lower right" with the box's edge. Each keeps
        # its own anchor (the whole frame for an "outside" legend, the point it was given otherwise).
        for legend in fig.legends:
            anchor = legend.get_bbox_to_anchor().transformed(fig.transFigure.inverted())
            legend.set_bbox_to_anchor(anchor.bounds, transform=fig.transFigure)
        height, width = int(renderer.height), int(renderer.width)
        left, bottom, right, top = _pixel_box(tight, dpi)
        inside = left >= 0 and bottom >= 0 and right <= width and top <= height
        if plain and inside:
            x0, y0, x1, y1 = _pixel_box(box, dpi)
            top, left = height - y1, x0  # the box's top-left corner in canvas rows and columns (rows go down)
            rows, cols = slice(max(0, top), min(height, height - y0)), slice(max(0, left), min(width, x1))
            drawn = pixels[rows, cols]
            channels = 3 if face[3] == 255 and drawn[..., 3].min() == 255 else 4  # RGB when opaque
            image = np.empty((y1 - y0, x1 - x0, channels), dtype=np.uint8)
            image[...] = face[:channels]  # padding beyond the canvas, painted as savefig's bbox_inches would
            inner = image[rows.start - top : rows.stop - top, cols.start - left : cols.stop - left]
            for channel in range(channels):  # plane by plane: 3x faster than numpy's pixel-wise RGBA -> RGB
                inner[..., channel] = drawn[..., channel]
        else:  # one more drawing, over the box measured above (no second tight-box pass)
            import io

            from PIL import Image

            fig.dpi = original_dpi
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None}, bbox_inches=box,
                        pil_kwargs={"compress_level": 0})  # fmt: skip
            image = np.asarray(Image.open(buffer).convert("RGBA"))
            face = [round(c * 255) for c in mpl.colors.to_rgba(fig.get_facecolor())]
            channels = 3 if image[..., 3].min() == 255 else 4
            image = image[..., :channels]
        strip = [footer_pixels(footer, image.shape[1], dpi, pad_inches, face, channels)] if footer else []
        path.write_bytes(encode_png(image, dpi, *strip))
    finally:
        fig.dpi = original_dpi
        fig.set_canvas(original_canvas)
    return box, found


def show_saved_figure(fig, png: Path, width_px: int) -> None:
    """In a Jupyter kernel, show the PNG just saved (at the figure's screen size) instead of letting the inline
    backend draw the figure a third time, and close the figure; elsewhere do nothing. The notebook then shows
    exactly the file the report publishes."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return
    import matplotlib.pyplot as plt
    from IPython.display import Image, display

    display(Image(data=png.read_bytes(), format="png", width=width_px))
    plt.close(fig)
    fig.shown_as_saved = True


def show(fig) -> None:
    """Display `fig` once in the notebook and close it, so the inline backend does not show it again (the
    number of figure outputs then no longer depends on how the kernel set up matplotlib; nbval compares it).
    A figure that OutputSink.save_figure has already shown is not shown twice."""
    if getattr(fig, "shown_as_saved", False):
        return
    import matplotlib.pyplot as plt
    from IPython.display import display  # imported lazily: only notebooks display

    plt.close(fig)
    display(fig)


def record_timing(notebook: str, kind: str, name: str, seconds: float) -> None:
    """Append how long saving one figure or table took to $FUTURE_INDUSTRIES_TIMINGS (when it is set)."""
    path = os.environ.get(TIMINGS_ENV_VAR)
    if not path:
        return
    line = json.dumps({"notebook": notebook, "kind": kind, "name": name, "seconds": round(seconds, 4)})
    with open(path, "a", encoding="utf-8") as handle:  # one short write per line: kernels may share the file
        handle.write(line + "\n")


def _inspect(fig) -> tuple[list[str], list[str]]:
    """What write_png records of a drawn figure: its layout problems and the texts it draws."""
    return plots.layout_problems(fig), [text.get_text() for text in plots.drawn_texts(fig)]


SOURCE_LINE_MAX = 4  # sources named under a figure; more are counted and listed in the sources table


class OutputSink:
    """Where one notebook saves its figures and tables.

    Args:
        notebook: the notebook's id, e.g. "01_quantum".
        output_dir: folder (see resolve_output_dir).
        dataset: the loaded data, to check fact ids and write the source line.
        labels: labels in the notebook's language, for the source line.
        svg: also write each figure as SVG; None: as $FUTURE_INDUSTRIES_SVG says (off when unset).
    """

    def __init__(self, notebook: str, output_dir: str | Path | None, dataset: Dataset, labels: Labels,
                 svg: bool | None = None):  # fmt: skip
        self.notebook = notebook
        self.svg = svg_requested() if svg is None else bool(svg)
        self.root = resolve_output_dir(notebook, output_dir)
        self.dataset = dataset
        self.labels = labels
        (self.root / "figures").mkdir(parents=True, exist_ok=True)
        (self.root / "tables").mkdir(parents=True, exist_ok=True)
        self.registry: dict = {"notebook": notebook, "lang": labels.lang, "figures": [], "tables": []}
        self._write_registry()

    def _check(self, name: str, fact_ids: list[str], kind: str, roles: list[tuple[str, str]] = (),
               sources: tuple[str, ...] = ()) -> None:  # fmt: skip
        if not NAME_PATTERN.match(name):
            raise ValueError(
                f"{self.notebook}: {kind} name {name!r} must be lower-case letters, digits, _ or -"
            )
        if not fact_ids and not roles and not sources:
            raise ValueError(
                f"{self.notebook}: {kind} {name!r} needs the ids of the facts it uses, "
                "the (sector, place) city roles it draws on or the sources of the other tables it shows"
            )
        unknown_sources = [s for s in sources if s not in self._known["sources"]]
        if unknown_sources:
            raise ValueError(
                f"{self.notebook}: {kind} {name!r} cites source id(s) not in data/sources.csv: {unknown_sources}"
            )
        unknown = [f for f in fact_ids if f not in self._known["facts"]]
        if unknown:
            raise ValueError(f"{self.notebook}: {kind} {name!r} cites unknown fact id(s) {unknown}")
        unknown_roles = [tuple(r) for r in roles if tuple(r) not in self._known["roles"]]
        if unknown_roles:
            raise ValueError(
                f"{self.notebook}: {kind} {name!r} cites (sector, place) pairs not in data/city_roles.csv: "
                f"{unknown_roles}"
            )

    def source_line(
        self, fact_ids: list[str], extra_sources: tuple[str, ...] = (), roles: list[tuple[str, str]] = ()
    ) -> str:
        """ "Source: anue-2025-10-27 ¶6, 7" for the facts and city roles used (plus any extra source ids)."""
        by_fact, by_role = self._citations
        cited = [c for f in dict.fromkeys(fact_ids) for c in by_fact[f]]
        cited += [c for r in dict.fromkeys(map(tuple, roles)) for c in by_role[r]]
        located: dict[str, set[int]] = {}
        for source_id, locator in cited:
            paragraphs = located.setdefault(source_id, set())
            if not pd.isna(locator):
                paragraphs.add(int(locator))
        parts = []
        for source_id in sorted(located):
            paragraphs = ", ".join(map(str, sorted(located[source_id])))
            parts.append(f"{source_id} {self.labels('paragraph')}{paragraphs}" if paragraphs else source_id)
        parts += [s for s in extra_sources if s not in located]
        if len(parts) > SOURCE_LINE_MAX:  # a line under a figure, not a bibliography
            shown = "; ".join(p.split(" ")[0] for p in parts[:SOURCE_LINE_MAX])
            return self.labels("sources_line_many", shown=shown, n=len(parts) - SOURCE_LINE_MAX)
        return f"{self.labels('source')}: " + "; ".join(parts)

    @functools.cached_property
    def _known(self) -> dict:
        """The source ids, fact ids and (sector, place) role pairs a save may cite, read once per sink (the ids
        and pairs are those `_citations` holds)."""
        by_fact, by_role = self._citations
        return {
            "sources": set(self.dataset.sources["source_id"]),
            "facts": by_fact.keys(),
            "roles": by_role.keys(),
        }

    @functools.cached_property
    def _citations(self) -> tuple[dict, dict]:
        """(fact id -> its [(source id, locator)], (sector, place) -> the [(source id, locator)] of its role rows),
        built once per sink: every saved figure and table cites some, and a lookup in plain dicts is a tenth of
        pandas' indexing for the few rows a source line names."""
        facts, roles = self.dataset.facts, self.dataset.city_roles
        by_fact: dict[str, list] = {}
        for fact_id, *cited in zip(facts["fact_id"], facts["source_id"], facts["locator"], strict=True):
            by_fact.setdefault(fact_id, []).append(tuple(cited))
        by_role: dict[tuple, list] = {}
        pairs = zip(roles["sector"], roles["place"], roles["source_id"], roles["locator"], strict=True)
        for sector, place, *cited in pairs:
            by_role.setdefault((sector, place), []).append(tuple(cited))
        return by_fact, by_role

    @staticmethod
    def _entry(name: str, caption: str, fact_ids, roles, files: dict, sources=()) -> dict:
        entry = {"name": name, "caption": caption, "fact_ids": list(fact_ids), "files": files}
        if roles:
            entry["roles"] = [{"sector": sector, "place": place} for sector, place in roles]
        if sources:
            entry["sources"] = list(dict.fromkeys(sources))
        return entry

    def save_figure(
        self,
        fig,
        name: str,
        caption: str,
        fact_ids: list[str] = (),
        extra_sources: tuple[str, ...] = (),
        roles: list[tuple[str, str]] = (),
    ):
        """Add the source line under `fig`, save it as PNG (and SVG when the sink writes SVG), and register it.
        Returns `fig`.

        Cite the facts it shows (`fact_ids`), the city roles it draws on (`roles`: (sector, place) pairs of
        data/city_roles.csv) and/or the sources of rows of other tables it shows (`extra_sources`: source ids,
        as for data/rankings.csv or data/policy_mentions.csv); at least one is required.
        """
        started = time.perf_counter()
        self._check(name, fact_ids, "figure", roles, tuple(extra_sources))
        # The source line is written under the figure (write_png adds it as a strip below the drawn figure), so
        # nothing the figure draws, a legend "outside lower right" included, can meet it.
        line = self.source_line(fact_ids, extra_sources, roles)
        png = self.root / "figures" / f"{name}.png"
        box, (layout, texts) = write_png(fig, png, inspect=_inspect, footer=line)
        files = {"png": f"figures/{name}.png"}
        if (
            self.svg
        ):  # one more drawing, only when asked: the line hangs under the figure, the box takes it in
            fig.text(0.005, 0, line, ha="left", va="top", fontsize=FOOTER_SIZE, color=FOOTER_COLOUR)
            path = self.root / "figures" / f"{name}.svg"
            with mpl.rc_context({"svg.hashsalt": SVG_HASH_SALT}):
                fig.savefig(
                    path, format="svg", metadata={"Date": None}, bbox_inches="tight", pad_inches=PAD_INCHES
                )
            files["svg"] = f"figures/{name}.svg"
        texts = sorted({*texts, line})  # what the figure draws, for the language check of Chinese runs
        entry = self._entry(name, caption, fact_ids, roles, files, extra_sources)
        self._register("figures", entry | {"layout": layout, "texts": texts})
        record_timing(self.notebook, "figure", name, time.perf_counter() - started)
        show_saved_figure(fig, self.root / files["png"], round(box.width * fig.dpi))
        return fig

    def saved_line(self) -> str:
        """How many figures and tables the notebook saved, as a line in the label language."""
        return self.labels(
            "cl_saved_line", figures=len(self.registry["figures"]), tables=len(self.registry["tables"])
        )

    def sources_table(self, extra_fact_ids=()) -> pd.DataFrame:
        """Where everything this notebook's saved figures and tables cite comes from (plus `extra_fact_ids`,
        facts printed in the prose), headers in the label language: see helpers.tables.sources_table."""
        return tables.sources_table(self.dataset, self.registry, extra_fact_ids, self.labels)

    def disagreement_sources(self, extra_fact_ids=()) -> tuple[str, pd.DataFrame]:
        """Who says what on the first figure the cited sources disagree on: see helpers.tables.disagreement_sources."""
        return tables.disagreement_sources(self.dataset, self.registry, self.labels, extra_fact_ids)

    def disagreements_table(self, extra_fact_ids=()) -> pd.DataFrame:
        """Where the sources disagree about what this notebook cites: see helpers.tables.disagreements_table."""
        return tables.disagreements_table(self.dataset, self.registry, extra_fact_ids, self.labels)

    def save_table(
        self,
        table: pd.DataFrame,
        name: str,
        caption: str,
        fact_ids: list[str] = (),
        roles: list[tuple[str, str]] = (),
        extra_sources: tuple[str, ...] = (),
    ) -> pd.DataFrame:
        """Write `table` as CSV (UTF-8, "\\n" line ends), register it and print the sources it rests on (the
        line a figure carries under it). Returns the table for display.

        Cite `fact_ids`, `roles` ((sector, place) pairs of data/city_roles.csv) and/or `extra_sources` (source
        ids of rows of other tables, as for data/rankings.csv), at least one.
        """
        started = time.perf_counter()
        self._check(name, fact_ids, "table", roles, tuple(extra_sources))
        print(self.source_line(fact_ids, tuple(extra_sources), roles))
        path = self.root / "tables" / f"{name}.csv"
        table.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
        files = {"csv": f"tables/{name}.csv"}
        self._register("tables", self._entry(name, caption, fact_ids, roles, files, extra_sources))
        record_timing(self.notebook, "table", name, time.perf_counter() - started)
        return table

    def _register(self, section: str, entry: dict) -> None:
        entries = [e for e in self.registry[section] if e["name"] != entry["name"]]
        position = next((i for i, e in enumerate(self.registry[section]) if e["name"] == entry["name"]), None)
        entries.insert(len(entries) if position is None else position, entry)
        self.registry[section] = entries
        self._write_registry()

    def _write_registry(self) -> None:
        text = json.dumps(self.registry, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        (self.root / REGISTRY_NAME).write_text(text, encoding="utf-8")

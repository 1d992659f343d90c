"""One plotting theme for the package: Noto Sans CJK for every script, role colours, bounds drawn as bounds.

`apply_theme` configures matplotlib and seaborn together (seaborn's theme resets the font list unless it is
given the font). `plot_bounded_points` draws exact figures as filled markers and bounds as open markers with
an arrow, never as exact bars.
"""

from __future__ import annotations

import math
import os
import tempfile
from functools import cache
from pathlib import Path

if "MPLCONFIGDIR" not in os.environ and not os.access(Path.home(), os.W_OK):  # read-only or missing home
    os.environ["MPLCONFIGDIR"] = tempfile.mkdtemp(prefix="mpl-")

import matplotlib as mpl
import matplotlib.pyplot as plt
import seaborn as sns
from matplotlib import font_manager
from matplotlib.legend import Legend

CJK_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans CJK TC",
    "Source Han Sans SC",
    "Source Han Sans TC",
)
FORBIDDEN_FONTS: tuple[str, ...] = ("SimHei",)  # shipped by mplfonts but not OFL-licensed: never selected
ROLE_COLOURS: dict[str, str] = {
    "leader": "#1b4f72",
    "hub": "#2e86c1",
    "specialist": "#85c1e9",
    "follower": "#d5d8dc",
    "contender": "#a569bd",
}
KIND_MARKERS: dict[str, str] = {"actual": "o", "target": "D", "forecast": "s", "lab_result": "^"}
MEASURE_COLOURS: dict[str, str] = {
    "market_size": "#1b9e77", "industry_scale": "#d95f02", "industrial_output": "#7570b3",
    "revenue": "#e7298a", "investment": "#66a61e", "firm_size_threshold": "#a6761d",
}  # fmt: skip
OTHER_MONEY_COLOUR = "#7f8c8d"  # money measures without a colour of their own (valuation, funding, price ...)
SVG_HASH_SALT = "future-industries"


class FontNotFoundError(RuntimeError):
    """No CJK font could be found while Chinese labels were asked for."""


@cache
def find_cjk_font() -> tuple[str, str]:
    """Return (family, file) of a Noto Sans CJK / Source Han Sans font, registering it with matplotlib.

    Looks in mplfonts' bundled fonts (NotoSansCJKsc-Regular.otf only), then in the system's fonts.

    Raises:
        FontNotFoundError: with instructions, when none is found.
    """
    candidates: list[Path] = []
    try:
        import mplfonts

        candidates.append(Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf")
    except ImportError:
        pass
    for path in font_manager.findSystemFonts():
        name = Path(path).name.lower()
        if ("notosanscjk" in name or "sourcehansans" in name) and "mono" not in name:
            candidates.append(Path(path))
    for path in candidates:
        if not path.is_file():
            continue
        font_manager.fontManager.addfont(str(path))
        family = font_manager.FontProperties(fname=str(path)).get_name()
        if family not in FORBIDDEN_FONTS:
            return family, str(path)
    raise FontNotFoundError(
        "no CJK font found for Chinese labels: install the pinned environment (make setup installs mplfonts, "
        "which ships Noto Sans CJK SC) or a system font such as Debian's fonts-noto-cjk"
    )


def apply_theme(lang: str = "en") -> str:
    """Set the package's theme for matplotlib and seaborn; return the font family used.

    Every language uses Noto Sans CJK (its Latin glyphs are complete), so figures look the same in all three.
    """
    family, _ = find_cjk_font()
    sns.set_theme(style="whitegrid", context="notebook", font=family, rc={
        "font.family": [family, "DejaVu Sans"],
        "axes.unicode_minus": False,
        "axes.titlesize": 12,
        "axes.titleweight": "normal",  # the bundled Noto Sans CJK has one weight
        "axes.labelsize": 10,
        "figure.dpi": 100,
        "savefig.dpi": 150,
        "figure.figsize": (8, 4.5),
        "svg.hashsalt": SVG_HASH_SALT,
        "legend.frameon": False,
    })  # fmt: skip
    mpl.rcParams["font.sans-serif"] = [family, "DejaVu Sans"]
    return family


def warm_fonts() -> None:
    """Load the theme's fonts and matplotlib's text caches by drawing one small figure off screen, with Latin
    and Chinese text and a log axis's tick label (mathtext: matplotlib builds its parser on first use, 0.13 s)
    (the report runner's fork server does it once for every kernel it forks)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    apply_theme("en")
    fig = Figure(figsize=(2, 1), dpi=mpl.rcParams["savefig.dpi"])
    FigureCanvasAgg(fig)
    fig.text(0.1, 0.5, "Hefei 2025 合肥 量子")
    fig.text(0.1, 0.1, r"$\mathdefault{10^{2}}$")  # as a log axis labels its ticks
    fig.canvas.draw()


def plot_bounded_points(
    ax, labels, values, bounds, colour="#1b4f72", marker="o", label_kinds=True, log=False, approx_mark=True
):
    """Horizontal dot plot where bounds are drawn as bounds.

    Exact ("="): filled marker. Lower bound (">="): open marker with an arrow pointing right. Upper bound
    ("<="): open marker with an arrow pointing left. Approximate ("~"): open marker with a "~" beside it.

    Args:
        ax: matplotlib Axes.
        labels: category labels (y axis), top to bottom.
        values, bounds: numbers and their bounds, same length as labels.
        colour, marker: one for every point, or a list with one per point (same length as labels).
        approx_mark: write the "~" beside an approximate marker; False when the caller writes each figure
            with its bound beside the marker anyway ("~CNY 50 m"), where a second "~" would overlap it.
    Returns:
        The list of legend handles for the bound styles used.
    """
    positions = list(range(len(labels)))[::-1]
    colours = [colour] * len(labels) if isinstance(colour, str) else list(colour)
    markers = [marker] * len(labels) if isinstance(marker, str) else list(marker)
    used = set()
    for y, value, bound, colour, marker in zip(positions, values, bounds, colours, markers, strict=True):
        filled = bound == "="
        ax.plot([value], [y], marker=marker, markersize=9, color=colour,
                markerfacecolor=colour if filled else "white", markeredgewidth=1.8, linestyle="none")  # fmt: skip
        if bound in (">=", "<="):
            factor = (1.6 if log else 1.12) if bound == ">=" else (1 / 1.6 if log else 0.88)
            end = value * factor if log else value + (factor - 1) * max(abs(v) for v in values)
            ax.annotate("", xy=(end, y), xytext=(value, y),
                        arrowprops={"arrowstyle": "->", "color": colour, "lw": 1.6})  # fmt: skip
            ax.plot([end], [y], linestyle="none", marker="none")  # widen the axis limits to show the arrow
        elif bound == "~" and approx_mark:
            # right of the marker and level with it, clear of a value written above the marker
            ax.annotate(
                "~", xy=(value, y), xytext=(8, 0), textcoords="offset points", va="center", color=colour
            )
        used.add(bound)
    ax.set_yticks(positions, labels)
    if log:
        ax.set_xscale("log")
    return used


class BoundKey:
    """A legend entry of one bound style (bound_legend_handles); `BoundKeyHandler` draws it."""

    def __init__(self, bound: str, colour: str, marker: str, label: str):
        self.bound, self.colour, self.marker, self.label = bound, colour, marker, label

    def get_label(self) -> str:  # what a legend reads of a handle
        return self.label


KEY_MARKER_AT = {"=": 0.5, ">=": 0.25, "<=": 0.8, "~": 0.3}  # share of the legend key's width


class BoundKeyHandler:
    """Draws a BoundKey as plot_bounded_points draws the bound: a filled marker (exact), an open one with an
    arrow to the right (lower bound) or to the left (upper bound), or an open one with a "~" beside it
    (approximate), so that the legend tells a lower bound from an approximate figure."""

    def legend_artist(self, legend, handle: BoundKey, fontsize: float, handlebox):
        from matplotlib.lines import Line2D
        from matplotlib.patches import FancyArrowPatch
        from matplotlib.text import Text

        x0, y0, width, height = handlebox.xdescent, handlebox.ydescent, handlebox.width, handlebox.height
        middle = height / 2 - y0
        # the marker's place in the key: left of an arrow to the right, right of one to the left, left of a "~"
        at = KEY_MARKER_AT[handle.bound] * width - x0
        face = handle.colour if handle.bound == "=" else "white"
        mark = Line2D([at], [middle], marker=handle.marker, markersize=8, color=handle.colour,
                      markerfacecolor=face, markeredgewidth=1.8, linestyle="none")  # fmt: skip
        artists = [mark]
        if handle.bound in (">=", "<="):
            end = width - x0 if handle.bound == ">=" else -x0
            artists.append(FancyArrowPatch((at, middle), (end, middle), arrowstyle="->", color=handle.colour,
                                           lw=1.4, mutation_scale=fontsize, shrinkA=4, shrinkB=0))  # fmt: skip
        elif handle.bound == "~":
            artists.append(Text(at + fontsize * 0.6, middle, "~", color=handle.colour, fontsize=fontsize,
                                va="center", ha="left"))  # fmt: skip
        for artist in artists:
            artist.set_transform(handlebox.get_transform())
            handlebox.add_artist(artist)
        return mark


def bound_legend_handles(labels_fn, bounds_used, colour="#1b4f72", marker="o"):
    """Legend handles explaining the marker styles for the bounds in `bounds_used` (BoundKey entries, drawn
    as the plot draws each bound: BoundKeyHandler)."""
    names = {"=": "legend_exact", ">=": "legend_lower", "<=": "legend_upper", "~": "legend_approx"}
    return [BoundKey(bound, colour, marker, labels_fn(names[bound])) for bound in ("=", ">=", "<=", "~")
            if bound in bounds_used]  # fmt: skip


def new_figure(width: float = 8, height: float = 4.5):
    """A figure and axes with room at the bottom for the source line."""
    fig, ax = plt.subplots(figsize=(width, height), layout="constrained")
    return fig, ax


def draw_no_data(ax, labels, title: str = "") -> None:
    """Replace a plot by the honest message that the chosen cities have no data for it (and a title)."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, labels("no_data"), ha="center", va="center", fontsize=12, color="#555555",
            transform=ax.transAxes)  # fmt: skip
    if title:
        ax.set_title(title, wrap=True)


def no_data_figure(labels, title: str, width: float = 8, height: float = 2.5):
    """A figure that only says the chosen cities have no data for it, under `title`."""
    fig, ax = new_figure(width, height)
    draw_no_data(ax, labels, title)
    return fig


# --- layout check -------------------------------------------------------------------------------------------
OVERLAP_PX = 1.5  # two texts whose boxes share more than this in both directions overlap


def drawn_texts(fig) -> list:
    """The texts a draw of `fig` puts on the canvas: titles, axis and tick labels (only the ticks drawn),
    annotations, legend texts and figure texts. Call after the figure is laid out (draw_without_rendering)."""
    texts = list(fig.texts)
    for attr in ("_suptitle", "_supxlabel", "_supylabel"):
        if getattr(fig, attr, None) is not None:
            texts.append(getattr(fig, attr))
    legends = list(fig.legends)
    for ax in fig.axes:
        texts += [ax.title, ax._left_title, ax._right_title, *ax.texts]
        for axis in (ax.xaxis, ax.yaxis) if ax.axison else ():  # an axes turned off draws no axis texts
            if not axis.get_visible():
                continue
            texts += [axis.label, axis.offsetText]
            for tick in axis._update_ticks():  # the ticks inside the view: what a draw shows
                texts += [tick.label1, tick.label2]
        if ax.get_legend() is not None:
            legends.append(ax.get_legend())
    for legend in legends:
        texts += [legend.get_title(), *legend.get_texts()]
    seen, unique = set(), []
    for text in texts:
        if id(text) not in seen and text.get_visible() and text.get_text().strip():
            seen.add(id(text))
            unique.append(text)
    return unique


def _pieces(text, box, dpi: float) -> list[tuple[float, float, float, float]]:
    """A text's ink as boxes (x0, y0, x1, y1): its box when it runs level or upright; for a slanted text (tick
    labels at 30°), squares of the font's height along the diagonal it runs on, so that two slanted labels side
    by side are not taken to overlap because their level boxes do."""
    angle = text.get_rotation() % 180
    if angle in (0, 90):
        return [(box.x0, box.y0, box.x1, box.y1)]
    size = text.get_size() * dpi / 72
    rising = angle < 90
    start = (box.x0, box.y0) if rising else (box.x0, box.y1)
    end = (box.x1, box.y1) if rising else (box.x1, box.y0)
    length = math.hypot(end[0] - start[0], end[1] - start[1])
    steps = max(int(math.ceil(length / size)), 1)
    pieces = []
    for i in range(steps + 1):
        x = start[0] + (end[0] - start[0]) * i / steps
        y = start[1] + (end[1] - start[1]) * i / steps
        half = size / 2
        pieces.append(
            (max(x - half, box.x0), max(y - half, box.y0), min(x + half, box.x1), min(y + half, box.y1))
        )
    return pieces


def _overlap(a: list[tuple[float, float, float, float]], b: list[tuple[float, float, float, float]]) -> bool:
    for ax0, ay0, ax1, ay1 in a:
        for bx0, by0, bx1, by1 in b:
            if min(ax1, bx1) - max(ax0, bx0) > OVERLAP_PX and min(ay1, by1) - max(ay0, by0) > OVERLAP_PX:
                return True
    return False


def layout_problems(fig) -> list[str]:
    """Texts of a laid-out figure that overlap another text or are cut by the box that clips them.

    Returns:
        One line per problem, quoting the texts ("'Hefei' overlaps 'Beijing'"), sorted; [] for a clean figure.
    """
    renderer = fig.canvas.get_renderer()
    boxes = []
    for text in drawn_texts(fig):
        box = text.get_window_extent(renderer)
        if box.width <= 0 or box.height <= 0:
            continue
        boxes.append((text, box, _pieces(text, box, fig.dpi)))
    problems = set()
    for text, box, _ in boxes:
        clip = text.get_clip_box() if text.get_clip_on() else None
        if clip is not None and not (
            box.x0 >= clip.x0 - OVERLAP_PX and box.x1 <= clip.x1 + OVERLAP_PX
            and box.y0 >= clip.y0 - OVERLAP_PX and box.y1 <= clip.y1 + OVERLAP_PX
        ):  # fmt: skip
            problems.add(f"{text.get_text()!r} is cut by its axes")
    for i, (a, box_a, pieces_a) in enumerate(boxes):
        for b, box_b, pieces_b in boxes[i + 1 :]:
            if _overlap(
                [(box_a.x0, box_a.y0, box_a.x1, box_a.y1)], [(box_b.x0, box_b.y0, box_b.x1, box_b.y1)]
            ) and _overlap(pieces_a, pieces_b):
                first, second = sorted([a.get_text(), b.get_text()])
                problems.add(f"{first!r} overlaps {second!r}")
    return sorted(problems)


Legend.update_default_handler_map({BoundKey: BoundKeyHandler()})

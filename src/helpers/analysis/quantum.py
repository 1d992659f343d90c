"""Quantum technology (量子科技) for notebook 01: Hefei's scale and the ratios it supports, the city-by-focus
matrix behind "合肥領跑、多極聯動", and a reading of Beijing's 2030 cluster target (千億級).

The matrix, no-data and citation helpers at the end are sector-neutral; notebook 02 reuses them.
"""

from __future__ import annotations

import math
import textwrap

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from helpers.data import Dataset
from helpers.i18n import Labels
from helpers.indicators import Bounded, bounded_ratio, years_left
from helpers.plots import ROLE_COLOURS, bound_legend_handles, draw_no_data, new_figure, plot_bounded_points
from helpers.quantity import format_bound

SECTOR = "quantum"
LEADER = "hefei"
HEFEI_FIRMS = "quantum_hefei_firms"
HEFEI_PLATFORMS = "quantum_hefei_rd_platforms"
HEFEI_PATENTS = "quantum_hefei_patents"
HEFEI_FACTS: tuple[str, ...] = (HEFEI_FIRMS, HEFEI_PLATFORMS, HEFEI_PATENTS)
BEIJING_TARGET = "quantum_beijing_cluster_2030"
ARTICLE_YEAR = 2025  # the article is dated 2025-10-27

# ratio key -> (numerator fact, denominator fact); label keys are f"q_ratio_{key}"
HEFEI_RATIOS: dict[str, tuple[str, str]] = {
    "patents_per_firm": (HEFEI_PATENTS, HEFEI_FIRMS),
    "patents_per_platform": (HEFEI_PATENTS, HEFEI_PLATFORMS),
    "platforms_per_firm": (HEFEI_PLATFORMS, HEFEI_FIRMS),
}
BOUND_READING_KEYS: dict[str, str] = {
    "=": "q_bound_exact",
    ">=": "q_bound_lower",
    "<=": "q_bound_upper",
    "~": "q_bound_approx",
}


def get_fact(dataset: Dataset, fact_id: str) -> pd.Series:
    """One row of data/facts.csv.

    Raises:
        KeyError: no fact with that id.
    """
    rows = dataset.facts[dataset.facts["fact_id"] == fact_id]
    if rows.empty:
        raise KeyError(f"no fact {fact_id!r} in data/facts.csv")
    return rows.iloc[0]


def set_finding_title(fig: Figure, labels: Labels, text: str) -> None:
    """Put a figure's finding as its title, wrapped to fit (about 80 Latin or 40 Chinese characters a line)."""
    width = 80 if labels.lang == "en" else 40
    fig.suptitle(textwrap.fill(text, width=width, break_long_words=labels.lang != "en"))


def is_shown(place: str, cities: list[str] | None) -> bool:
    """True when `place` is in the notebook's `cities` subset (an empty subset shows every place)."""
    return not cities or place in cities


def format_significant(value: float, digits: int = 3) -> str:
    """A number rounded to `digits` significant digits, thousands separated, never in scientific notation."""
    if value == 0:
        return "0"
    exponent = math.floor(math.log10(abs(value)))
    decimals = max(digits - 1 - exponent, 0)
    return f"{round(value, digits - 1 - exponent):,.{decimals}f}"


def format_bounded(number: Bounded, digits: int = 3) -> str:
    """A derived ratio with its bound symbol and `digits` significant digits: ">21.5", "0.258", "~150"."""
    return f"{format_bound(number.bound)}{format_significant(number.value, digits)}"


def fact_ratio(dataset: Dataset, numerator_id: str, denominator_id: str) -> Bounded:
    """Divide one fact by another and carry both bounds (helpers.indicators.bounded_ratio)."""
    numerator, denominator = get_fact(dataset, numerator_id), get_fact(dataset, denominator_id)
    return bounded_ratio(
        float(numerator["value"]), numerator["bound"], float(denominator["value"]), denominator["bound"]
    )


def hefei_ratios(dataset: Dataset) -> pd.DataFrame:
    """The ratios Hefei's three counts support, with the bound each one carries.

    Returns:
        One row per ratio of HEFEI_RATIOS: `ratio`, `numerator_fact`, `denominator_fact`, `value`, `bound`.
        Patents are "over 2,000" and firms and platforms exact, so ratios with patents on top are lower bounds.
    """
    rows = []
    for key, (numerator_id, denominator_id) in HEFEI_RATIOS.items():
        ratio = fact_ratio(dataset, numerator_id, denominator_id)
        rows.append((key, numerator_id, denominator_id, ratio.value, ratio.bound))
    return pd.DataFrame(rows, columns=["ratio", "numerator_fact", "denominator_fact", "value", "bound"])


def hefei_ratios_table(
    dataset: Dataset, labels: Labels, figure_text, cities: list[str] | None = None
) -> pd.DataFrame:
    """`hefei_ratios` for display: localised headers, each figure with its bound and a reading of the bound.

    Args:
        figure_text: a function fact_id -> figure as text (Session.figure_text).
        cities: the notebook's subset; without Hefei the table has its headers and no rows.
    """
    ratios = hefei_ratios(dataset)
    if not is_shown(LEADER, cities):
        ratios = ratios.iloc[0:0]
    return pd.DataFrame(
        {
            labels("q_ratio"): [labels(f"q_ratio_{key}") for key in ratios["ratio"]],
            labels("q_numerator"): [figure_text(f) for f in ratios["numerator_fact"]],
            labels("q_denominator"): [figure_text(f) for f in ratios["denominator_fact"]],
            labels("value"): [
                format_bounded(Bounded(v, b)) for v, b in zip(ratios["value"], ratios["bound"], strict=True)
            ],
            labels("q_reading"): [labels(BOUND_READING_KEYS[b]) for b in ratios["bound"]],
            labels("fact_id"): [
                f"{n} / {d}"
                for n, d in zip(ratios["numerator_fact"], ratios["denominator_fact"], strict=True)
            ],
        }
    )


def order_of_magnitude(value: float) -> int:
    """The power of ten of a positive number: 1e11 -> 11, 9e11 -> 11.

    Raises:
        ValueError: `value` is not positive.
    """
    if value <= 0:
        raise ValueError(f"order_of_magnitude needs a positive number; got {value}")
    return math.floor(math.log10(value) + 1e-12)


def target_reading(dataset: Dataset, fact_id: str, horizon_year: int, as_of_year: int = ARTICLE_YEAR) -> dict:
    """What a target figure does and does not say: bound, order of magnitude, currency, years left, horizon.

    Returns:
        dict with `quantity_text`, `value`, `bound`, `order_of_magnitude`, `is_currency_implied`, `year`,
        `years_left` (from `as_of_year`) and `is_within_horizon` (target year <= `horizon_year`).
    """
    fact = get_fact(dataset, fact_id)
    year = int(fact["year"])
    return {
        "quantity_text": fact["quantity_text"],
        "value": float(fact["value"]),
        "bound": fact["bound"],
        "order_of_magnitude": order_of_magnitude(float(fact["value"])),
        "is_currency_implied": bool(fact["is_unit_implied"]),
        "year": year,
        "years_left": years_left(year, as_of_year),
        "is_within_horizon": year <= horizon_year,
    }


def target_reading_table(reading: dict, labels: Labels, money_text: str) -> pd.DataFrame:
    """`target_reading` as a two-column table (item, reading) in the label language.

    Args:
        money_text: the figure in the notebook's currency with its bound (Session.figure_text).
    """
    yes_no = {True: labels("q_yes"), False: labels("q_no")}
    rows = [
        (labels("as_printed"), reading["quantity_text"]),
        (labels("figure"), money_text),
        (labels("q_bound"), labels(BOUND_READING_KEYS[reading["bound"]])),
        (labels("q_magnitude"), labels("q_magnitude_text", exponent=reading["order_of_magnitude"])),
        (labels("q_currency"), labels("q_currency_implied") if reading["is_currency_implied"] else "CNY"),
        (labels("year"), str(reading["year"])),
        (labels("years_left"), str(reading["years_left"])),
        (labels("q_within_horizon"), yes_no[reading["is_within_horizon"]]),
    ]
    return pd.DataFrame(rows, columns=[labels("q_item"), labels("q_reading")])


# --- sector-neutral helpers (also used by helpers.analysis.biomanufacturing) -------------------------------


def focus_matrix(dataset: Dataset, sector: str, cities: list[str] | None = None) -> pd.DataFrame:
    """Cities x focus tags of one sector from data/city_roles.csv.

    Returns:
        Index: place ids in file order (only `cities` when given). Columns: `role`, then one boolean column
        per focus tag in order of first appearance among the sector's rows (the sector's full tag list, so a
        subset keeps the same columns).
    """
    roles = dataset.city_roles[dataset.city_roles["sector"] == sector]
    tags: list[str] = []
    for text in roles["focus_tags"]:
        tags += [t for t in text.split(";") if t not in tags]
    shown = roles[roles["place"].isin(cities)] if cities else roles
    matrix = pd.DataFrame(
        {tag: [tag in text.split(";") for text in shown["focus_tags"]] for tag in tags},
        index=pd.Index(shown["place"], name="place"),
    )
    matrix.insert(0, "role", list(shown["role"]))
    return matrix


def tag_counts(matrix: pd.DataFrame) -> pd.Series:
    """Number of focus tags per city of a `focus_matrix` (index: place id)."""
    return matrix.drop(columns="role").sum(axis=1).astype(int)


def widest_focus(matrix: pd.DataFrame) -> tuple[list[str], int]:
    """The cities with the most focus tags (all of them when tied) and that number; ([], 0) when empty."""
    if matrix.empty:
        return [], 0
    counts = tag_counts(matrix)
    top = int(counts.max())
    return [place for place, n in counts.items() if n == top], top


def focus_matrix_table(matrix: pd.DataFrame, labels: Labels) -> pd.DataFrame:
    """A `focus_matrix` for display: city and role names, "✓" where a city has a focus tag."""
    tags = [c for c in matrix.columns if c != "role"]
    table = pd.DataFrame({labels("city"): [labels.city(p) for p in matrix.index],
                          labels("role"): [labels.role(r) for r in matrix["role"]]})  # fmt: skip
    for tag in tags:
        table[labels(f"focus_{tag}")] = ["✓" if flag else "" for flag in matrix[tag]]
    return table


def draw_focus_matrix(ax, matrix: pd.DataFrame, labels: Labels) -> None:
    """Draw a `focus_matrix` as a grid: a filled cell, coloured by the city's role, where it has a tag.

    Cities run top to bottom in matrix order; the number of tags is written at the right of each row; a role
    legend is added for the roles shown.
    """
    tags = [c for c in matrix.columns if c != "role"]
    n_rows = len(matrix)
    for row, (_place, record) in enumerate(matrix.iterrows()):
        y = n_rows - 1 - row
        for x, tag in enumerate(tags):
            if record[tag]:
                ax.add_patch(Rectangle((x - 0.42, y - 0.38), 0.84, 0.76, facecolor=ROLE_COLOURS[record["role"]],
                                       edgecolor="#333333", linewidth=0.8))  # fmt: skip
        ax.text(len(tags) - 0.3, y, str(int(record[tags].sum())), va="center", ha="left", fontsize=9)
    ax.set_xlim(-0.6, len(tags) + 0.2)
    ax.set_ylim(-0.6, n_rows - 0.4)
    ax.set_xticks(range(len(tags)), [labels(f"focus_{t}") for t in tags], rotation=30, ha="right")
    ax.set_yticks(range(n_rows)[::-1], [labels.city(p) for p in matrix.index])
    ax.grid(False)
    ax.set_xlabel(labels("q_focus_axis"))
    roles = list(dict.fromkeys(matrix["role"]))
    handles = [Patch(facecolor=ROLE_COLOURS[r], edgecolor="#333333", label=labels.role(r)) for r in roles]
    ax.legend(handles=handles, title=labels("role"), loc="upper left", bbox_to_anchor=(1.04, 1))


def table_fact_ids(table: pd.DataFrame, labels: Labels, fallback: tuple[str, ...] | list[str]) -> list[str]:
    """The fact ids in a table's fact-id column, or `fallback` (the facts it was filtered from) when it has none."""
    column = labels("fact_id")
    ids = [] if column not in table else [i for text in table[column] for i in str(text).split(" / ") if i]
    return list(dict.fromkeys(ids)) or list(fallback)


def sector_fact_ids(dataset: Dataset, sector: str) -> list[str]:
    """Every fact id of one sector, in file order."""
    return list(dataset.facts.loc[dataset.facts["sector"] == sector, "fact_id"])


# --- figures of notebook 01 ------------------------------------------------------------------------------


def annotate_points(ax, texts: list[str], values: list[float]) -> None:
    """Write each figure's text beside its marker (rows top to bottom, as plot_bounded_points draws them)."""
    for y, (text, value) in zip(range(len(texts))[::-1], zip(texts, values, strict=True), strict=True):
        ax.annotate(text, xy=(value, y), xytext=(0, 13), textcoords="offset points", ha="center", fontsize=9)


def figure_hefei_scale(session) -> Figure:
    """Hefei's firms, R&D platforms and patents as bounded points on a log count axis (or a no-data note)."""
    labels, cities = session.labels, session.settings.get("cities")
    fig, ax = new_figure(8, 3.4)
    if not is_shown(LEADER, cities):
        set_finding_title(fig, labels, labels("q_hefei_scale_title_none"))
        draw_no_data(ax, labels)
        return fig
    facts = [get_fact(session.dataset, f) for f in HEFEI_FACTS]
    values = [float(f["value"]) for f in facts]
    used = plot_bounded_points(
        ax, [labels.fact(f) for f in HEFEI_FACTS], values, [f["bound"] for f in facts], log=True
    )
    annotate_points(ax, [session.figure_text(f) for f in HEFEI_FACTS], values)
    ax.set_xlim(10, 10_000)
    ax.set_ylim(-0.6, len(values) - 0.3)
    ax.set_xlabel(labels("q_count_log_axis"))
    ax.legend(handles=bound_legend_handles(labels, used), loc="upper left", bbox_to_anchor=(1.01, 1))
    set_finding_title(fig, labels, labels("q_hefei_scale_title", firms=session.figure_text(HEFEI_FIRMS),
                        platforms=session.figure_text(HEFEI_PLATFORMS), patents=session.figure_text(HEFEI_PATENTS)))  # fmt: skip
    return fig


def figure_hefei_ratios(session) -> Figure:
    """The three ratios of Hefei's counts as bounded points on a log axis (or a no-data note)."""
    labels, cities = session.labels, session.settings.get("cities")
    fig, ax = new_figure(8, 3.4)
    if not is_shown(LEADER, cities):
        set_finding_title(fig, labels, labels("q_ratios_title_none"))
        draw_no_data(ax, labels)
        return fig
    ratios = hefei_ratios(session.dataset)
    values = list(ratios["value"])
    used = plot_bounded_points(ax, [labels(f"q_ratio_{k}") for k in ratios["ratio"]], values, list(ratios["bound"]),
                               log=True)  # fmt: skip
    texts = [format_bounded(Bounded(v, b)) for v, b in zip(values, ratios["bound"], strict=True)]
    annotate_points(ax, texts, values)
    ax.set_xlim(0.1, 300)
    ax.set_ylim(-0.6, len(values) - 0.3)
    ax.set_xlabel(labels("q_ratio_axis"))
    ax.set_title(labels("q_ratio_note"), fontsize=9, color="#555555")
    ax.legend(handles=bound_legend_handles(labels, used), loc="upper left", bbox_to_anchor=(1.01, 1))
    by_key = dict(zip(ratios["ratio"], texts, strict=True))
    set_finding_title(fig, labels, labels("q_ratios_title", patents_per_firm=by_key["patents_per_firm"],
                        platforms_per_firm=by_key["platforms_per_firm"]))  # fmt: skip
    return fig


def figure_focus_matrix(session, sector: str = SECTOR, title_key: str = "q_focus_title") -> Figure:
    """Cities x focus tags of `sector`, coloured by role; the title names the city with the most tags.

    `title_key` is formatted with `top` (city names), `n` (their number of tags) and `n_cities`.
    """
    labels, cities = session.labels, session.settings.get("cities")
    matrix = focus_matrix(session.dataset, sector, cities)
    fig, ax = new_figure(9, 0.9 + 0.45 * max(len(matrix), 3))
    if matrix.empty:
        set_finding_title(fig, labels, labels("q_focus_title_none"))
        draw_no_data(ax, labels)
        return fig
    draw_focus_matrix(ax, matrix, labels)
    top, n = widest_focus(matrix)
    separator = ", " if labels.lang == "en" else "、"
    set_finding_title(
        fig,
        labels,
        labels(title_key, top=separator.join(labels.city(p) for p in top), n=n, n_cities=len(matrix)),
    )
    return fig

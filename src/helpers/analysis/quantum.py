"""Quantum technology (量子科技) for notebook 01: Hefei's scale and the ratios it supports, the city-by-focus
matrix behind "合肥領跑、多極聯動", and a reading of Beijing's 2030 cluster target (千億級).

The matrix, no-data and citation helpers at the end are sector-neutral; notebook 02 reuses them.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from helpers.analysis.common import (
    BOUND_READING_KEYS,
    annotate_points,
    fact_ratio,
    format_bounded,
    get_fact,
    is_shown,
    order_of_magnitude,
    set_finding_title,
)
from helpers.data import Dataset
from helpers.i18n import Labels
from helpers.indicators import Bounded, years_left
from helpers.plots import bound_legend_handles, draw_no_data, new_figure, plot_bounded_points

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


# --- figures of notebook 01 ------------------------------------------------------------------------------


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



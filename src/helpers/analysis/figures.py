"""Shared figures and tables of observations and of the quantities derived from them, for any sector.

Whatever the sources bring, unlike measures never share an axis: `figure_panels` draws one panel per indicator
and unit (small multiples), each figure with its bound; `derived_table` and `figure_derived` show every ratio of
data/derivations.csv the observations support, with the bound carried.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from helpers.analysis.common import (
    BOUND_READING_KEYS,
    figure_text,
    format_bounded,
    in_currency,
    join_names,
    wrap_label,
)
from helpers.analysis.targets import FigureResult, set_money_ticks
from helpers.indicators import Bounded
from helpers.plots import bound_legend_handles, draw_no_data, new_figure, plot_bounded_points
from helpers.selection import derived
from helpers.session import Session
from helpers.tables import format_figure

MAX_PANELS = 6  # panels drawn in one figure; the rest are counted in a note (every figure is in the tables)
MAX_ROWS = 8  # rows of one panel; the rest are counted in the panel's title
LOG_SPREAD = 30  # a panel whose largest value is this many times its smallest uses a log axis
ROW_INCHES, PANEL_INCHES = 0.42, 0.75


def row_label(session: Session, row: pd.Series, year_column: str = "year") -> str:
    """ "Hefei (2024)", then the district on the next line when the figure is for one."""
    labels = session.labels
    year = "" if pd.isna(row[year_column]) else f" ({int(row[year_column])})"
    district = row.get("district_en") or ""
    if district and isinstance(row.get("fact_id"), str):
        district = labels.district(row["fact_id"])
    head = labels.city(row["place"]) + year
    return head + ("\n" + wrap_label(district, labels.lang, 36) if district else "")


def _with_fact(row: pd.Series, fact_id: str) -> pd.Series:
    """A derived row labelled by the fact it was derived from (for the district's printed name)."""
    row = row.copy()
    row["fact_id"] = fact_id
    return row


def panel_counts(frame: pd.DataFrame) -> dict[str, int]:
    """What a panels figure's title counts: observations `n`, indicators `n_indicators` (with their unit) and
    `n_repeated`, the indicators given for more than one place, district or year."""
    sizes = frame.groupby(["indicator", "unit"]).size()
    return {"n": len(frame), "n_indicators": len(sizes), "n_repeated": int((sizes > 1).sum())}


def panel_groups(frame: pd.DataFrame) -> list[tuple[tuple[str, str], pd.DataFrame]]:
    """Observations grouped by (indicator, unit): the groups with the most rows first, then first appearance."""
    groups = list(frame.groupby(["indicator", "unit"], sort=False))
    return sorted(groups, key=lambda item: -len(item[1]))


def _axis_values(session: Session, rows: pd.DataFrame, value_column: str = "value") -> list[float]:
    return [in_currency(session, v) if u in ("CNY",) else float(v) for v, u in zip(rows[value_column], rows["unit"], strict=True)]  # fmt: skip


def _draw_panel(ax, session: Session, names: list[str], values: list[float], bounds: list[str],
                texts: list[str]) -> set[str]:  # fmt: skip
    positive = [v for v in values if v > 0]
    log = bool(positive) and len(positive) == len(values) and max(values) / min(values) >= LOG_SPREAD
    used = plot_bounded_points(ax, names, values, bounds, log=log, approx_mark=False)
    for y, (text, value) in zip(range(len(texts) - 1, -1, -1), zip(texts, values, strict=True), strict=True):
        ax.annotate(text, xy=(value, y), xytext=(0, 9), textcoords="offset points", ha="center", fontsize=8)
    ax.set_ylim(-0.7, len(values) - 0.2)
    if log:
        ax.set_xlim(min(values) / 4, max(values) * 4)
    else:
        top = max([abs(v) for v in values] + [1e-12])
        ax.set_xlim(min(0, min(values)) - 0.05 * top, top * 1.35)
    ax.tick_params(axis="x", labelsize=8)
    return used


def _money_axis(ax, session: Session) -> None:
    """Money ticks in the session's currency ("CNY 200 bn", "2 億元"), never an offset such as "1e12"."""
    if ax.get_xscale() == "log":
        set_money_ticks(ax, session)
        return
    factor = session.cny_per_usd if session.currency == "USD" else 1.0
    ax.xaxis.set_major_locator(MaxNLocator(4))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: session.money(x * factor) if x > 0 else "0"))


def unit_axis(ax, session: Session, unit: str) -> None:
    """Ticks that speak the panel's unit: money in the session's currency (`_money_axis`), a fraction as a
    percentage ("40%", as the values beside the markers), a multiple with "×" ("100×"); other units keep plain
    numbers. A log axis keeps its own ticks but for money."""
    if unit == "CNY":
        _money_axis(ax, session)
    elif ax.get_xscale() == "log":
        return
    elif unit == "fraction":
        ax.xaxis.set_major_formatter(PercentFormatter(xmax=1))
    elif unit == "multiple":
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}×"))


def figure_panels(
    session: Session, frame: pd.DataFrame, title: str, *, max_panels: int = MAX_PANELS
) -> FigureResult:
    """Observations as small multiples: one panel per indicator and unit, a row per place (and district and
    year), each figure drawn with its bound and written beside its marker. Money is in the session's currency.

    Args:
        frame: observations (helpers.selection.observations), any measures.
        title: the figure's title (states what the data show; printed from the data by the caller).
    Returns:
        The figure, the fact ids it draws, and whether there was anything to draw.
    """
    labels = session.labels
    if frame.empty:
        fig, ax = new_figure(8, 2.6)
        draw_no_data(ax, labels, title)
        return FigureResult(fig, [], False)
    groups = panel_groups(frame)
    shown = groups[:max_panels]
    heights = [min(len(rows), MAX_ROWS) for _, rows in shown]
    fig, axes = new_figure(9, 1.3 + sum(ROW_INCHES * h + PANEL_INCHES for h in heights))
    fig.delaxes(axes)
    grid = fig.add_gridspec(len(shown), 1, height_ratios=[h + 1.2 for h in heights])
    used: set[str] = set()
    drawn: list[str] = []
    for i, ((_indicator, unit), rows) in enumerate(shown):
        ax = fig.add_subplot(grid[i])
        more = len(rows) - MAX_ROWS
        rows = rows.head(MAX_ROWS)
        drawn += list(rows["fact_id"])
        texts = [figure_text(session, r) for _, r in rows.iterrows()]
        used |= _draw_panel(ax, session, [row_label(session, r) for _, r in rows.iterrows()],
                            _axis_values(session, rows), list(rows["bound"]), texts)  # fmt: skip
        head = labels.fact(rows["fact_id"].iloc[0])
        if more > 0:
            head += labels("panels_more_rows", n=more)
        ax.set_title(wrap_label(head, labels.lang, 90), loc="left", fontsize=9)
        unit_axis(ax, session, unit)
        ax.set_xlabel(
            labels(f"unit_axis_{unit}") if f"unit_axis_{unit}" in labels.catalogue else "", fontsize=8
        )
    note = labels("panels_more", n=len(groups) - len(shown)) if len(groups) > len(shown) else ""
    fig.suptitle(wrap_label(title, labels.lang, 95) + (f"\n{note}" if note else ""), fontsize=11)
    # at most two columns: three or four bound styles in one row reach the source line under the figure
    fig.legend(handles=bound_legend_handles(labels, used), loc="outside lower right", ncols=min(max(len(used), 1), 2),
               fontsize=8, title=labels("panels_not_comparable"), title_fontsize=8)  # fmt: skip
    return FigureResult(fig, drawn, True)


def derived_rows(session: Session, sector: str) -> pd.DataFrame:
    """`helpers.selection.derived` for the session's cities."""
    return derived(session.dataset, sector=sector, places=list(session.settings.get("cities") or []))


def derived_label(labels, row: pd.Series) -> str:
    """A derivation's label in the label language (data/derivations.csv holds English and Simplified)."""
    return labels.localise_source(row["label_en"], row["label_zh"])


def derived_text(session: Session, row: pd.Series) -> str:
    """A derived value with its bound: ">21.5", "~CNY 23 m", "<12%"."""
    if row["unit"] in ("count",):
        return format_bounded(Bounded(row["value"], row["bound"]))
    return format_figure(row["value"], row["bound"], row["unit"], session.labels, session.currency,
                         session.cny_per_usd)  # fmt: skip


def derived_table(session: Session, sector: str) -> pd.DataFrame:
    """Every derived quantity of `sector` the chosen cities' observations support: place, ratio, numerator and
    denominator as figures with their years, the result with its bound and a reading of the bound, fact ids."""
    labels = session.labels
    facts = session.dataset.facts.set_index("fact_id")
    rows = []
    for _, row in derived_rows(session, sector).iterrows():
        top, bottom = facts.loc[row["numerator_fact"]], facts.loc[row["denominator_fact"]]
        rows.append({
            labels("city"): row_label(session, _with_fact(row, row["numerator_fact"])),
            labels("q_ratio"): derived_label(labels, row),
            labels("q_numerator"): f"{figure_text(session, top)} ({labels.fact(row['numerator_fact'])})",
            labels("q_denominator"): f"{figure_text(session, bottom)} ({labels.fact(row['denominator_fact'])})"
            + ("" if pd.isna(row["denominator_year"]) else f", {int(row['denominator_year'])}"),
            labels("value"): derived_text(session, row),
            labels("q_reading"): labels(BOUND_READING_KEYS[row["bound"]]),
            labels("fact_id"): f"{row['numerator_fact']} / {row['denominator_fact']}",
        })  # fmt: skip
    columns = ["city", "q_ratio", "q_numerator", "q_denominator", "value", "q_reading", "fact_id"]
    return pd.DataFrame(rows, columns=[labels(c) for c in columns])


def derived_title(session: Session, sector: str) -> str:
    """The finding of `figure_derived`, printed from the data: how many ratios, for which places, and how many
    carry no direction ("~")."""
    labels, frame = session.labels, derived_rows(session, sector)
    if frame.empty:
        return labels("derived_title_none")
    places = [labels.city(p) for p in dict.fromkeys(frame["place"])]
    return labels("derived_title", n=len(frame), places=join_names(places, labels.lang),
                  n_none=int((frame["bound"] == "~").sum()))  # fmt: skip


def figure_derived(session: Session, sector: str, title: str) -> FigureResult:
    """Every derived quantity of `sector` for the chosen cities, one panel per derivation (a ratio of patents
    to firms never shares an axis with a yuan per project), each value drawn with its carried bound."""
    labels = session.labels
    frame = derived_rows(session, sector)
    if frame.empty:
        fig, ax = new_figure(8, 2.6)
        draw_no_data(ax, labels, title)
        return FigureResult(fig, [], False)
    groups = list(frame.groupby("derivation_id", sort=False))
    heights = [len(rows) for _, rows in groups]
    fig, axes = new_figure(9, 1.3 + sum(ROW_INCHES * h + PANEL_INCHES for h in heights))
    fig.delaxes(axes)
    grid = fig.add_gridspec(len(groups), 1, height_ratios=[h + 1.2 for h in heights])
    used: set[str] = set()
    for i, (_name, rows) in enumerate(groups):
        ax = fig.add_subplot(grid[i])
        named = [_with_fact(r, r["numerator_fact"]) for _, r in rows.iterrows()]
        values = [in_currency(session, v) if rows["unit"].iloc[0] == "CNY" else v for v in rows["value"]]
        used |= _draw_panel(ax, session, [row_label(session, r) for r in named], values, list(rows["bound"]),
                            [derived_text(session, r) for _, r in rows.iterrows()])  # fmt: skip
        ax.set_title(derived_label(labels, rows.iloc[0]), loc="left", fontsize=9)
        unit_axis(ax, session, rows["unit"].iloc[0])
    fig.suptitle(wrap_label(title, labels.lang, 95), fontsize=11)
    fig.legend(handles=bound_legend_handles(labels, used), loc="outside lower right", ncols=max(len(used), 1),
               fontsize=8)  # fmt: skip
    ids = list(dict.fromkeys([*frame["numerator_fact"], *frame["denominator_fact"]]))
    return FigureResult(fig, ids, True)

"""Targets and what the sources offer to judge them (a same-indicator baseline or none), dated timelines, and
money figures drawn one panel per measure: shared by every sector notebook, the synthesis and the profiles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from helpers.analysis.common import chosen_facts, figure_text, in_currency, wrap_label, year_basis
from helpers.i18n import Labels
from helpers.indicators import Bounded, baseline_finder, ratio_bound, required_growth
from helpers.plots import (
    KIND_MARKERS,
    MEASURE_COLOURS,
    bound_legend_handles,
    draw_no_data,
    new_figure,
    plot_bounded_points,
)
from helpers.quantity import format_bound
from helpers.session import Session
from helpers.tables import sector_facts

TARGET_KINDS: tuple[str, ...] = ("target", "forecast")


TIMELINE_COLOURS: dict[str, str] = {"actual": "#1b4f72", "target": "#d95f02", "forecast": "#7570b3"}


@dataclass(frozen=True)
class TargetCheck:
    """A target (or forecast) and what the sources offer to judge it: a same-measure baseline, or none."""

    fact_id: str
    place: str
    year: int
    baseline_id: str | None
    baseline_year: int | None
    growth: Bounded | None  # required annual growth from the baseline, with its bound

    @property
    def has_baseline(self) -> bool:
        return self.baseline_id is not None


def check_targets(targets: pd.DataFrame, facts: pd.DataFrame) -> list[TargetCheck]:
    """Check each dated target or forecast in `targets` against the actuals in `facts` (all sectors).

    Required growth is the compound annual rate from the baseline to the target; its bound is the bound of
    target ÷ baseline (an "over" target on an exact baseline needs at least that growth). Dated milestones
    (unit "year") get no growth rate.
    """
    checks = []
    dated = targets[targets["kind"].isin(TARGET_KINDS) & targets["year"].notna()]
    find_baseline = baseline_finder(facts)  # helpers.indicators.find_baseline, the facts read once
    for _, target in dated.iterrows():
        baseline = None if target["unit"] == "year" else find_baseline(target)
        growth = None
        if baseline is not None:
            rate = required_growth(
                baseline["value"], target["value"], int(baseline["year"]), int(target["year"])
            )
            growth = Bounded(rate, ratio_bound(target["bound"], baseline["bound"]))
        checks.append(
            TargetCheck(
                fact_id=target["fact_id"],
                place=target["place"],
                year=int(target["year"]),
                baseline_id=None if baseline is None else baseline["fact_id"],
                baseline_year=None if baseline is None else int(baseline["year"]),
                growth=growth,
            )
        )
    return checks


def growth_text(growth: Bounded) -> str:
    """A required growth rate with its bound: ">20.4%", "20.4%"."""
    return f"{format_bound(growth.bound)}{growth.value:.1%}"


def target_note(check: TargetCheck, labels: Labels) -> str:
    """ "no baseline in the sources" or "needs 20.4% a year", in the label language."""
    if check.growth is None:
        return labels("no_baseline")
    return labels("eai_growth_needed", rate=growth_text(check.growth))


def target_table(session: Session, checks: list[TargetCheck]) -> pd.DataFrame:
    """One row per checked target: city, indicator, target figure, year, years left from the latest source's year,
    baseline (or "no baseline in the sources"), required growth, fact ids. Headers in the label language."""
    labels, facts = session.labels, session.dataset.facts.set_index("fact_id")
    rows = []
    for check in checks:
        target = facts.loc[check.fact_id]
        if check.baseline_id is None:
            baseline = labels("no_baseline")
        else:
            base = facts.loc[check.baseline_id]
            baseline = f"{figure_text(session, base)} ({check.baseline_year})"
        rows.append({
            labels("city"): labels.city(check.place),
            labels("indicator"): labels.fact(check.fact_id),
            labels("target"): figure_text(session, target),
            labels("year"): str(check.year),
            labels("years_left"): check.year - session.as_of_year,
            labels("baseline"): baseline,
            labels("required_growth"): "—" if check.growth is None else growth_text(check.growth),
            labels("fact_id"): check.fact_id + ("" if check.baseline_id is None else f"; {check.baseline_id}"),
        })  # fmt: skip
    columns = ["city", "indicator", "target", "year", "years_left", "baseline", "required_growth", "fact_id"]
    return pd.DataFrame(rows, columns=[labels(c) for c in columns])


def growth_rate_sources(session: Session, sector: str) -> list[TargetCheck]:
    """The targets or forecasts of `sector` (all cities) that have a same-measure baseline: the only places
    where the sources themselves imply a growth rate a scenario could scale."""
    sector_rows = session.dataset.facts[session.dataset.facts["sector"] == sector]
    return [c for c in check_targets(sector_rows, session.dataset.facts) if c.has_baseline]


def scenario_note(session: Session, sector: str) -> list[str]:
    """What the scenario and horizon parameters do in `sector`: lines of prose naming the targets that have
    a same-measure baseline (the only growth rates the sources imply), or saying there are none."""
    checks = growth_rate_sources(session, sector)
    scenario, horizon = session.settings.get("scenario", "base"), session.settings.get("horizon_year", 2030)
    L = session.labels
    if not checks:
        return [
            L("cl_tgt_note_none"),
            L("cl_tgt_note_none_so", scenario=scenario, label=L.scenario(scenario), horizon=horizon),
        ]
    lines = [L("cl_tgt_note_some", n=len(checks))]
    lines += [
        L("cl_tgt_note_rate", fact_id=c.fact_id, baseline_id=c.baseline_id, growth=growth_text(c.growth))
        for c in checks
        if c.growth
    ]
    return lines


def target_verdicts(session: Session, checks: list[TargetCheck]) -> list[str]:
    """One line per checked target: what it is, and the baseline found or "no baseline in the sources"."""
    facts = session.dataset.facts.set_index("fact_id")
    L = session.labels
    lines = []
    for c in checks:
        row = facts.loc[c.fact_id]
        head = L("cl_verdict_head", place=L.city(c.place), label=L.fact(c.fact_id),
                 figure=figure_text(session, row), year=c.year, fact_id=c.fact_id)  # fmt: skip
        if c.growth is None:
            lines.append(L("cl_verdict_none", head=head))
        else:
            base = facts.loc[c.baseline_id]
            lines.append(L("cl_verdict_some", head=head, baseline=figure_text(session, base),
                           baseline_year=c.baseline_year, baseline_id=c.baseline_id,
                           growth=growth_text(c.growth)))  # fmt: skip
    return lines


@dataclass
class FigureResult:
    """A built figure, the fact ids it cites, and whether the chosen cities left it any data."""

    fig: Figure
    fact_ids: list[str]
    has_data: bool


def money_axis_label(session: Session) -> str:
    """ "CNY, log scale" / "人民幣（對數刻度）" for the session's currency."""
    return session.labels("money_axis", currency=session.labels(f"currency_{session.currency}"))


def year_text(fact: pd.Series, labels: Labels) -> str:
    """A fact's year for a label, or "no year" when the year is not printed (taken as its source's date)."""
    if pd.isna(fact["year"]) or year_basis(fact["year_note"]) in ("not_printed", "none"):
        return labels("no_year")
    return str(int(fact["year"]))


def set_money_ticks(ax, session: Session) -> None:
    """Label a log money axis at 1, 2 and 5 times each power of ten (only at each power of ten when the axis spans
    more than two of them, so labels never crowd), in the session's currency and language. Set the limits first."""
    factor = session.cny_per_usd if session.currency == "USD" else 1.0
    low, high = ax.get_xlim()
    decades = math.log10(high / low) if low > 0 and high > low else 0
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0) if decades <= 2 else (1.0,)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: session.money(x * factor) if x > 0 else ""))
    ax.xaxis.set_minor_formatter(NullFormatter())


def figure_money_by_measure(session: Session, sector: str) -> FigureResult:
    """Money figures of `sector` for the chosen cities, one panel per measure (never one shared scale), each
    figure drawn with its bound (open marker and arrow for "over")."""
    labels = session.labels
    money = chosen_facts(session, sector)
    money = money[money["unit"] == "CNY"]
    all_ids = list(sector_facts(session.dataset, sector).query("unit == 'CNY'")["fact_id"])
    if money.empty:
        fig, ax = new_figure(8, 3)
        draw_no_data(ax, labels, labels("eai_fig_money_title_empty"))
        return FigureResult(fig, all_ids, False)
    measures = list(dict.fromkeys(money["measure"]))
    heights = [len(money[money["measure"] == m]) for m in measures]
    fig, axes = new_figure(9, 1.6 + 0.9 * sum(heights) + 0.6 * len(measures))
    fig.delaxes(axes)
    grid = fig.add_gridspec(len(measures), 1, height_ratios=heights)
    used: set[str] = set()
    for i, measure in enumerate(measures):
        ax = fig.add_subplot(grid[i])
        rows = money[money["measure"] == measure]
        names = [labels("eai_money_row", city=labels.city(r["place"]), year=year_text(r, labels),
                        kind=labels.kind(r["kind"])) for _, r in rows.iterrows()]  # fmt: skip
        values = [in_currency(session, v) for v in rows["value"]]
        colour = MEASURE_COLOURS.get(measure, "#1b4f72")
        used |= plot_bounded_points(ax, names, values, list(rows["bound"]), colour=colour, log=True,
                                    approx_mark=False)  # fmt: skip
        for y, (_, r), value in zip(range(len(rows) - 1, -1, -1), rows.iterrows(), values, strict=True):
            ax.annotate(figure_text(session, r), xy=(value, y), xytext=(0, 9), textcoords="offset points",
                        ha="center", fontsize=8, color=colour)  # fmt: skip
        ax.set_title(labels.measure(measure), loc="left", fontsize=10, color=colour)
        ax.set_ylim(-0.7, len(rows) - 0.3)
        lo, hi = min(values), max(values)
        ax.set_xlim(lo / 3, hi * 3)
        set_money_ticks(ax, session)
        ax.set_xlabel(money_axis_label(session) if i == len(measures) - 1 else "")
    n_actual, n_target = int((money["kind"] == "actual").sum()), int(money["kind"].isin(TARGET_KINDS).sum())
    fig.suptitle(labels("eai_fig_money_title", n_actual=n_actual, n_target=n_target, n_measures=len(measures)),
                 fontsize=12)  # fmt: skip
    # at most two columns: three or four bound styles in one row reach the source line under the figure
    fig.legend(handles=bound_legend_handles(labels, used), loc="outside lower right", ncols=min(len(used) or 1, 2),
               title=labels("eai_measures_not_comparable"), title_fontsize=8, fontsize=8)  # fmt: skip
    return FigureResult(fig, list(money["fact_id"]), True)


def timeline_rows(
    session: Session, facts: pd.DataFrame, notes: dict[str, list[str]] | None = None
) -> pd.DataFrame:
    """Rows for `plot_timeline`: every fact of `facts` with a printed or derived year, labelled and annotated.

    Columns: fact_id, place, year, kind, basis, row_label ("City: indicator"), note (figure, then `notes`).
    Facts whose year is not printed are left out (their year is only their source's date).
    """
    labels = session.labels
    notes = notes or {}
    rows = []
    for _, fact in facts.iterrows():
        basis = "none" if pd.isna(fact["year"]) else year_basis(fact["year_note"])
        if basis not in ("explicit", "derived"):
            continue
        parts = [] if fact["unit"] == "year" else [figure_text(session, fact)]
        if basis == "derived":
            parts.append(labels("eai_year_derived"))
        parts += notes.get(fact["fact_id"], [])
        rows.append({
            "fact_id": fact["fact_id"], "place": fact["place"], "year": int(fact["year"]), "kind": fact["kind"],
            "basis": basis,
            "row_label": wrap_label(labels("eai_row_label", city=labels.city(fact["place"]), indicator=labels.fact(fact["fact_id"])), labels.lang, 48),
            "note": "\n".join(parts),
        })  # fmt: skip
    columns = ["fact_id", "place", "year", "kind", "basis", "row_label", "note"]
    return pd.DataFrame(rows, columns=columns)


TIMELINE_TITLE_WIDTH = 60  # characters of the title a line: it sits over the axes, right of the row labels


def plot_timeline(session: Session, rows: pd.DataFrame, title: str, fallback_ids: list[str]) -> FigureResult:
    """A dated timeline: one row per fact, a line from the latest source's year to each target year, markers by kind
    (actual, target, forecast), the note beside each marker, and the horizon year marked.

    Args:
        rows: from timeline_rows.
        title: the figure's title (states the finding).
        fallback_ids: fact ids to cite when `rows` is empty (the figure then says "no data").
    """
    labels = session.labels
    horizon = int(session.settings.get("horizon_year", 2030))
    if rows.empty:
        fig, ax = new_figure(8, 3)
        draw_no_data(ax, labels, title)
        return FigureResult(fig, list(fallback_ids), False)
    lines = max(1, max(str(note).count("\n") + 1 for note in rows["note"]))
    fig, ax = new_figure(10, 1.8 + (0.35 + 0.16 * lines) * len(rows))
    positions = list(range(len(rows)))[::-1]
    now = session.as_of_year
    first, last = min(int(rows["year"].min()), now), max(int(rows["year"].max()), horizon)
    for y, (_, row) in zip(positions, rows.iterrows(), strict=True):
        colour = TIMELINE_COLOURS.get(row["kind"], "#1b4f72")
        if row["kind"] in TARGET_KINDS and row["year"] > now:
            ax.plot([now, row["year"]], [y, y], color=colour, lw=2, alpha=0.35, solid_capstyle="butt")
        ax.plot([row["year"]], [y], marker=KIND_MARKERS.get(row["kind"], "o"), markersize=9, color=colour,
                linestyle="none")  # fmt: skip
        if row["note"]:
            ax.annotate(row["note"], xy=(row["year"], y), xytext=(9, 0), textcoords="offset points", va="center",
                        fontsize=8, color="#333333", zorder=5, linespacing=1.15,
                        bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none",
                              "alpha": 0.85})  # fmt: skip
    ax.axvline(now, color="#555555", lw=1, ls=":")
    ax.annotate(labels("eai_article_date"), xy=(now, 1), xycoords=("data", "axes fraction"),
                xytext=(3, -2), textcoords="offset points", va="top", fontsize=8, color="#555555")  # fmt: skip
    ax.axvline(horizon, color="#555555", lw=1, ls="--")
    ax.annotate(labels("eai_horizon", year=horizon), xy=(horizon, 0), xycoords=("data", "axes fraction"),
                xytext=(3, 2), textcoords="offset points", va="bottom", fontsize=8, color="#555555")  # fmt: skip
    ax.set_yticks(positions, list(rows["row_label"]))
    ax.set_ylim(-0.6, len(rows) - 0.4)
    latest = int(rows["year"].max())
    room = max(3.0, 0.6 * (latest - first + 1))  # room for the notes right of the latest marker
    ax.set_xlim(first - 0.5, max(latest + room, last + 0.5))
    ax.xaxis.set_major_locator(
        MaxNLocator(nbins=6, integer=True, steps=[1, 2, 5, 10])
    )  # room for 4-digit years
    ax.set_xlabel(labels("year"))
    ax.set_title(
        wrap_label(title, labels.lang, TIMELINE_TITLE_WIDTH)
    )  # the axes start right of long row labels
    kinds = list(dict.fromkeys(rows["kind"]))
    handles = [Line2D([], [], marker=KIND_MARKERS.get(k, "o"), color=TIMELINE_COLOURS.get(k, "#1b4f72"),
                      linestyle="none", markersize=8, label=labels.kind(k)) for k in kinds]  # fmt: skip
    fig.legend(handles=handles, loc="outside lower right", ncols=len(kinds), fontsize=8)
    return FigureResult(fig, list(rows["fact_id"]), True)


def figure_targets_timeline(session: Session, sector: str) -> tuple[FigureResult, list[TargetCheck]]:
    """The timeline of the chosen cities' targets in `sector`, each annotated with its figure and either the
    growth it needs from a same-measure baseline or "no baseline in the sources". Returns the checks too."""
    facts = chosen_facts(session, sector)
    checks = check_targets(facts, session.dataset.facts)
    notes = {c.fact_id: [target_note(c, session.labels)] for c in checks}
    targets = facts[facts["fact_id"].isin(notes)]
    rows = timeline_rows(session, targets, notes)
    n_without = sum(not c.has_baseline for c in checks)
    title = session.labels("eai_fig_timeline_title", n_without=n_without, n=len(checks))
    every = sector_facts(session.dataset, sector)
    fallback = list(every[every["kind"].isin(TARGET_KINDS)]["fact_id"])
    return plot_timeline(session, rows, title, fallback), checks

"""6G analysis for notebook 06: who does what (the shared city × focus matrix, read for overlaps), the dated
milestones and targets, the figures that are easy to over-read (laboratory results, scopes wider than 6G,
figures for one district), and how much of each city's role rests on numbers.

Everything shared (focus matrix, timelines, targets, panels of observations, citations) comes from
helpers.analysis.common, .targets and .figures. Observations are chosen by meaning, never by id.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.ticker import MaxNLocator

from helpers.analysis.common import (
    chosen_facts,
    chosen_roles,
    draw_focus_matrix,
    focus_matrix,
    set_finding_title,
    widest_counts,
    year_basis,
)
from helpers.analysis.targets import (
    TARGET_KINDS,
    TIMELINE_COLOURS,
    FigureResult,
    check_targets,
    plot_timeline,
    target_note,
    timeline_rows,
)
from helpers.outputs import show as show  # re-exported: notebooks call sixg.show
from helpers.plots import draw_no_data, new_figure
from helpers.session import Session
from helpers.tables import format_figure, sector_facts

SECTOR = "6g"
BOUND_LABELS: dict[str, str] = {  # a figure's bound in words: the label keys
    "=": "ea_bound_stated",
    ">=": "ea_bound_lower",
    "<=": "ea_bound_upper",
    "~": "ea_bound_round",
}
WIDER_SCOPE_PREFIX = "future_industries"  # indicators named future_industries_* cover every future industry
# kinds counted as evidence of a role: a laboratory result is not a figure of the industry
EVIDENCE_KINDS: tuple[str, ...] = ("actual", *TARGET_KINDS)


# ------------------------------------------------------------------------------------------- who does what
def chosen_matrix(session: Session) -> pd.DataFrame:
    """The 6G city × focus matrix (helpers.analysis.common.focus_matrix) of the chosen cities, keeping only
    the focus tags that at least one of them holds."""
    matrix = focus_matrix(session.dataset, SECTOR, list(session.settings.get("cities") or []))
    held = [tag for tag in matrix.columns if tag != "role" and matrix[tag].any()]
    return matrix[["role", *held]]


def shared_tags(matrix: pd.DataFrame) -> list[str]:
    """Focus tags of a focus matrix that more than one place holds, in column order."""
    return [tag for tag in matrix.columns if tag != "role" and matrix[tag].sum() > 1]


def tag_holders(matrix: pd.DataFrame) -> dict[str, list[str]]:
    """Each focus tag of a focus matrix and the places that hold it, in matrix order."""
    return {tag: [p for p in matrix.index if matrix.loc[p, tag]] for tag in matrix.columns if tag != "role"}


def figure_focus_matrix(session: Session) -> tuple[FigureResult, pd.DataFrame]:
    """The chosen cities' 6G focus areas as a grid coloured by role; the title counts the focus areas two or
    more cities share. The figure cites city roles only (no fact). Returns the matrix too."""
    labels = session.labels
    matrix = chosen_matrix(session)
    if matrix.empty:
        fig, ax = new_figure(8, 3)
        draw_no_data(ax, labels, labels("sixg_fig_matrix_title_empty"))
        return FigureResult(fig, [], False), matrix
    n_tags = matrix.shape[1] - 1
    fig, ax = new_figure(max(7.0, 2.6 + 0.8 * n_tags), 1.9 + 0.5 * len(matrix))
    draw_focus_matrix(ax, matrix, labels)
    ax.set_xlabel(labels("sixg_focus_axis"))
    set_finding_title(fig, labels, labels("sixg_fig_matrix_title", n_cities=len(matrix), n_tags=n_tags,
                                          n_shared=len(shared_tags(matrix))))  # fmt: skip
    return FigureResult(fig, [], True), matrix


# --------------------------------------------------------------------------------------- dates and scopes
def is_wider_than_sector(fact: pd.Series) -> bool:
    """True for a figure that covers more than its sector (an indicator named future_industries_*)."""
    return str(fact["indicator"]).startswith(WIDER_SCOPE_PREFIX)


def over_read_ids(facts: pd.DataFrame) -> list[str]:
    """Figures easy to over-read, in row order: laboratory results and other kinds that are not an actual,
    target or forecast of the industry; figures whose scope is wider than 6G; figures for one district."""
    return [
        row["fact_id"]
        for _, row in facts.iterrows()
        if row["kind"] not in EVIDENCE_KINDS or is_wider_than_sector(row) or (row["district_en"] or "")
    ]


def timeline_notes(session: Session, facts: pd.DataFrame) -> dict[str, list[str]]:
    """Notes for the timeline: "all future industries, not 6G alone" for wider figures, and for money or
    count targets the baseline verdict ("no baseline in the sources" or the growth needed)."""
    labels = session.labels
    notes: dict[str, list[str]] = {}
    for _, fact in facts.iterrows():
        if is_wider_than_sector(fact):
            notes.setdefault(fact["fact_id"], []).append(labels("sixg_scope_wider"))
    for check in check_targets(facts[facts["unit"] != "year"], session.dataset.facts):
        notes.setdefault(check.fact_id, []).append(target_note(check, labels))
    return notes


def figure_timeline(session: Session) -> FigureResult:
    """The dated 6G milestones and targets of the chosen cities and the nation (years printed or worked out
    from the text), from the latest source's date to the horizon year."""
    facts = chosen_facts(session, SECTOR)
    rows = timeline_rows(session, facts, timeline_notes(session, facts))
    cities = set(chosen_roles(session, SECTOR)["place"])
    if rows.empty:
        title = session.labels("sixg_fig_timeline_title_empty")
    else:
        title = session.labels("sixg_fig_timeline_title", first=int(rows["year"].min()), last=int(rows["year"].max()),
                               n_dated=rows.loc[rows["place"].isin(cities), "place"].nunique(), n=len(cities))  # fmt: skip
    every = sector_facts(session.dataset, SECTOR)
    fallback = [f for f, note in zip(every["fact_id"], every["year_note"], strict=True)
                if year_basis(note) in ("explicit", "derived")]  # fmt: skip
    return plot_timeline(session, rows, title, fallback)


def milestones_table(session: Session) -> pd.DataFrame:
    """Every 6G figure of the chosen cities: city, indicator, kind, figure, year, how the year is known, scope
    (6G or wider), fact id. Headers in the label language."""
    labels = session.labels
    rows = []
    for _, fact in chosen_facts(session, SECTOR).iterrows():
        basis = "none" if pd.isna(fact["year"]) else year_basis(fact["year_note"])
        rows.append({
            labels("city"): labels.city(fact["place"]),
            labels("indicator"): labels.fact(fact["fact_id"]),
            labels("kind"): labels.kind(fact["kind"]),
            labels("figure"): format_figure(fact["value"], fact["bound"], fact["unit"], labels, session.currency,
                                            session.cny_per_usd),
            labels("year"): "" if basis in ("none", "not_printed") else str(int(fact["year"])),
            labels("sixg_col_year_basis"): labels(f"sixg_basis_{basis}"),
            labels("sixg_col_scope"): labels("sixg_scope_wider" if is_wider_than_sector(fact) else "sixg_scope_sector"),
            labels("fact_id"): fact["fact_id"],
        })  # fmt: skip
    columns = [
        "city",
        "indicator",
        "kind",
        "figure",
        "year",
        "sixg_col_year_basis",
        "sixg_col_scope",
        "fact_id",
    ]
    return pd.DataFrame(rows, columns=[labels(c) for c in columns])


def scope_lines(session: Session) -> list[str]:
    """For each chosen 6G figure whose scope is wider than 6G: what it covers and how not to read it (its bound
    and kind), in the label language."""
    L = session.labels
    lines = []
    for _, fact in chosen_facts(session, SECTOR).iterrows():
        if is_wider_than_sector(fact):
            figure = format_figure(fact["value"], fact["bound"], fact["unit"], L, session.currency,
                                   session.cny_per_usd)  # fmt: skip
            lines.append(L("ea_sixg_scope_line", fact_id=fact["fact_id"], figure=figure, year=int(fact["year"]),
                           city=L.city(fact["place"]), bound=L(BOUND_LABELS[fact["bound"]]),
                           kind=L.kind(fact["kind"])))  # fmt: skip
    return lines or [L("ea_sixg_scope_none")]


def dated_milestones(facts: pd.DataFrame) -> pd.DataFrame:
    """The dated events of `facts` (unit "year") whose year is printed or worked out from the text."""
    dated = facts[(facts["unit"] == "year") & facts["year"].notna()]
    return dated[[year_basis(n) in ("explicit", "derived") for n in dated["year_note"]]].reset_index(
        drop=True
    )


def milestone_spans(facts: pd.DataFrame) -> list[tuple[str, str, str, int]]:
    """For each place with a dated actual milestone and a later dated target or forecast milestone:
    (place, first actual's fact id, target's fact id, whole years from the one to the other)."""
    dated = dated_milestones(facts)
    spans = []
    for place in dict.fromkeys(dated["place"]):
        rows = dated[dated["place"] == place]
        actuals = rows[rows["kind"] == "actual"].sort_values("year", kind="stable")
        if actuals.empty:
            continue
        first = actuals.iloc[0]
        for _, later in rows[rows["kind"].isin(TARGET_KINDS)].iterrows():
            if later["year"] >= first["year"]:
                spans.append(
                    (place, first["fact_id"], later["fact_id"], int(later["year"]) - int(first["year"]))
                )
    return spans


def span_lines(session: Session) -> list[str]:
    """One line per milestone span of the chosen cities: "Beijing: from <actual> (2024) to <target> (2026): 2
    years", then the years left from the latest source's year to each dated target (label language)."""
    L, facts = session.labels, chosen_facts(session, SECTOR)
    by_id = facts.set_index("fact_id")
    lines = [L("ea_sixg_span_line", city=L.city(place), first=L.fact(a), first_year=int(by_id.loc[a, "year"]),
               later=L.fact(t), later_year=int(by_id.loc[t, "year"]), years=years)
             for place, a, t, years in milestone_spans(facts)]  # fmt: skip
    if not lines:
        lines = [L("ea_sixg_span_none")]
    for fact_id, years in years_to_targets(session).items():
        row = by_id.loc[fact_id]
        key = "ea_sixg_years_left" if years >= 0 else "ea_sixg_years_due"
        lines.append(L(key, city=L.city(row["place"]), label=L.fact(fact_id), year=int(row["year"]),
                       years=abs(years), as_of=session.as_of_year))  # fmt: skip
    return lines


def years_to_targets(session: Session) -> dict[str, int]:
    """Years from the latest source's year to each dated 6G target of the chosen cities: fact id -> years."""
    facts = chosen_facts(session, SECTOR)
    targets = facts[(facts["kind"] == "target") & facts["year"].notna()]
    return {row["fact_id"]: int(row["year"]) - session.as_of_year for _, row in targets.iterrows()}


# ------------------------------------------------------------------------------------------ numbers
def numbers(session: Session, planned: bool = False) -> pd.DataFrame:
    """The chosen cities' (and the nation's and the world's) 6G figures that are numbers, not dates: the
    actuals and test results, or the targets and forecasts when `planned` (never on one panel together)."""
    facts = chosen_facts(session, SECTOR)
    wanted = facts["kind"].isin(TARGET_KINDS) == planned
    return facts[(facts["unit"] != "year") & wanted].reset_index(drop=True)


def numbers_title(session: Session, frame: pd.DataFrame, planned: bool = False) -> str:
    """The title of the panels of 6G numbers, printed from them: how many, of how many indicators, and the
    indicator stated for the most places."""
    labels = session.labels
    counts = widest_counts(frame)
    if counts is None:
        return labels("sixg_fig_numbers_title_empty")
    return labels("sixg_fig_numbers_title", n=counts["n"], what=labels(f"sixg_what_{'planned' if planned else 'actual'}"),
                  n_indicators=counts["n_indicators"], indicator=labels.fact(counts["widest_fact"]),
                  n_places=counts["n_places"])  # fmt: skip


# ------------------------------------------------------------------------------------------ evidence
def evidence_counts(facts: pd.DataFrame, roles: pd.DataFrame) -> pd.DataFrame:
    """Number of figures per place with a role and per kind (actual, target, forecast; laboratory results
    and other kinds are left out): one row per place of `roles` (its order), zeros where it has none."""
    places = list(dict.fromkeys(roles["place"]))
    counts = facts.groupby(["place", "kind"]).size().unstack(fill_value=0)
    counts = counts.reindex(index=places, columns=list(EVIDENCE_KINDS), fill_value=0)
    counts.index.name = "place"
    return counts.astype(int)


def figure_evidence(session: Session) -> tuple[FigureResult, pd.DataFrame]:
    """How many figures back each chosen city's 6G role, stacked by kind; cities described in words only are
    marked as such. Cites the figures counted (the roles are cited by the notebook). Returns the counts too."""
    labels = session.labels
    facts = chosen_facts(session, SECTOR)
    counts = evidence_counts(facts, chosen_roles(session, SECTOR))
    if counts.empty:
        fig, ax = new_figure(8, 3)
        draw_no_data(ax, labels, labels("sixg_fig_evidence_title_empty"))
        return FigureResult(fig, [], False), counts
    fig, ax = new_figure(8, 1.6 + 0.55 * len(counts))
    positions = list(range(len(counts)))[::-1]
    left = [0] * len(counts)
    for kind in [k for k in counts.columns if counts[k].sum() > 0]:
        ax.barh(positions, counts[kind], left=left, color=TIMELINE_COLOURS[kind], height=0.55,
                label=labels.kind(kind))  # fmt: skip
        left = [a + b for a, b in zip(left, counts[kind], strict=True)]
    for y, total in zip(positions, left, strict=True):
        if total == 0:
            ax.annotate(labels("sixg_words_only"), xy=(0, y), xytext=(4, 0), textcoords="offset points",
                        va="center", fontsize=9, color="#555555")  # fmt: skip
    ax.set_yticks(positions, [labels.city(p) for p in counts.index])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(0, max(max(left), 1) * 1.25 + 1)
    ax.set_ylim(-0.7, len(counts) - 0.3)
    ax.set_xlabel(labels("sixg_facts_axis"))
    n_with = sum(total > 0 for total in left)
    ax.set_title(labels("sixg_fig_evidence_title", n_with=n_with, n=len(counts)))
    if n_with:
        ax.legend(loc="lower right", fontsize=8)
    counted = facts[facts["place"].isin(counts.index) & facts["kind"].isin(EVIDENCE_KINDS)]
    return FigureResult(fig, list(counted["fact_id"]), True), counts

"""6G analysis for notebook 06: who does what (a city × focus matrix from data/city_roles.csv), the dated
milestones and targets, figures whose scope is wider than 6G, and how much of each city's role rests on numbers.

Timeline, target and citation helpers come from helpers.analysis.embodied_ai (sector-neutral).
"""

from __future__ import annotations

import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.ticker import MaxNLocator

from helpers.analysis.common import chosen_facts, chosen_roles, year_basis
from helpers.analysis.targets import (
    TIMELINE_COLOURS,
    FigureResult,
    check_targets,
    plot_timeline,
    target_note,
    timeline_rows,
)
from helpers.plots import ROLE_COLOURS, draw_no_data, new_figure
from helpers.session import Session
from helpers.tables import format_figure, sector_facts

SECTOR = "6g"
BOUND_PROSE: dict[str, str] = {
    "=": "stated value",
    ">=": "lower bound",
    "<=": "upper bound",
    "~": "round figure",
}
WIDER_SCOPE_PREFIX = "future_industries"  # indicators named future_industries_* cover every future industry


# ------------------------------------------------------------------------------------------- who does what
def focus_matrix(roles: pd.DataFrame) -> pd.DataFrame:
    """A place × focus-tag table of booleans from rows of data/city_roles.csv (tags split on ";"), places in
    file order and tags in order of first appearance."""
    tags_by_place = {row["place"]: row["focus_tags"].split(";") for _, row in roles.iterrows()}
    tags = list(dict.fromkeys(tag for tags in tags_by_place.values() for tag in tags))
    matrix = pd.DataFrame(
        [[tag in place_tags for tag in tags] for place_tags in tags_by_place.values()],
        index=pd.Index(list(tags_by_place), name="place"),
        columns=pd.Index(tags, name="focus_tag"),
        dtype=bool,
    )
    return matrix


def shared_tags(matrix: pd.DataFrame) -> list[str]:
    """Focus tags that more than one place holds."""
    return [tag for tag in matrix.columns if matrix[tag].sum() > 1]


def focus_matrix_table(session: Session, matrix: pd.DataFrame) -> pd.DataFrame:
    """`matrix` for display: one row per city (name and role), one column per focus tag, "●" where it holds."""
    labels = session.labels
    roles = chosen_roles(session, SECTOR).set_index("place")
    rows = []
    for place, flags in matrix.iterrows():
        row = {labels("city"): labels.city(place), labels("role"): labels.role(roles.loc[place, "role"])}
        row |= {labels(f"focus_{tag}"): "●" if flags[tag] else "" for tag in matrix.columns}
        rows.append(row)
    return pd.DataFrame(
        rows, columns=[labels("city"), labels("role")] + [labels(f"focus_{t}") for t in matrix.columns]
    )


def figure_focus_matrix(session: Session) -> tuple[FigureResult, pd.DataFrame]:
    """A city × focus heat map of the chosen cities' 6G roles; the title counts the focus areas two or more
    cities share. Returns the matrix too."""
    labels = session.labels
    roles = chosen_roles(session, SECTOR)
    matrix = focus_matrix(roles)
    cite = _cite_ids(session)
    if matrix.empty:
        fig, ax = new_figure(8, 3)
        draw_no_data(ax, labels, labels("sixg_fig_matrix_title_empty"))
        return FigureResult(fig, cite, False), matrix
    fig, ax = new_figure(1.9 + 0.95 * matrix.shape[1], 1.9 + 0.55 * matrix.shape[0])
    colour = ROLE_COLOURS[roles["role"].iloc[0]] if roles["role"].nunique() == 1 else ROLE_COLOURS["leader"]
    ax.imshow(
        matrix.to_numpy(dtype=float), cmap=ListedColormap(["#f4f6f7", colour]), vmin=0, vmax=1, aspect="auto"
    )
    ax.set_xticks(
        range(matrix.shape[1]), [labels(f"focus_{t}") for t in matrix.columns], rotation=35, ha="right"
    )
    ax.set_yticks(range(matrix.shape[0]), [labels.city(p) for p in matrix.index])
    ax.set_xticks([x - 0.5 for x in range(1, matrix.shape[1])], minor=True)
    ax.set_yticks([y - 0.5 for y in range(1, matrix.shape[0])], minor=True)
    ax.grid(False)
    ax.grid(which="minor", color="white", linewidth=2)
    ax.tick_params(which="minor", length=0)
    ax.set_xlabel(labels("sixg_focus_axis"))
    ax.set_title(labels("sixg_fig_matrix_title", n_cities=matrix.shape[0], n_tags=matrix.shape[1],
                        n_shared=len(shared_tags(matrix))))  # fmt: skip
    return FigureResult(fig, cite, True), matrix


# --------------------------------------------------------------------------------------- dates and scopes
def is_wider_than_sector(fact: pd.Series) -> bool:
    """True for a figure that covers more than its sector (an indicator named future_industries_*)."""
    return str(fact["indicator"]).startswith(WIDER_SCOPE_PREFIX)


def years_between(facts: pd.DataFrame, from_id: str, to_id: str) -> int:
    """Whole years from the year of fact `from_id` to the year of fact `to_id`."""
    years = facts.set_index("fact_id")["year"]
    return int(years.loc[to_id]) - int(years.loc[from_id])


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
    """The dated 6G milestones and targets of the chosen cities (years printed or worked out from the text),
    from the article's date to the horizon year."""
    facts = chosen_facts(session, SECTOR)
    rows = timeline_rows(session, facts, timeline_notes(session, facts))
    if rows.empty:
        title = session.labels("sixg_fig_timeline_title_empty")
    else:
        title = session.labels("sixg_fig_timeline_title", first=int(rows["year"].min()), last=int(rows["year"].max()),
                               n_dated=rows["place"].isin(set(chosen_roles(session, SECTOR)["place"])).pipe(
                                   lambda named: rows.loc[named, "place"].nunique()),
                               n=len(chosen_roles(session, SECTOR)))  # fmt: skip
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
    """For each chosen 6G figure whose scope is wider than 6G: what it covers and how not to read it."""
    names = session.dataset.cities.set_index("place_id")["name_en"]
    lines = []
    for _, fact in chosen_facts(session, SECTOR).iterrows():
        if is_wider_than_sector(fact):
            figure = format_figure(fact["value"], fact["bound"], fact["unit"], session.labels, session.currency,
                                   session.cny_per_usd)  # fmt: skip
            lines.append(f"- {fact['fact_id']}: {figure} by {int(fact['year'])} covers ALL of {names[fact['place']]}'s "
                         f"future industries, not 6G alone: it is not the size of {names[fact['place']]}'s 6G "
                         f"industry; and it is a {BOUND_PROSE[fact['bound']]} of a target at that.")  # fmt: skip
    return lines or ["No chosen 6G figure has a scope wider than 6G."]


def years_to_targets(session: Session) -> dict[str, int]:
    """Years from the article's year to each dated 6G target of the chosen cities: fact id -> years."""
    facts = chosen_facts(session, SECTOR)
    targets = facts[(facts["kind"] == "target") & facts["year"].notna()]
    return {row["fact_id"]: int(row["year"]) - session.as_of_year for _, row in targets.iterrows()}


# ------------------------------------------------------------------------------------------ evidence
def evidence_counts(facts: pd.DataFrame, roles: pd.DataFrame) -> pd.DataFrame:
    """Number of figures per place and kind: one row per place with a role (file order), columns actual,
    target, forecast; places with a role but no figure get zeros."""
    places = list(dict.fromkeys(list(roles["place"]) + list(facts["place"])))
    counts = facts.groupby(["place", "kind"]).size().unstack(fill_value=0)
    counts = counts.reindex(index=places, columns=["actual", "target", "forecast"], fill_value=0)
    counts.index.name = "place"
    return counts.astype(int)


def figure_evidence(session: Session) -> tuple[FigureResult, pd.DataFrame]:
    """How many figures back each chosen city's 6G role, stacked by kind; cities described in words only are
    marked as such. Returns the counts too."""
    labels = session.labels
    counts = evidence_counts(chosen_facts(session, SECTOR), chosen_roles(session, SECTOR))
    cite = _cite_ids(session)
    if counts.empty:
        fig, ax = new_figure(8, 3)
        draw_no_data(ax, labels, labels("sixg_fig_evidence_title_empty"))
        return FigureResult(fig, cite, False), counts
    fig, ax = new_figure(8, 1.6 + 0.55 * len(counts))
    positions = list(range(len(counts)))[::-1]
    left = [0] * len(counts)
    for kind in [k for k in counts.columns if counts[k].sum() > 0]:
        ax.barh(
            positions,
            counts[kind],
            left=left,
            color=TIMELINE_COLOURS[kind],
            height=0.55,
            label=labels.kind(kind),
        )
        left = [a + b for a, b in zip(left, counts[kind], strict=True)]
    for y, total in zip(positions, left, strict=True):
        if total == 0:
            ax.annotate(labels("sixg_words_only"), xy=(0, y), xytext=(4, 0), textcoords="offset points",
                        va="center", fontsize=9, color="#555555")  # fmt: skip
    ax.set_yticks(positions, [labels.city(p) for p in counts.index])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(0, max(max(left), 1) + 1)
    ax.set_ylim(-0.7, len(counts) - 0.3)
    ax.set_xlabel(labels("sixg_facts_axis"))
    n_with = sum(total > 0 for total in left)
    ax.set_title(labels("sixg_fig_evidence_title", n_with=n_with, n=len(counts)))
    if n_with:
        ax.legend(loc="lower right", fontsize=8)
    return FigureResult(fig, cite, True), counts


def _cite_ids(session: Session) -> list[str]:
    """Fact ids to cite for a figure built from the chosen cities' roles. The sink cites facts, not rows of
    city_roles.csv, so: the 6G facts located in the paragraphs the roles come from (every 6G fact when the
    chosen cities have no role)."""
    every = sector_facts(session.dataset, SECTOR)
    paragraphs = set(chosen_roles(session, SECTOR)["locator"])
    cited = list(every[every["locator"].isin(paragraphs)]["fact_id"])
    return cited or list(every["fact_id"])

"""Embodied-AI analysis for notebook 05: what a share of a national total can and cannot size, the value per
machine that a same-year pair of targets implies, and the titles that print what the sector's figures show.

Everything shared (targets and baselines, timelines, panels of observations, derived ratios, citations) comes
from helpers.analysis.common, .targets and .figures. Observations are chosen by meaning (helpers.selection),
never by id, so a new source's figures flow in. Functions take the notebook's Session first and respect its
`cities` parameter.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from matplotlib.lines import Line2D

from helpers.analysis.common import (
    chosen_facts,
    figure_text,
    in_currency,
    join_names,
    widest_counts,
    year_basis,
)
from helpers.analysis.figures import derived_rows
from helpers.analysis.targets import TARGET_KINDS, FigureResult
from helpers.indicators import Bounded, bounded_ratio
from helpers.outputs import show as show  # re-exported: notebooks call eai.show
from helpers.plots import KIND_MARKERS, MEASURE_COLOURS, draw_no_data, new_figure, plot_bounded_points
from helpers.selection import pick
from helpers.session import Session
from helpers.tables import format_figure

SECTOR = "embodied_ai"
# What a share indicator is a share of, in the sources' words: 產業規模佔全國 = a share of national industry scale.
SHARE_OF_MEASURE: dict[str, str] = {"national_industry_share": "industry_scale"}
# The derivation of data/derivations.csv that divides a core-industry scale target by a same-year unit target.
VALUE_PER_MACHINE = "value_per_machine"
MONEY_UNITS: tuple[str, ...] = ("CNY", "USD")


# ------------------------------------------------------------------------------------ what the figures are
def kind_counts(facts: pd.DataFrame) -> dict[str, int]:
    """Observations per kind: actual, target and forecast first (zeros kept), then any other kind found."""
    counts = {kind: int((facts["kind"] == kind).sum()) for kind in ("actual", *TARGET_KINDS)}
    for kind in dict.fromkeys(facts["kind"]):
        counts.setdefault(kind, int((facts["kind"] == kind).sum()))
    return counts


def numbers(facts: pd.DataFrame) -> pd.DataFrame:
    """The observations of `facts` that are numbers, not dated events (unit "year"), row order kept."""
    return facts[facts["unit"] != "year"].reset_index(drop=True)


def money_observations(facts: pd.DataFrame) -> pd.DataFrame:
    """The observations of `facts` given in money (yuan or dollars), row order kept."""
    return facts[facts["unit"].isin(MONEY_UNITS)].reset_index(drop=True)


def actuals_title(session: Session, actuals: pd.DataFrame) -> str:
    """The title of the panels of actual figures, printed from them: how many, in how many indicators, and
    which indicator covers the most places."""
    labels = session.labels
    counts = widest_counts(actuals)
    if counts is None:
        return labels("eai_fig_actuals_title_empty")
    return labels("eai_fig_actuals_title", n=counts["n"], n_indicators=counts["n_indicators"],
                  indicator=labels.fact(counts["widest_fact"]), n_places=counts["n_places"])  # fmt: skip


def money_title(session: Session, money: pd.DataFrame, planned: bool = False) -> str:
    """The title of the panels of money figures (actuals, or targets and forecasts when `planned`): how many,
    of how many indicators and measures."""
    labels = session.labels
    if money.empty:
        return labels("eai_fig_money_title_empty")
    return labels("eai_fig_money_panels_title", n=len(money), what=labels(f"eai_what_{'planned' if planned else 'actual'}"),
                  n_indicators=money["indicator"].nunique(), n_measures=money["measure"].nunique())  # fmt: skip


def unprinted_year_ids(facts: pd.DataFrame) -> list[str]:
    """Fact ids of the observations whose year is not printed (dated only by their source's date)."""
    return [row["fact_id"] for _, row in facts.iterrows()
            if not pd.isna(row["year"]) and year_basis(row["year_note"]) == "not_printed"]  # fmt: skip


# ---------------------------------------------------------------------------- sizing a nation from a share
@dataclass(frozen=True)
class SizingCandidate:
    """A money figure of the share's sector, tested as the numerator of national size = figure ÷ share."""

    fact_id: str
    place: str
    measure: str
    kind: str
    is_same_place: bool
    is_same_measure: bool
    is_actual: bool
    naive_total: Bounded  # figure ÷ share: what reading this figure as the share's numerator would give

    @property
    def is_usable(self) -> bool:
        return self.is_same_place and self.is_same_measure and self.is_actual


@dataclass(frozen=True)
class NationalSizing:
    """A place's share of a national total, and whether any figure in the sources turns it into a total."""

    share_id: str  # the chosen fact of the share's observation
    place: str
    share: float
    share_bound: str
    of_measure: str
    candidates: tuple[SizingCandidate, ...]

    @property
    def usable(self) -> tuple[SizingCandidate, ...]:
        return tuple(c for c in self.candidates if c.is_usable)

    @property
    def total(self) -> Bounded | None:
        """National size, when a usable figure exists (the first one); None when the sources give none."""
        return self.usable[0].naive_total if self.usable else None


def share_rows(facts: pd.DataFrame) -> pd.DataFrame:
    """The observations of `facts` that are a share of a national total SHARE_OF_MEASURE can name."""
    return facts[facts["indicator"].isin(list(SHARE_OF_MEASURE)) & (facts["unit"] == "fraction")].reset_index(
        drop=True
    )


def size_nation_from_share(facts: pd.DataFrame, share: pd.Series) -> NationalSizing:
    """Test every yuan figure of `facts` in the share's sector as the numerator of national size = figure ÷ share.

    Only an actual of the same place and the same measure as the share is usable (a city's share of national
    industry scale needs the city's own industry scale). Every candidate still carries the naive quotient, so a
    notebook can show what the tempting shortcut would give and why it is wrong.

    Raises:
        ValueError: the row is not a share, or SHARE_OF_MEASURE does not say what it is a share of.
    """
    if share["unit"] != "fraction" or share["indicator"] not in SHARE_OF_MEASURE:
        raise ValueError(f"{share['fact_id']}: expected a share listed in SHARE_OF_MEASURE; got indicator "
                         f"{share['indicator']!r} in unit {share['unit']!r}")  # fmt: skip
    of_measure = SHARE_OF_MEASURE[share["indicator"]]
    money = pick(facts, sector=share["sector"], unit="CNY")
    candidates = tuple(
        SizingCandidate(
            fact_id=row["fact_id"],
            place=row["place"],
            measure=row["measure"],
            kind=row["kind"],
            is_same_place=row["place"] == share["place"],
            is_same_measure=row["measure"] == of_measure,
            is_actual=row["kind"] == "actual",
            naive_total=bounded_ratio(row["value"], row["bound"], share["value"], share["bound"]),
        )
        for _, row in money.iterrows()
    )
    return NationalSizing(
        share["fact_id"], share["place"], float(share["value"]), share["bound"], of_measure, candidates
    )


def chosen_sizings(session: Session) -> list[NationalSizing]:
    """`size_nation_from_share` for every share of a national total among the chosen cities' observations."""
    facts = chosen_facts(session, SECTOR)
    return [size_nation_from_share(facts, share) for _, share in share_rows(facts).iterrows()]


def sizing_table(session: Session, sizings: list[NationalSizing]) -> pd.DataFrame:
    """The candidates of every sizing as one table: whose share, city, indicator, measure, kind, figure, the
    three tests, verdict and fact id (no rows when the chosen cities hold no share)."""
    labels, facts = session.labels, session.dataset.facts.set_index("fact_id")
    yes, no = labels("eai_yes"), labels("eai_no")
    rows = []
    for sizing in sizings:
        share = facts.loc[sizing.share_id]
        whose = f"{labels.city(sizing.place)} {figure_text(session, share)}"
        for c in sizing.candidates:
            rows.append({
                labels("eai_col_share"): whose,
                labels("city"): labels.city(c.place),
                labels("indicator"): labels.fact(c.fact_id),
                labels("measure"): labels.measure(c.measure),
                labels("kind"): labels.kind(c.kind),
                labels("figure"): figure_text(session, facts.loc[c.fact_id]),
                labels("eai_col_same_place"): yes if c.is_same_place else no,
                labels("eai_col_same_measure"): yes if c.is_same_measure else no,
                labels("eai_col_is_actual"): yes if c.is_actual else no,
                labels("eai_col_usable"): yes if c.is_usable else no,
                labels("fact_id"): c.fact_id,
            })  # fmt: skip
    columns = ["eai_col_share", "city", "indicator", "measure", "kind", "figure", "eai_col_same_place",
               "eai_col_same_measure", "eai_col_is_actual", "eai_col_usable", "fact_id"]  # fmt: skip
    return pd.DataFrame(rows, columns=[labels(c) for c in columns])


def sizing_ids(sizings: list[NationalSizing]) -> list[str]:
    """The fact ids a sizing rests on: each share, then its candidates."""
    return list(dict.fromkeys(f for s in sizings for f in (s.share_id, *(c.fact_id for c in s.candidates))))


def explain_sizings(session: Session, sizings: list[NationalSizing]) -> list[str]:
    """The reasoning behind every sizing, step by step, as lines of prose in the label language with the figures
    filled in."""
    if not sizings:
        return [session.labels("ea_eai_sizing_none")]
    lines = []
    for sizing in sizings:
        lines += explain_sizing(session, sizing) + [""]
    return lines[:-1]


def candidate_verdict(session: Session, sizing: NationalSizing, c: SizingCandidate, year: float) -> str:
    """Why a candidate (of the year `year`, NaN for none) can or cannot be the share's numerator ("usable", or
    "not usable: " and each reason), in the label language."""
    L = session.labels
    if c.is_usable:
        return L("ea_eai_usable")
    city, of_measure = L.city(sizing.place), L.measure(sizing.of_measure)
    why = []
    if not c.is_same_place:
        why.append(L("ea_eai_why_place", place=L.city(c.place), city=city))
    if not c.is_same_measure:
        why.append(L("ea_eai_why_measure", measure=L.measure(c.measure), of_measure=of_measure))
    if not c.is_actual:
        kind = L.kind(c.kind)
        why.append(L("ea_eai_why_kind_no_year", kind=kind) if pd.isna(year)
                   else L("ea_eai_why_kind", kind=kind, year=int(year)))  # fmt: skip
    return L("ea_eai_not_usable", why=L("ea_list_sep").join(why))


def explain_sizing(session: Session, sizing: NationalSizing) -> list[str]:
    """The reasoning behind one sizing: the share, what would size the nation, each candidate's verdict, and
    the tempting shortcut that another place's or another measure's actual would give."""
    L, facts = session.labels, session.dataset.facts.set_index("fact_id")
    share = facts.loc[sizing.share_id]
    city, of_measure = L.city(sizing.place), L.measure(sizing.of_measure)
    share_text = figure_text(session, share)
    lines = [
        L("ea_eai_sizing_share", city=city, share=share_text, measure=of_measure, share_id=sizing.share_id),
        L("ea_eai_sizing_needs", city=city, share=share_text, measure=of_measure),
        L("ea_eai_sizing_tested", n=len(sizing.candidates)),
    ]
    for c in sizing.candidates:
        row = facts.loc[c.fact_id]
        lines.append(L("ea_eai_sizing_candidate", fact_id=c.fact_id, place=L.city(c.place),
                       measure=L.measure(c.measure), kind=L.kind(c.kind), figure=figure_text(session, row),
                       verdict=candidate_verdict(session, sizing, c, row["year"])))  # fmt: skip

    def money(number: Bounded) -> str:
        return format_figure(number.value, number.bound, "CNY", L, session.currency, session.cny_per_usd)

    if sizing.total is not None:
        lines.append(L("ea_eai_sizing_total", measure=of_measure, total=money(sizing.total),
                       fact_id=sizing.usable[0].fact_id))  # fmt: skip
        return lines
    lines.append(L("ea_eai_sizing_no_total", city=city, measure=of_measure))
    shortcuts = [c for c in sizing.candidates if c.is_actual]
    for c in shortcuts[:1]:
        row = facts.loc[c.fact_id]
        lines.append(L("ea_eai_sizing_shortcut", figure=figure_text(session, row), share=share_text,
                       multiplier=f"{1 / sizing.share:.3g}", naive=money(c.naive_total), place=L.city(c.place),
                       measure=L.measure(c.measure), fact_id=c.fact_id, city=city, of_measure=of_measure,
                       year_basis=L(f"cl_basis_prose_{year_basis(row['year_note'])}"),
                       share_year_basis=L(f"cl_basis_prose_{year_basis(share['year_note'])}")))  # fmt: skip
    if len(shortcuts) > 1:
        lines.append(L("ea_eai_sizing_same_holds", n=len(shortcuts) - 1))
    return lines


# ------------------------------------------------------------------------------------------ value per unit
def machine_bound(ratio_bound: str) -> str:
    """The bound of "value of one complete machine" read from a scale ÷ units quotient with bound `ratio_bound`.

    The scale also counts components and other products, so a machine's value is at most the quotient: an
    exact or upper-bound quotient gives an upper bound; a lower-bound or approximate one leaves no direction."""
    return "<=" if ratio_bound in ("=", "<=") else "~"


def unit_values(session: Session) -> pd.DataFrame:
    """The VALUE_PER_MACHINE rows of data/derivations.csv that the chosen cities' observations support, each
    with `machine_bound`, its bound as a value per complete machine (helpers.selection.derived columns)."""
    rows = pick(derived_rows(session, SECTOR), derivation_id=VALUE_PER_MACHINE)
    return rows.assign(machine_bound=[machine_bound(b) for b in rows["bound"]])


def explain_unit_values(session: Session, pairs: pd.DataFrame) -> list[str]:
    """The division behind each value per machine, in the session's currency and the label language, and how
    to read its bound (`machine_bound`: at most, or about with no direction)."""
    L = session.labels
    if pairs.empty:
        return [L("ea_eai_unit_none")]
    facts = session.dataset.facts.set_index("fact_id")
    lines = []
    for _, p in pairs.iterrows():
        scale, units = facts.loc[p["numerator_fact"]], facts.loc[p["denominator_fact"]]
        value = session.money(p["value"])
        read = "ea_eai_unit_read_at_most" if p["machine_bound"] == "<=" else "ea_eai_unit_read_about"
        division = L("ea_eai_unit_division", city=L.city(p["place"]), year=int(p["year"]),
                     scale_label=L.fact(p["numerator_fact"]).lower(), scale=figure_text(session, scale),
                     scale_id=p["numerator_fact"], units_label=L.fact(p["denominator_fact"]).lower(),
                     units=figure_text(session, units), units_id=p["denominator_fact"], value=value)  # fmt: skip
        lines += [division, L(read, value=value, bound=p["machine_bound"])]
    return lines


def figure_value_per_unit(session: Session) -> tuple[FigureResult, pd.DataFrame]:
    """The value per complete machine implied by each same-year scale and unit target pair of the chosen
    cities, drawn as an upper bound (open marker, arrow left) with the division written above it."""
    labels = session.labels
    pairs = unit_values(session)
    if pairs.empty:
        fig, ax = new_figure(8, 2.8)
        draw_no_data(ax, labels, labels("eai_fig_unit_title_empty"))
        return FigureResult(fig, [], False), pairs
    facts = session.dataset.facts.set_index("fact_id")
    fig, ax = new_figure(9, 1.9 + 0.7 * len(pairs))
    names = [
        labels("eai_unit_row", city=labels.city(p["place"]), year=int(p["year"])) for _, p in pairs.iterrows()
    ]
    values = [in_currency(session, v) for v in pairs["value"]]
    colour = MEASURE_COLOURS["industry_scale"]
    plot_bounded_points(
        ax, names, values, list(pairs["machine_bound"]), colour=colour, marker=KIND_MARKERS["target"]
    )
    for y, (_, p), value in zip(range(len(pairs) - 1, -1, -1), pairs.iterrows(), values, strict=True):
        note = labels("eai_unit_note", scale=figure_text(session, facts.loc[p["numerator_fact"]]),
                      units=figure_text(session, facts.loc[p["denominator_fact"]]), value=session.money(p["value"]))  # fmt: skip
        ax.annotate(note, xy=(value, y), xytext=(0, 12), textcoords="offset points", ha="right", fontsize=8)
    ax.set_xlim(0, max(values) * 1.25)
    ax.set_ylim(-0.8, len(pairs) - 0.2)
    ax.set_xlabel(labels("eai_unit_axis", currency=labels(f"currency_{session.currency}")))
    ax.set_title(unit_title(session, pairs))
    legend_keys = {"<=": "eai_legend_at_most", "~": "legend_approx"}
    handles = [Line2D([], [], marker=KIND_MARKERS["target"], color=colour, linestyle="none", markersize=8,
                      markerfacecolor="white", label=labels(legend_keys[b]))
               for b in dict.fromkeys(pairs["machine_bound"])]  # fmt: skip
    ax.legend(handles=handles, loc="lower left", fontsize=8)
    ax.ticklabel_format(axis="x", style="plain")
    ax.xaxis.set_major_formatter(lambda x, _: f"{x:,.0f}")
    ids = list(dict.fromkeys([*pairs["numerator_fact"], *pairs["denominator_fact"]]))
    return FigureResult(fig, ids, True), pairs


def unit_title(session: Session, pairs: pd.DataFrame) -> str:
    """ "Hangzhou's 2029 targets imply at most CNY 1 m ..." for one pair; the cities and the range for more."""
    labels = session.labels
    if len(pairs) == 1:
        first = pairs.iloc[0]
        return labels("eai_fig_unit_title", city=labels.city(first["place"]), year=int(first["year"]),
                      value=session.money(first["value"]))  # fmt: skip
    cities = join_names([labels.city(p) for p in dict.fromkeys(pairs["place"])], labels.lang)
    return labels("eai_fig_unit_title_many", cities=cities, low=session.money(pairs["value"].min()),
                  high=session.money(pairs["value"].max()))  # fmt: skip

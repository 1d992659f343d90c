"""Embodied-AI analysis for notebook 05: targets checked for a same-measure baseline, what a national share can
and cannot size, the value per machine behind a unit and a scale target, and the notebook's figures.

The target, timeline and citation helpers here are sector-neutral; notebook 06 (6G, helpers.analysis.sixg)
reuses them. Functions take the notebook's Session first and respect its `cities` parameter.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from matplotlib.lines import Line2D

from helpers.analysis.common import BASIS_PROSE, chosen_facts, figure_text, in_currency, year_basis
from helpers.analysis.targets import FigureResult
from helpers.indicators import (
    Bounded,
    bounded_ratio,
)
from helpers.outputs import show as show  # re-exported: notebooks call eai.show
from helpers.plots import (
    KIND_MARKERS,
    MEASURE_COLOURS,
    draw_no_data,
    new_figure,
    plot_bounded_points,
)
from helpers.session import Session
from helpers.tables import format_figure, sector_facts

SECTOR = "embodied_ai"
# What a share indicator is a share of, in the article's words: 產業規模佔全國 = a share of national industry scale.
SHARE_OF_MEASURE: dict[str, str] = {"national_industry_share": "industry_scale"}


# --------------------------------------------------------------------------------------------------- selection


# ----------------------------------------------------------------------------------- targets and baselines


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

    share_id: str
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


def size_nation_from_share(facts: pd.DataFrame, share_id: str) -> NationalSizing:
    """Test every money figure of the share's sector as the numerator of national size = figure ÷ share.

    Only an actual of the same place and the same measure as the share is usable (Shanghai's share of
    national industry scale needs Shanghai's own industry scale). Every candidate still carries the naive
    quotient, so a notebook can show what the tempting shortcut would give and why it is wrong.

    Raises:
        KeyError: no fact `share_id`.
        ValueError: the fact is not a share, or SHARE_OF_MEASURE does not say what it is a share of.
    """
    rows = facts[facts["fact_id"] == share_id]
    if rows.empty:
        raise KeyError(f"no fact {share_id!r} in data/facts.csv")
    share = rows.iloc[0]
    if share["unit"] != "fraction" or share["indicator"] not in SHARE_OF_MEASURE:
        raise ValueError(f"{share_id}: expected a share listed in SHARE_OF_MEASURE; got indicator "
                         f"{share['indicator']!r} in unit {share['unit']!r}")  # fmt: skip
    of_measure = SHARE_OF_MEASURE[share["indicator"]]
    money = facts[(facts["sector"] == share["sector"]) & (facts["unit"] == "CNY")]
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
        share_id, share["place"], float(share["value"]), share["bound"], of_measure, candidates
    )


def sizing_table(session: Session, sizing: NationalSizing | None) -> pd.DataFrame:
    """The candidates of `sizing` as a table: city, indicator, measure, kind, figure, the three tests, verdict
    (no rows when `sizing` is None, i.e. the share's place is not among the chosen cities)."""
    labels, facts = session.labels, session.dataset.facts.set_index("fact_id")
    yes, no = labels("eai_yes"), labels("eai_no")
    rows = []
    for c in sizing.candidates if sizing else ():
        rows.append({
            labels("city"): labels.city(c.place),
            labels("indicator"): labels.fact(c.fact_id),
            labels("measure"): labels.measure(c.measure),
            labels("kind"): labels.kind(c.kind),
            labels("figure"): figure_text(session, facts.loc[c.fact_id]),
            labels("eai_col_same_place", city=labels.city(sizing.place)): yes if c.is_same_place else no,
            labels("eai_col_same_measure", measure=labels.measure(sizing.of_measure)): yes if c.is_same_measure else no,
            labels("eai_col_is_actual"): yes if c.is_actual else no,
            labels("eai_col_usable"): yes if c.is_usable else no,
            labels("fact_id"): c.fact_id,
        })  # fmt: skip
    place = labels.city(sizing.place) if sizing else "—"
    measure = labels.measure(sizing.of_measure) if sizing else "—"
    columns = [labels("city"), labels("indicator"), labels("measure"), labels("kind"), labels("figure"),
               labels("eai_col_same_place", city=place), labels("eai_col_same_measure", measure=measure),
               labels("eai_col_is_actual"), labels("eai_col_usable"), labels("fact_id")]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def explain_sizing(session: Session, sizing: NationalSizing | None) -> list[str]:
    """The reasoning behind `sizing`, step by step, as lines of English prose with the figures filled in."""
    if sizing is None:
        return [
            "The share's place is not among the chosen cities: add it to `cities` to follow this reasoning."
        ]
    facts = session.dataset.facts.set_index("fact_id")
    share = facts.loc[sizing.share_id]
    city = session.dataset.cities.set_index("place_id").loc[sizing.place, "name_en"]
    of_measure = sizing.of_measure.replace("_", " ")
    share_text = figure_text(session, share)
    lines = [
        f"1. {city} holds {share_text} of the national {of_measure} ({sizing.share_id}).",
        f"2. National {of_measure} = {city}'s own {of_measure} ÷ {share_text}: it needs {city}'s own figure, "
        f"an actual in the same measure.",
        f"3. Money figures of the sector tested as that numerator ({len(sizing.candidates)}):",
    ]
    for c in sizing.candidates:
        row = facts.loc[c.fact_id]
        place = session.dataset.cities.set_index("place_id").loc[c.place, "name_en"]
        why = []
        if not c.is_same_place:
            why.append(f"another place ({place}, not {city})")
        if not c.is_same_measure:
            why.append(f"another measure ({c.measure.replace('_', ' ')}, not {of_measure})")
        if not c.is_actual:
            why.append(f"a {c.kind} for {int(row['year'])}, not an actual")
        verdict = "usable" if c.is_usable else "not usable: " + "; ".join(why)
        lines.append(f"   - {c.fact_id}: {place}, {c.measure.replace('_', ' ')}, {c.kind}, {figure_text(session, row)}"
                     f" -> {verdict}")  # fmt: skip
    if sizing.total is not None:
        lines.append(
            f"4. National {of_measure}: {format_figure(sizing.total.value, sizing.total.bound, 'CNY', session.labels, session.currency, session.cny_per_usd)}."
        )  # noqa: E501
        return lines
    lines.append(f"4. No usable figure: the sources do not give {city}'s own {of_measure}, so the national "
                 f"size cannot be computed from this share.")  # fmt: skip
    for c in sizing.candidates:
        if c.is_actual and not c.is_usable:
            row = facts.loc[c.fact_id]
            naive = format_figure(c.naive_total.value, c.naive_total.bound, "CNY", session.labels,
                                  session.currency, session.cny_per_usd)  # fmt: skip
            place = session.dataset.cities.set_index("place_id").loc[c.place, "name_en"]
            lines.append(
                f"5. The tempting shortcut {figure_text(session, row)} ÷ {share_text} (that is, × {1 / sizing.share:.3g})"
                f" = {naive} is NOT the national size: it puts {place}'s {c.measure.replace('_', ' ')} "
                f"({c.fact_id}) over {city}'s share of {of_measure}: two places, two measures. Year of "
                f"{place}'s figure: {BASIS_PROSE[year_basis(row['year_note'])]}; year of {city}'s share: "
                f"{BASIS_PROSE[year_basis(share['year_note'])]}."
            )
    return lines


# ------------------------------------------------------------------------------------------ value per unit
@dataclass(frozen=True)
class UnitValue:
    """Money value per unit implied by a scale target and a unit-count target of the same place and year."""

    place: str
    year: int
    scale_id: str
    units_id: str
    value_per_unit: Bounded


def implied_value_per_unit(scale: pd.Series, units: pd.Series) -> Bounded:
    """Scale ÷ units, read as an upper bound on the value of one complete unit.

    The scale (e.g. a core-industry scale) also counts components and other products, so the value that
    complete units account for is at most the whole: value per unit <= scale ÷ units. When scale ÷ units is
    itself a lower bound, the two directions cancel and only "~" remains.

    Raises:
        ValueError: the two facts differ in place or year, or are not money and a count.
    """
    if scale["place"] != units["place"] or scale["year"] != units["year"]:
        raise ValueError(f"{scale['fact_id']} and {units['fact_id']}: expected the same place and year")
    if scale["unit"] != "CNY" or units["unit"] != "count":
        raise ValueError(f"{scale['fact_id']} / {units['fact_id']}: expected CNY over a count; "
                         f"got {scale['unit']} over {units['unit']}")  # fmt: skip
    ratio = bounded_ratio(scale["value"], scale["bound"], units["value"], units["bound"])
    return Bounded(ratio.value, "<=" if ratio.bound in ("=", "<=") else "~")


def find_unit_values(facts: pd.DataFrame) -> list[UnitValue]:
    """Pairs of an industry-scale money figure and a unit count ("..._units" indicator) of the same place and
    year in `facts`, each with its implied value per unit."""
    pairs = []
    scales = facts[(facts["unit"] == "CNY") & (facts["measure"] == "industry_scale")]
    units = facts[facts["indicator"].str.endswith("_units") & (facts["unit"] == "count")]
    for _, scale in scales.iterrows():
        match = units[(units["place"] == scale["place"]) & (units["year"] == scale["year"])]
        for _, unit_row in match.iterrows():
            value = implied_value_per_unit(scale, unit_row)
            pairs.append(
                UnitValue(scale["place"], int(scale["year"]), scale["fact_id"], unit_row["fact_id"], value)
            )
    return pairs


# ----------------------------------------------------------------------------------------------- printing


def explain_unit_values(session: Session, pairs: list[UnitValue]) -> list[str]:
    """The division behind each value per unit, in the session's currency, and how to read its bound."""
    facts = session.dataset.facts.set_index("fact_id")
    names = session.dataset.cities.set_index("place_id")["name_en"]
    if not pairs:
        return ["No pair of a scale target and a unit target among the chosen cities (Hangzhou gives one)."]
    lines = []
    for p in pairs:
        scale, units = facts.loc[p.scale_id], facts.loc[p.units_id]
        lines += [
            f"{names[p.place]} {p.year}: {scale['label_en'].lower()} {figure_text(session, scale)} ({p.scale_id}) ÷ "
            f"{units['label_en'].lower()} {figure_text(session, units)} units ({p.units_id}) = "
            f"{session.money(p.value_per_unit.value)} per unit.",
            f"Read as: at most {session.money(p.value_per_unit.value)} per complete machine (bound "
            f"'{p.value_per_unit.bound}'): the figure would be exact only if all core-industry value came from "
            f"complete machines; components and other products also count, so machines get less.",
        ]
    return lines


def chosen_sizing(session: Session, share_id: str) -> NationalSizing | None:
    """`size_nation_from_share` over the chosen cities' facts; None when the share's place is not chosen."""
    share = session.dataset.facts.set_index("fact_id").loc[share_id]
    facts = chosen_facts(session, share["sector"])
    if share_id not in set(facts["fact_id"]):
        return None
    return size_nation_from_share(facts, share_id)


# ------------------------------------------------------------------------------------------------ figures


def figure_value_per_unit(session: Session, sector: str = SECTOR) -> tuple[FigureResult, list[UnitValue]]:
    """The value per unit implied by each scale and unit-count target pair of the chosen cities, drawn as an
    upper bound (open marker, arrow left) with the division written beside it. Returns the pairs too."""
    labels = session.labels
    pairs = find_unit_values(chosen_facts(session, sector))
    if not pairs:
        fallback = [
            fid
            for p in find_unit_values(sector_facts(session.dataset, sector))
            for fid in (p.scale_id, p.units_id)
        ]
        fig, ax = new_figure(8, 2.8)
        draw_no_data(ax, labels, labels("eai_fig_unit_title_empty"))
        return FigureResult(fig, fallback, False), pairs
    facts = session.dataset.facts.set_index("fact_id")
    fig, ax = new_figure(9, 1.9 + 0.7 * len(pairs))
    names = [labels("eai_unit_row", city=labels.city(p.place), year=p.year) for p in pairs]
    values = [in_currency(session, p.value_per_unit.value) for p in pairs]
    plot_bounded_points(ax, names, values, [p.value_per_unit.bound for p in pairs],
                               colour=MEASURE_COLOURS["industry_scale"], marker=KIND_MARKERS["target"])  # fmt: skip
    for y, p, value in zip(range(len(pairs) - 1, -1, -1), pairs, values, strict=True):
        note = labels("eai_unit_note", scale=figure_text(session, facts.loc[p.scale_id]),
                      units=figure_text(session, facts.loc[p.units_id]), value=session.money(p.value_per_unit.value))  # fmt: skip
        ax.annotate(note, xy=(value, y), xytext=(0, 12), textcoords="offset points", ha="right", fontsize=8)
    ax.set_xlim(0, max(values) * 1.25)
    ax.set_ylim(-0.8, len(pairs) - 0.2)
    ax.set_xlabel(labels("eai_unit_axis", currency=labels(f"currency_{session.currency}")))
    first = pairs[0]
    ax.set_title(labels("eai_fig_unit_title", city=labels.city(first.place), year=first.year,
                        value=session.money(first.value_per_unit.value)))  # fmt: skip
    colour = MEASURE_COLOURS["industry_scale"]
    legend_keys = {
        "<=": "eai_legend_at_most",
        "~": "legend_approx",
        "=": "legend_exact",
        ">=": "legend_lower",
    }
    bounds = list(dict.fromkeys(p.value_per_unit.bound for p in pairs))
    handles = [Line2D([], [], marker=KIND_MARKERS["target"], color=colour, linestyle="none", markersize=8,
                      markerfacecolor=colour if b == "=" else "white", label=labels(legend_keys[b]))
               for b in bounds]  # fmt: skip
    ax.legend(handles=handles, loc="lower left", fontsize=8)
    ax.ticklabel_format(axis="x", style="plain")
    ax.xaxis.set_major_formatter(lambda x, _: f"{x:,.0f}")
    return FigureResult(fig, [fid for p in pairs for fid in (p.scale_id, p.units_id)], True), pairs


# ------------------------------------------------------------------------------------------------ private



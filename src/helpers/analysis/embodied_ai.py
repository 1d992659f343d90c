"""Embodied-AI analysis for notebook 05: targets checked for a same-measure baseline, what a national share can
and cannot size, the value per machine behind a unit and a scale target, and the notebook's figures.

The target, timeline and citation helpers here are sector-neutral; notebook 06 (6G, helpers.analysis.sixg)
reuses them. Functions take the notebook's Session first and respect its `cities` parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from helpers.i18n import Labels
from helpers.indicators import (
    Bounded,
    bounded_ratio,
    convert_money,
    find_baseline,
    ratio_bound,
    required_growth,
)
from helpers.outputs import show as show  # re-exported: notebooks call eai.show
from helpers.plots import (
    KIND_MARKERS,
    MEASURE_COLOURS,
    bound_legend_handles,
    draw_no_data,
    new_figure,
    plot_bounded_points,
)
from helpers.quantity import format_bound
from helpers.session import ARTICLE_YEAR, Session
from helpers.tables import format_figure, sector_facts

SECTOR = "embodied_ai"
TARGET_KINDS: tuple[str, ...] = ("target", "forecast")
# What a share indicator is a share of, in the article's words: 產業規模佔全國 = a share of national industry scale.
SHARE_OF_MEASURE: dict[str, str] = {"national_industry_share": "industry_scale"}
TIMELINE_COLOURS: dict[str, str] = {"actual": "#1b4f72", "target": "#d95f02", "forecast": "#7570b3"}
BASIS_PROSE: dict[str, str] = {
    "explicit": "printed",
    "derived": "worked out from the text",
    "not_printed": "not printed (taken as the article's year)",
    "none": "none given",
}
_CJK = re.compile(r"[\u3400-\u9fff]")


# --------------------------------------------------------------------------------------------------- selection
def chosen_facts(session: Session, sector: str) -> pd.DataFrame:
    """The facts of `sector` for the session's chosen cities (all cities when the parameter is empty)."""
    return sector_facts(session.dataset, sector, list(session.settings.get("cities") or []))


def chosen_roles(session: Session, sector: str) -> pd.DataFrame:
    """The rows of data/city_roles.csv for `sector` and the session's chosen cities, in file order."""
    roles = session.dataset.city_roles[session.dataset.city_roles["sector"] == sector]
    cities = list(session.settings.get("cities") or [])
    if cities:
        roles = roles[roles["place"].isin(cities)]
    return roles.reset_index(drop=True)


def shown_ids(session: Session, fact_ids: list[str]) -> list[str]:
    """The `fact_ids` about the session's chosen cities or the nation (all of them when no cities are chosen):
    the facts a notebook's prose prints, for its sources table."""
    cities = list(session.settings.get("cities") or [])
    places = session.dataset.facts.set_index("fact_id")["place"]
    return [f for f in fact_ids if not cities or places[f] in [*cities, "china"]]


def year_basis(year_note: str) -> str:
    """How a fact's year is known, from its year_note in data/facts.csv.

    Returns:
        "explicit" (the year is printed), "derived" (worked out from a printed time word such as 今年 or
        5 年內, which the note quotes), "not_printed" (no year printed; taken as at the article's date) or
        "none" (no year at all).
    Raises:
        ValueError: a note that starts with none of "explicit:", "implied:" or "none:".
    """
    note = str(year_note).strip()
    if note.startswith("explicit"):
        return "explicit"
    if note.startswith("none"):
        return "none"
    if note.startswith("implied"):
        if "no year printed" in note or not _CJK.search(note):
            return "not_printed"
        return "derived"
    raise ValueError(f"year_note {year_note!r}: expected it to start with 'explicit:', 'implied:' or 'none:'")


# ----------------------------------------------------------------------------------- targets and baselines
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
    for _, target in dated.iterrows():
        baseline = None if target["unit"] == "year" else find_baseline(facts, target)
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
    """One row per checked target: city, indicator, target figure, year, years left from the article's year,
    baseline (or "no baseline in the sources"), required growth, fact ids. Headers in the label language."""
    labels, facts = session.labels, session.dataset.facts.set_index("fact_id")
    rows = []
    for check in checks:
        target = facts.loc[check.fact_id]
        if check.baseline_id is None:
            baseline = labels("no_baseline")
        else:
            base = facts.loc[check.baseline_id]
            baseline = f"{_figure(session, base)} ({check.baseline_year})"
        rows.append({
            labels("city"): labels.city(check.place),
            labels("indicator"): labels.fact(check.fact_id),
            labels("target"): _figure(session, target),
            labels("year"): str(check.year),
            labels("years_left"): check.year - ARTICLE_YEAR,
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
            labels("figure"): _figure(session, facts.loc[c.fact_id]),
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
    share_text = _figure(session, share)
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
        lines.append(f"   - {c.fact_id}: {place}, {c.measure.replace('_', ' ')}, {c.kind}, {_figure(session, row)}"
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
                f"5. The tempting shortcut {_figure(session, row)} ÷ {share_text} (that is, × {1 / sizing.share:.3g})"
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
def fact_lines(session: Session, fact_ids: list[str], with_notes: bool = False) -> list[str]:
    """One line of prose per fact: label, figure with its bound, year and how it is known, fact id and
    paragraph (and, with `with_notes`, the data's note on the next line). Facts of places outside the chosen
    cities are named as left out."""
    facts = session.dataset.facts.set_index("fact_id")
    shown = set(shown_ids(session, fact_ids))
    names = session.dataset.cities.set_index("place_id")["name_en"]
    lines = []
    for fact_id in fact_ids:
        row = facts.loc[fact_id]
        if fact_id not in shown:
            lines.append(f"- {names[row['place']]} is not among the chosen cities ({fact_id} left out)")
            continue
        basis = "none" if pd.isna(row["year"]) else year_basis(row["year_note"])
        year = (
            BASIS_PROSE[basis]
            if basis in ("not_printed", "none")
            else f"{int(row['year'])} ({BASIS_PROSE[basis]})"
        )
        lines.append(f"- {names[row['place']]}, {row['label_en']}: {_figure(session, row)} [{row['kind']}; "
                     f"year {year}; {row['source_id']} ¶{int(row['locator'])}; {fact_id}]")  # fmt: skip
        if with_notes and row["note"]:
            lines.append(f"    note: {row['note']}")
    return lines


def citable(session: Session, sector: str, fact_ids: list[str]) -> list[str]:
    """`fact_ids` without blanks or repeats, or every fact of `sector` when none is left (a table the chosen
    cities left empty still names where its figures would come from)."""
    ids = [f for f in dict.fromkeys(fact_ids) if isinstance(f, str) and f]
    return ids or list(sector_facts(session.dataset, sector)["fact_id"])


def scenario_note(session: Session, sector: str) -> list[str]:
    """What the scenario and horizon parameters do in `sector`: lines of prose naming the targets that have
    a same-measure baseline (the only growth rates the sources imply), or saying there are none."""
    checks = growth_rate_sources(session, sector)
    scenario, horizon = session.settings.get("scenario", "base"), session.settings.get("horizon_year", 2030)
    if not checks:
        return [
            "Targets or forecasts in this sector with a same-measure baseline in the sources: 0.",
            f"So the sources imply no growth rate here: scenario '{scenario}' has nothing to scale and no figure "
            f"is projected; horizon_year {horizon} only marks the end of the timeline.",
        ]
    lines = [f"Targets or forecasts with a same-measure baseline in the sources: {len(checks)}."]
    lines += [
        f"- {c.fact_id} from {c.baseline_id}: {growth_text(c.growth)} a year" for c in checks if c.growth
    ]
    return lines


def target_verdicts(session: Session, checks: list[TargetCheck]) -> list[str]:
    """One line per checked target: what it is, and the baseline found or "no baseline in the sources"."""
    facts = session.dataset.facts.set_index("fact_id")
    names = session.dataset.cities.set_index("place_id")["name_en"]
    lines = []
    for c in checks:
        row = facts.loc[c.fact_id]
        head = f"- {names[c.place]}, {row['label_en']}: {_figure(session, row)} by {c.year} ({c.fact_id})"
        if c.growth is None:
            lines.append(f"{head}: no actual for the same place and indicator in the sources -> no baseline in "
                         f"the sources; the growth it needs cannot be computed")  # fmt: skip
        else:
            base = facts.loc[c.baseline_id]
            lines.append(f"{head}: baseline {_figure(session, base)} in {c.baseline_year} ({c.baseline_id}) -> "
                         f"needs {growth_text(c.growth)} a year")  # fmt: skip
    return lines


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
            f"{names[p.place]} {p.year}: {scale['label_en'].lower()} {_figure(session, scale)} ({p.scale_id}) ÷ "
            f"{units['label_en'].lower()} {_figure(session, units)} units ({p.units_id}) = "
            f"{_money(session, p.value_per_unit.value)} per unit.",
            f"Read as: at most {_money(session, p.value_per_unit.value)} per complete machine (bound "
            f"'{p.value_per_unit.bound}'): the figure would be exact only if all core-industry value came from "
            f"complete machines; components and other products also count, so machines get less.",
        ]
    return lines


def district_facts(session: Session, sector: str) -> pd.DataFrame:
    """The chosen cities' facts of `sector` that are for a district rather than a whole city."""
    facts = chosen_facts(session, sector)
    return facts[facts["district_en"].fillna("") != ""]


def chosen_sizing(session: Session, share_id: str) -> NationalSizing | None:
    """`size_nation_from_share` over the chosen cities' facts; None when the share's place is not chosen."""
    share = session.dataset.facts.set_index("fact_id").loc[share_id]
    facts = chosen_facts(session, share["sector"])
    if share_id not in set(facts["fact_id"]):
        return None
    return size_nation_from_share(facts, share_id)


# ------------------------------------------------------------------------------------------------ figures
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
    """A fact's year for a label, or "no year" when the year is not printed (taken as the article's date)."""
    if pd.isna(fact["year"]) or year_basis(fact["year_note"]) in ("not_printed", "none"):
        return labels("no_year")
    return str(int(fact["year"]))


def set_money_ticks(ax, session: Session) -> None:
    """Label a log money axis at 1, 2 and 5 times each power of ten, in the session's currency and language."""
    factor = session.cny_per_usd if session.currency == "USD" else 1.0
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: session.money(x * factor) if x > 0 else ""))
    ax.xaxis.set_minor_formatter(NullFormatter())


def figure_money_by_measure(session: Session, sector: str = SECTOR) -> FigureResult:
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
        values = [_convert(session, v) for v in rows["value"]]
        colour = MEASURE_COLOURS.get(measure, "#1b4f72")
        used |= plot_bounded_points(ax, names, values, list(rows["bound"]), colour=colour, log=True)
        for y, (_, r), value in zip(range(len(rows) - 1, -1, -1), rows.iterrows(), values, strict=True):
            ax.annotate(_figure(session, r), xy=(value, y), xytext=(0, 9), textcoords="offset points",
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
    fig.legend(handles=bound_legend_handles(labels, used), loc="outside lower right", ncols=len(used) or 1,
               title=labels("eai_measures_not_comparable"), title_fontsize=8, fontsize=8)  # fmt: skip
    return FigureResult(fig, list(money["fact_id"]), True)


def timeline_rows(
    session: Session, facts: pd.DataFrame, notes: dict[str, list[str]] | None = None
) -> pd.DataFrame:
    """Rows for `plot_timeline`: every fact of `facts` with a printed or derived year, labelled and annotated.

    Columns: fact_id, place, year, kind, basis, row_label ("City: indicator"), note (figure, then `notes`).
    Facts whose year is not printed are left out (their year is only the article's date).
    """
    labels = session.labels
    notes = notes or {}
    rows = []
    for _, fact in facts.iterrows():
        basis = "none" if pd.isna(fact["year"]) else year_basis(fact["year_note"])
        if basis not in ("explicit", "derived"):
            continue
        parts = [] if fact["unit"] == "year" else [_figure(session, fact)]
        if basis == "derived":
            parts.append(labels("eai_year_derived"))
        parts += notes.get(fact["fact_id"], [])
        rows.append({
            "fact_id": fact["fact_id"], "place": fact["place"], "year": int(fact["year"]), "kind": fact["kind"],
            "basis": basis,
            "row_label": labels("eai_row_label", city=labels.city(fact["place"]), indicator=labels.fact(fact["fact_id"])),
            "note": "\n".join(parts),
        })  # fmt: skip
    columns = ["fact_id", "place", "year", "kind", "basis", "row_label", "note"]
    return pd.DataFrame(rows, columns=columns)


def plot_timeline(session: Session, rows: pd.DataFrame, title: str, fallback_ids: list[str]) -> FigureResult:
    """A dated timeline: one row per fact, a line from the article's date to each target year, markers by kind
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
    first, last = min(int(rows["year"].min()), ARTICLE_YEAR), max(int(rows["year"].max()), horizon)
    for y, (_, row) in zip(positions, rows.iterrows(), strict=True):
        colour = TIMELINE_COLOURS.get(row["kind"], "#1b4f72")
        if row["kind"] in TARGET_KINDS and row["year"] > ARTICLE_YEAR:
            ax.plot(
                [ARTICLE_YEAR, row["year"]], [y, y], color=colour, lw=2, alpha=0.35, solid_capstyle="butt"
            )
        ax.plot([row["year"]], [y], marker=KIND_MARKERS.get(row["kind"], "o"), markersize=9, color=colour,
                linestyle="none")  # fmt: skip
        if row["note"]:
            ax.annotate(row["note"], xy=(row["year"], y), xytext=(9, 0), textcoords="offset points", va="center",
                        fontsize=8, color="#333333", zorder=5, linespacing=1.15,
                        bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none",
                              "alpha": 0.85})  # fmt: skip
    ax.axvline(ARTICLE_YEAR, color="#555555", lw=1, ls=":")
    ax.annotate(labels("eai_article_date"), xy=(ARTICLE_YEAR, 1), xycoords=("data", "axes fraction"),
                xytext=(3, -2), textcoords="offset points", va="top", fontsize=8, color="#555555")  # fmt: skip
    ax.axvline(horizon, color="#555555", lw=1, ls="--")
    ax.annotate(labels("eai_horizon", year=horizon), xy=(horizon, 0), xycoords=("data", "axes fraction"),
                xytext=(3, 2), textcoords="offset points", va="bottom", fontsize=8, color="#555555")  # fmt: skip
    ax.set_yticks(positions, list(rows["row_label"]))
    ax.set_ylim(-0.6, len(rows) - 0.4)
    latest = int(rows["year"].max())
    room = max(3.0, 0.6 * (latest - first + 1))  # room for the notes right of the latest marker
    ax.set_xlim(first - 0.5, max(latest + room, last + 0.5))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    ax.set_xlabel(labels("year"))
    ax.set_title(title)
    kinds = list(dict.fromkeys(rows["kind"]))
    handles = [Line2D([], [], marker=KIND_MARKERS.get(k, "o"), color=TIMELINE_COLOURS.get(k, "#1b4f72"),
                      linestyle="none", markersize=8, label=labels.kind(k)) for k in kinds]  # fmt: skip
    fig.legend(handles=handles, loc="outside lower right", ncols=len(kinds), fontsize=8)
    return FigureResult(fig, list(rows["fact_id"]), True)


def figure_targets_timeline(session: Session, sector: str = SECTOR) -> tuple[FigureResult, list[TargetCheck]]:
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
    values = [_convert(session, p.value_per_unit.value) for p in pairs]
    plot_bounded_points(ax, names, values, [p.value_per_unit.bound for p in pairs],
                               colour=MEASURE_COLOURS["industry_scale"], marker=KIND_MARKERS["target"])  # fmt: skip
    for y, p, value in zip(range(len(pairs) - 1, -1, -1), pairs, values, strict=True):
        note = labels("eai_unit_note", scale=_figure(session, facts.loc[p.scale_id]),
                      units=_figure(session, facts.loc[p.units_id]), value=_money(session, p.value_per_unit.value))  # fmt: skip
        ax.annotate(note, xy=(value, y), xytext=(0, 12), textcoords="offset points", ha="right", fontsize=8)
    ax.set_xlim(0, max(values) * 1.25)
    ax.set_ylim(-0.8, len(pairs) - 0.2)
    ax.set_xlabel(labels("eai_unit_axis", currency=labels(f"currency_{session.currency}")))
    first = pairs[0]
    ax.set_title(labels("eai_fig_unit_title", city=labels.city(first.place), year=first.year,
                        value=_money(session, first.value_per_unit.value)))  # fmt: skip
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
def _convert(session: Session, value_cny: float) -> float:
    return convert_money(value_cny, session.currency, session.cny_per_usd)


def _money(session: Session, value_cny: float) -> str:
    return session.money(value_cny)


def _figure(session: Session, fact: pd.Series) -> str:
    return format_figure(fact["value"], fact["bound"], fact["unit"], session.labels, session.currency,
                         session.cny_per_usd)  # fmt: skip

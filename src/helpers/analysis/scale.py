"""Denominators and sums: the sources' figures per head, per unit of GDP and as shares of the national figure, and
whether the cities' targets add up to more than the national figures and forecasts of the same year.

Shared by every sector room (the sector modules may call it; it imports none of them). Every derived number
carries its bound: a lower bound over an exact population stays a lower bound (helpers.indicators.ratio_bound),
and a sum of lower bounds is a lower bound (`sum_bound`).

The pure functions take tables (observations, data/context.csv, city roles) so that tests can feed them small
fixtures; the `*_for` functions read them from a Dataset, and the `*_table` functions write them for display.

    from helpers.analysis import scale
    per_head = scale.denominators_for(ds, "quantum")          # per head and per GDP, nearest context year
    sums = scale.targets_against_national_for(ds, "embodied_ai")
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from helpers.data import Dataset, per_dataset
from helpers.i18n import Labels
from helpers.indicators import ratio_bound
from helpers.quantity import format_bound
from helpers.tables import _significant, format_figure, format_fraction

MAX_YEAR_GAP = 10
"""A figure and its denominator (population, GDP, the national figure) are at most this many years apart."""
TARGET_YEAR_GAP = 5
"""A sum of city targets is set against the national figure of the same year or, when the sources give none,
of the first later year at most this many years on: in a growing industry a later national figure is the larger,
so a city sum above it is above the same-year figure too (the line printed says which year it is)."""
SCALE_MEASURES: tuple[str, ...] = ("market_size", "industry_scale", "industrial_output", "revenue")
"""Money measures of the size of an industry (a market, a cluster's scale, output, revenue): the ones a sum of
city targets is set against a national figure with. Investment, funding and firm-size thresholds are not sizes."""
MONEY_MEASURES: tuple[str, ...] = (*SCALE_MEASURES, "investment", "funding")
"""Money measures that have a meaningful per-head and per-GDP view (a firm-size threshold and a price have not)."""
FIGURE_KINDS: tuple[str, ...] = ("actual", "target", "forecast")
PER_MILLION = 1_000_000
PER_100BN = 100_000_000_000
# (measure family, denominator) -> the unit of the result
RESULT_UNITS: dict[tuple[str, str], str] = {
    ("money", "resident_population"): "cny_per_head",
    ("money", "gdp"): "share_of_gdp",
    ("count", "resident_population"): "per_million_people",
    ("count", "gdp"): "per_100bn_cny_gdp",
}
_SCALE_BY_UNIT = {"cny_per_head": 1, "share_of_gdp": 1, "per_million_people": PER_MILLION,
                  "per_100bn_cny_gdp": PER_100BN}  # fmt: skip
DENOMINATOR_COLUMNS: list[str] = [
    "sector", "place", "district_en", "fact_id", "indicator", "label_en", "label_zh", "kind", "year", "value",
    "bound", "unit", "denominator", "context_id", "context_year", "year_gap", "context_value", "context_bound",
    "result", "result_bound", "result_unit",
]  # fmt: skip
SUM_COLUMNS: list[str] = [
    "sector", "year", "n_cities", "places", "city_fact_ids", "n_indicators", "city_sum", "city_bound",
    "actual_sum", "actual_bound", "actual_fact_ids", "national_fact_id", "national_indicator", "national_kind",
    "national_year", "year_gap", "national_value", "national_bound", "ratio", "ratio_bound",
]  # fmt: skip


def sum_bound(bounds: Iterable[str]) -> str:
    """Bound of a sum: all "=" give "="; "=" with ">=" give ">=" (a sum of lower bounds is a lower bound); "="
    with "<=" give "<="; lower and upper bounds together, or any "~", give "~" (no direction).

    Raises:
        ValueError: no bound, or a bound that is not one of =, >=, <=, ~.
    """
    found = set(bounds)
    if not found:
        raise ValueError("sum_bound: a sum of no figures has no bound")
    unknown = found - {"=", ">=", "<=", "~"}
    if unknown:
        raise ValueError(f"sum_bound: unknown bound(s) {sorted(unknown)}; expected =, >=, <= or ~")
    directions = found - {"="}
    if not directions:
        return "="
    if len(directions) == 1 and "~" not in directions:
        return directions.pop()
    return "~"


def _family(measure: str, unit: str) -> str | None:
    if unit == "CNY" and measure in MONEY_MEASURES:
        return "money"
    if unit == "count" and measure == "count":
        return "count"
    return None


def _district(value: object) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def _no_district(frame: pd.DataFrame) -> pd.Series:
    return frame["district_en"].fillna("").astype(str) == ""


Record = dict  # one row of a frame as {column: value}


def records_by(frame: pd.DataFrame, columns: list[str]) -> dict[tuple, list[Record]]:
    """`frame`'s rows as records by their values of `columns` (a tuple per key), each list in the frame's order:
    the rows a filter `frame[column] == value` for each column keeps, for every key at once. A row with a
    missing value in one of `columns` is in no list (it equals nothing)."""
    grouped: dict[tuple, list[Record]] = {}
    for record in frame.to_dict("records"):
        key = tuple(record[c] for c in columns)
        if not any(pd.isna(v) for v in key):
            grouped.setdefault(key, []).append(record)
    return grouped


def nearest_record(records: list[Record], year: object, max_gap: int = MAX_YEAR_GAP) -> Record | None:
    """nearest_context among `records`, the dated actual context rows of one place and indicator in file order:
    the nearest year at most `max_gap` away; on a tie the later year, then the tighter bound, then the lower
    context id, then the earlier record (the first of nearest_context's stable sort). None for an undated
    figure or none near enough."""
    if pd.isna(year):
        return None
    best, best_key = None, None
    for record in records:
        gap = abs(int(record["year"]) - int(year))
        key = (gap, -int(record["year"]), int(record["bound"] != "="), record["context_id"])
        if gap <= max_gap and (best_key is None or key < best_key):
            best, best_key = record, key
    return best


def nearest_national(records: list[Record], year: object, max_gap: int = MAX_YEAR_GAP) -> Record | None:
    """The national figure national_shares divides by, among `records` (the dated national figures of one
    sector, indicator, unit and kind, in file order): a positive value at most `max_gap` years from `year`, the
    nearest, on a tie the later year, then the lower fact id, then the earlier record. None when none is."""
    best, best_key = None, None
    for record in records:
        gap = abs(int(record["year"]) - int(year))
        key = (gap, -int(record["year"]), record["fact_id"])
        if gap <= max_gap and float(record["value"]) > 0 and (best_key is None or key < best_key):
            best, best_key = record, key
    return best


def nearest_context(
    context: pd.DataFrame, place: str, indicator: str, year: object, max_gap: int = MAX_YEAR_GAP
) -> pd.Series | None:
    """The actual context figure of `place` and `indicator` nearest to `year`, at most `max_gap` years away; on a
    tie the later year, then the tighter bound ("=" first), then the lower context id. None for an undated
    figure or when no context figure is near enough."""
    if pd.isna(year):
        return None
    rows = context[(context["place"] == place) & (context["indicator"] == indicator)
                   & (context["kind"] == "actual") & context["year"].notna()]  # fmt: skip
    if rows.empty:
        return None
    rows = rows.assign(
        _gap=(rows["year"].astype(int) - int(year)).abs(),
        _later=-rows["year"].astype(int),
        _loose=(rows["bound"] != "=").astype(int),
    )
    rows = rows[rows["_gap"] <= max_gap]
    if rows.empty:
        return None
    return rows.sort_values(["_gap", "_later", "_loose", "context_id"], kind="stable").iloc[0]


def denominators(
    figures: pd.DataFrame, context: pd.DataFrame, places: pd.DataFrame, max_gap: int = MAX_YEAR_GAP
) -> pd.DataFrame:
    """Each money and count figure of a whole city (level "city" in `places`, no district) per head and per unit of GDP, from the nearest
    context year of the same place (`nearest_context`), the bound carried by helpers.indicators.ratio_bound.

    Money per head is in CNY per head; money per GDP a share of GDP; counts per million residents and per 100 bn
    CNY of GDP. The nation's own figures are shown as the denominators of shares (`national_shares`), not per
    head. A district's figure is not divided by its city's population (the scopes differ); money printed
    in US dollars is left out (never converted at the package's rate); undated figures are not paired.

    Returns:
        One row per (figure, denominator), columns DENOMINATOR_COLUMNS, sorted by sector, place, indicator, kind,
        year, fact id and denominator.
    """
    rows = []
    cities = set(places.loc[places["level"] == "city", "place_id"])
    dated = records_by(
        context[(context["kind"] == "actual") & context["year"].notna()], ["place", "indicator"]
    )
    whole = figures[
        _no_district(figures) & figures["kind"].isin(FIGURE_KINDS) & figures["place"].isin(cities)
    ]
    for fig in whole.itertuples(index=False):
        family = _family(fig.measure, fig.unit)
        if family is None:
            continue
        for denominator in ("resident_population", "gdp"):
            ctx = nearest_record(
                dated.get((fig.place, denominator), []), fig.year, max_gap
            )  # nearest_context
            if ctx is None or float(ctx["value"]) == 0:
                continue
            unit = RESULT_UNITS[(family, denominator)]
            rows.append({
                "sector": fig.sector, "place": fig.place, "district_en": "", "fact_id": fig.fact_id,
                "indicator": fig.indicator, "label_en": fig.label_en, "label_zh": fig.label_zh, "kind": fig.kind,
                "year": int(fig.year), "value": float(fig.value), "bound": fig.bound, "unit": fig.unit,
                "denominator": denominator, "context_id": ctx["context_id"], "context_year": int(ctx["year"]),
                "year_gap": abs(int(ctx["year"]) - int(fig.year)), "context_value": float(ctx["value"]),
                "context_bound": ctx["bound"],
                "result": float(fig.value) / float(ctx["value"]) * _SCALE_BY_UNIT[unit],
                "result_bound": ratio_bound(fig.bound, ctx["bound"]), "result_unit": unit,
            })  # fmt: skip
    frame = pd.DataFrame(rows, columns=DENOMINATOR_COLUMNS)
    order = ["sector", "place", "indicator", "kind", "year", "fact_id", "denominator"]
    return frame.sort_values(order, kind="stable").reset_index(drop=True)


def national_shares(figures: pd.DataFrame, max_gap: int = MAX_YEAR_GAP) -> pd.DataFrame:
    """Each figure of a place other than the nation as a share of the national figure ("china") of the same
    sector, indicator, unit and kind, of the nearest year at most `max_gap` years away (tie: the later year,
    then the lower fact id); a district's figure keeps its district. The bound follows ratio_bound.

    Returns:
        Columns as DENOMINATOR_COLUMNS, with `denominator` "national", `context_id` the national fact id and
        `result_unit` "share_of_national", sorted like `denominators`.
    """
    national = figures[(figures["place"] == "china") & figures["year"].notna()]
    by_series = records_by(national, ["sector", "indicator", "unit", "kind"])
    rows = []
    local = figures[
        (figures["place"] != "china") & figures["year"].notna() & figures["kind"].isin(FIGURE_KINDS)
    ]
    for fig in local.itertuples(index=False):
        if _family(fig.measure, fig.unit) is None:
            continue
        same = by_series.get((fig.sector, fig.indicator, fig.unit, fig.kind), [])
        nat = nearest_national(same, fig.year, max_gap)
        if nat is None:
            continue
        rows.append({
            "sector": fig.sector, "place": fig.place, "district_en": _district(fig.district_en), "fact_id": fig.fact_id,
            "indicator": fig.indicator, "label_en": fig.label_en, "label_zh": fig.label_zh, "kind": fig.kind,
            "year": int(fig.year), "value": float(fig.value), "bound": fig.bound, "unit": fig.unit,
            "denominator": "national", "context_id": nat["fact_id"], "context_year": int(nat["year"]),
            "year_gap": abs(int(nat["year"]) - int(fig.year)), "context_value": float(nat["value"]), "context_bound": nat["bound"],
            "result": float(fig.value) / float(nat["value"]), "result_bound": ratio_bound(fig.bound, nat["bound"]),
            "result_unit": "share_of_national",
        })  # fmt: skip
    frame = pd.DataFrame(rows, columns=DENOMINATOR_COLUMNS)
    order = ["sector", "place", "indicator", "kind", "year", "fact_id"]
    return frame.sort_values(order, kind="stable").reset_index(drop=True)


def city_scale_figures(figures: pd.DataFrame, places: pd.DataFrame, kind: str) -> pd.DataFrame:
    """One money figure of industry size (SCALE_MEASURES, in CNY) per sector, city and year of `kind`: the
    largest the sources give (a district's figure counts as its city's), so that one city's overlapping scopes
    (a cluster and its core industry) are not added twice. Cities are places of level "city" in data/cities.csv.
    Ties go to the lower fact id."""
    cities = set(places.loc[places["level"] == "city", "place_id"])
    rows = figures[figures["place"].isin(cities) & (figures["kind"] == kind) & (figures["unit"] == "CNY")
                   & figures["measure"].isin(SCALE_MEASURES) & figures["year"].notna()]  # fmt: skip
    rows = rows.assign(year=rows["year"].astype(int), value=rows["value"].astype(float))
    rows = rows.sort_values(["sector", "place", "year", "value", "fact_id"], ascending=[True, True, True, False, True],
                            kind="stable")  # fmt: skip
    return rows.drop_duplicates(["sector", "place", "year"], keep="first").reset_index(drop=True)


def targets_against_national(
    figures: pd.DataFrame, places: pd.DataFrame, max_gap: int = TARGET_YEAR_GAP
) -> pd.DataFrame:
    """For each sector and year with a city target of industry size: the sum of the cities' targets (one per
    city, `city_scale_figures`) beside the sum of their actuals of that year, and each national figure of
    industry size (actual, target or forecast, in CNY) of the same year or, when there is none, of the first
    later year at most `max_gap` years on (see TARGET_YEAR_GAP), with the ratio of the city sum to it. Bounds:
    `sum_bound` for the sums, ratio_bound for the ratio. A year with no national figure near enough keeps one
    row with the national columns empty.

    Returns:
        Columns SUM_COLUMNS, sorted by sector, year and national fact id.
    """
    targets = city_scale_figures(figures, places, "target")
    actuals = city_scale_figures(figures, places, "actual")
    national = figures[(figures["place"] == "china") & (figures["unit"] == "CNY")
                       & figures["measure"].isin(SCALE_MEASURES) & figures["year"].notna()
                       & figures["kind"].isin(FIGURE_KINDS)]  # fmt: skip
    national = national.assign(year=national["year"].astype(int))
    rows = []
    for (sector, year), group in targets.groupby(["sector", "year"], sort=True):
        acts = actuals[(actuals["sector"] == sector) & (actuals["year"] == year)]
        base = {
            "sector": sector, "year": int(year), "n_cities": len(group), "places": ";".join(group["place"]),
            "city_fact_ids": ";".join(group["fact_id"]), "n_indicators": group["indicator"].nunique(),
            "city_sum": float(group["value"].sum()), "city_bound": sum_bound(group["bound"]),
            "actual_sum": float(acts["value"].sum()) if len(acts) else float("nan"),
            "actual_bound": sum_bound(acts["bound"]) if len(acts) else "",
            "actual_fact_ids": ";".join(acts["fact_id"]),
        }  # fmt: skip
        later = national[(national["sector"] == sector) & (national["year"] >= year)
                         & (national["year"] <= year + max_gap)]  # fmt: skip
        near = later[later["year"] == later["year"].min()] if len(later) else later
        if near.empty:
            rows.append(base | dict.fromkeys(SUM_COLUMNS[11:], None))
            continue
        for nat in near.sort_values("fact_id", kind="stable").itertuples(index=False):
            value = float(nat.value)
            rows.append(base | {
                "national_fact_id": nat.fact_id, "national_indicator": nat.indicator, "national_kind": nat.kind,
                "national_year": int(nat.year), "year_gap": int(nat.year) - int(year),
                "national_value": value, "national_bound": nat.bound,
                "ratio": base["city_sum"] / value if value else None,
                "ratio_bound": ratio_bound(base["city_bound"], nat.bound) if value else None,
            })  # fmt: skip
    return pd.DataFrame(rows, columns=SUM_COLUMNS)


def leader_claims(roles: pd.DataFrame, statements: pd.DataFrame) -> pd.DataFrame:
    """How many cities claim (or are said) to lead each race: per sector, the places named, those whose chosen
    role is "leader" (of which stated, not inferred), and the places any source calls a leader.

    Args:
        roles: the chosen role per (sector, place) (Dataset.city_roles).
        statements: every source's role (Dataset.role_statements).

    Returns:
        One row per sector (sorted): sector, n_named, n_leaders, n_stated_leaders, leaders (';'-joined, sorted),
        n_leader_any_source, leaders_any_source.
    """
    rows = []
    for sector, group in roles.groupby("sector", sort=True):
        lead = group[group["role"] == "leader"]
        stated = lead["role_basis"].astype(str).str.startswith("stated")
        said = statements[(statements["sector"] == sector) & (statements["role"] == "leader")]
        any_lead = sorted(set(said["place"]))
        rows.append({
            "sector": sector, "n_named": group["place"].nunique(), "n_leaders": len(lead),
            "n_stated_leaders": int(stated.sum()), "leaders": ";".join(sorted(lead["place"])),
            "n_leader_any_source": len(any_lead), "leaders_any_source": ";".join(any_lead),
        })  # fmt: skip
    return pd.DataFrame(rows, columns=["sector", "n_named", "n_leaders", "n_stated_leaders", "leaders",
                                       "n_leader_any_source", "leaders_any_source"])  # fmt: skip


def concentration_by_year(scale_figures: pd.DataFrame) -> pd.DataFrame:
    """Concentration of the cities' money figures of industry size per sector, kind and year with two cities or
    more: the total, the largest city and its share, and the Herfindahl-Hirschman index (the sum of squared
    shares; 1/n when all are equal, 1 when one city holds everything). The bound is `sum_bound` of the figures:
    with any bound the shares are indicative only.

    Args:
        scale_figures: one figure per sector, city, kind and year (`city_scale_figures`, kinds concatenated).
    """
    rows = []
    for (sector, kind, year), group in scale_figures.groupby(["sector", "kind", "year"], sort=True):
        if len(group) < 2:
            continue
        total = float(group["value"].sum())
        shares = group["value"].astype(float) / total
        top = group.sort_values(["value", "place"], ascending=[False, True], kind="stable").iloc[0]
        rows.append({
            "sector": sector, "kind": kind, "year": int(year), "n_cities": len(group), "total": total,
            "bound": sum_bound(group["bound"]), "top_place": top["place"], "top_share": float(top["value"]) / total,
            "hhi": float((shares**2).sum()), "fact_ids": ";".join(group["fact_id"]),
        })  # fmt: skip
    return pd.DataFrame(rows, columns=["sector", "kind", "year", "n_cities", "total", "bound", "top_place",
                                       "top_share", "hhi", "fact_ids"])  # fmt: skip


# --- from a Dataset ------------------------------------------------------------------------------------------


def _figures(dataset: Dataset, sector: str | None, places: list[str] | None) -> pd.DataFrame:
    frame = dataset.observations
    if sector is not None:
        frame = frame[frame["sector"] == sector]
    if places:
        frame = frame[frame["place"].isin([*places, "china"])]
    return frame.reset_index(drop=True)


def denominators_for(
    dataset: Dataset, sector: str | None = None, places: list[str] | None = None
) -> pd.DataFrame:
    """`denominators` of the observations of `sector` (None: all) for `places` (None: all), with data/context.csv,
    followed by their `national_shares`."""
    figures = _figures(dataset, sector, places)
    return pd.concat(
        [denominators(figures, dataset.context, dataset.cities), national_shares(figures)], ignore_index=True
    )


def targets_against_national_for(
    dataset: Dataset, sector: str | None = None, places: list[str] | None = None
) -> pd.DataFrame:
    """`targets_against_national` of the observations of `sector` (None: all) for `places` (None: all); a copy
    of what is computed once per dataset object and arguments (a notebook's sections ask for it again)."""
    return _targets_against_national(dataset, sector, tuple(places) if places else ()).copy()


@per_dataset
def _targets_against_national(dataset: Dataset, sector: str | None, places: tuple[str, ...]) -> pd.DataFrame:
    """targets_against_national_for, once per dataset object and arguments (`places` empty: all)."""
    return targets_against_national(_figures(dataset, sector, list(places)), dataset.cities)


def leader_claims_for(dataset: Dataset, sectors: Iterable[str] | None = None) -> pd.DataFrame:
    """`leader_claims` of the dataset's roles, for `sectors` (None: every sector with roles)."""
    claims = leader_claims(dataset.city_roles, dataset.role_statements)
    return claims if sectors is None else claims[claims["sector"].isin(list(sectors))].reset_index(drop=True)


def concentration_for(
    dataset: Dataset, sector: str | None = None, places: list[str] | None = None
) -> pd.DataFrame:
    """`concentration_by_year` of the cities' targets and actuals of industry size."""
    figures = _figures(dataset, sector, places)
    both = [city_scale_figures(figures, dataset.cities, kind) for kind in ("actual", "target")]
    return concentration_by_year(pd.concat(both, ignore_index=True))


# --- for display ---------------------------------------------------------------------------------------------


def _result_text(
    value: float, bound: str, unit: str, labels: Labels, currency: str, cny_per_usd: float
) -> str:
    """A derived figure as a table cell, its bound first: "CNY 9,300" a head, "0.74%" of GDP, ">9.3" per million."""
    if unit == "cny_per_head":
        return format_figure(value, bound, "CNY", labels, currency, cny_per_usd)
    if unit in ("share_of_gdp", "share_of_national"):
        return f"{format_bound(bound)}{_significant(value * 100)}%"
    return f"{format_bound(bound)}{_significant(value)}"


def fact_ids(table: pd.DataFrame, dataset: Dataset) -> list[str]:
    """Every fact id a scale table uses (its `fact_id`, fact-valued `context_id`, and ';'-joined id columns), in
    first-use order: what `sink.save_table` cites. Context ids (data/context.csv) are not facts; the display
    tables name them and their sources in columns of their own."""
    known = set(dataset.facts["fact_id"])
    ids: list[str] = []
    for column in (
        "fact_id",
        "context_id",
        "city_fact_ids",
        "actual_fact_ids",
        "national_fact_id",
        "fact_ids",
    ):
        if column in table.columns:
            for cell in table[column].dropna():
                ids += [part for part in str(cell).split(";") if part in known]
    return list(dict.fromkeys(ids))


DENOMINATOR_ORDER: tuple[str, ...] = ("resident_population", "gdp", "national")


def denominators_table(
    frame: pd.DataFrame,
    dataset: Dataset,
    labels: Labels,
    currency: str = "CNY",
    cny_per_usd: float | None = None,
) -> pd.DataFrame:
    """`denominators_for` for display, one row per figure, headers and units in the label language: the figure
    with its bound; per resident, per GDP and as a share of the national figure, each with its bound and unit
    and beside it the denominator, its year and the gap; then the fact id, the denominators' ids and where the
    context figures come from (source and paragraph)."""
    context = dataset.context.set_index("context_id")
    money = {"currency": currency, "cny_per_usd": cny_per_usd}
    rows = []
    for fact_id, group in frame.groupby("fact_id", sort=False):
        first = group.iloc[0]
        place = labels.city(first["place"])
        if first["district_en"]:
            place = (
                f"{place} ({labels.district(fact_id)})"
                if labels.lang == "en"
                else f"{place}（{labels.district(fact_id)}）"
            )
        row = {
            labels("sc_col_place"): place,
            labels("sc_col_figure"): labels.localise_source(first["label_en"], first["label_zh"]),
            labels("sc_col_kind"): labels.kind(first["kind"]),
            labels("sc_col_year"): int(first["year"]),
            labels("sc_col_value"): format_figure(
                first["value"], first["bound"], first["unit"], labels, **money
            ),
        }
        sources = []
        by_denominator = group.set_index("denominator")
        for denominator in DENOMINATOR_ORDER:
            result_key, base_key = labels(f"sc_col_per_{denominator}"), labels(f"sc_col_base_{denominator}")
            if denominator not in by_denominator.index:
                row[result_key], row[base_key] = "", ""
                continue
            d = by_denominator.loc[denominator]
            value = _result_text(
                d["result"], d["result_bound"], d["result_unit"], labels, currency, cny_per_usd
            )
            row[result_key] = labels("sc_cell", value=value, unit=labels(f"sc_unit_{d['result_unit']}"))
            unit = {"gdp": "CNY", "resident_population": "count"}.get(denominator, d["unit"])
            row[base_key] = labels(
                "sc_den_cell", value=format_figure(d["context_value"], d["context_bound"], unit, labels, **money),
                year=int(d["context_year"]), gap=int(d["year_gap"]),
            )  # fmt: skip
            if denominator != "national":
                cited = context.loc[d["context_id"]]
                located = (
                    "" if pd.isna(cited["locator"]) else f" {labels('paragraph')}{int(cited['locator'])}"
                )
                sources.append(f"{cited['source_id']}{located}")
        row[labels("fact_id")] = fact_id
        row[labels("sc_col_denominator_id")] = "; ".join(group["context_id"])
        row[labels("sc_col_denominator_source")] = "; ".join(dict.fromkeys(sources))
        rows.append(row)
    return pd.DataFrame(rows)


def targets_table(
    frame: pd.DataFrame, labels: Labels, currency: str = "CNY", cny_per_usd: float | None = None
) -> pd.DataFrame:
    """`targets_against_national_for` for display, headers in the label language."""

    def money(value, bound) -> str:
        return "" if value is None or pd.isna(value) else format_figure(value, bound, "CNY", labels, currency,
                                                                          cny_per_usd)  # fmt: skip

    rows = []
    for row in frame.itertuples(index=False):
        has_national = isinstance(row.national_fact_id, str)
        rows.append({
            labels("sc_col_sector"): labels.sector(row.sector),
            labels("sc_col_year"): row.year,
            labels("sc_col_cities"): "、".join(labels.city(p) for p in row.places.split(";"))
            if labels.lang != "en" else ", ".join(labels.city(p) for p in row.places.split(";")),
            labels("sc_col_city_sum"): money(row.city_sum, row.city_bound),
            labels("sc_col_indicators"): row.n_indicators,
            labels("sc_col_actual_sum"): money(row.actual_sum, row.actual_bound),
            labels("sc_col_national"): labels("sc_national_cell", figure=money(row.national_value, row.national_bound),
                                              kind=labels.kind(row.national_kind), year=int(row.national_year))
            if has_national else labels("sc_no_national"),
            labels("sc_col_ratio"): format_figure(row.ratio, row.ratio_bound, "multiple", labels)
            if has_national and row.ratio is not None else "",
            labels("sc_col_city_facts"): row.city_fact_ids,
            labels("sc_col_national_fact"): row.national_fact_id if has_national else "",
        })  # fmt: skip
    return pd.DataFrame(rows)


def leaders_table(frame: pd.DataFrame, labels: Labels) -> pd.DataFrame:
    """`leader_claims_for` for display, headers in the label language."""
    join = ", " if labels.lang == "en" else "、"

    def names(cell: str) -> str:
        return join.join(labels.city(p) for p in cell.split(";") if p)

    return pd.DataFrame([{
        labels("sc_col_sector"): labels.sector(r.sector), labels("sc_col_named"): r.n_named,
        labels("sc_col_leaders"): r.n_leaders, labels("sc_col_stated"): r.n_stated_leaders,
        labels("sc_col_leader_names"): names(r.leaders), labels("sc_col_leaders_any"): r.n_leader_any_source,
        labels("sc_col_leader_any_names"): names(r.leaders_any_source),
    } for r in frame.itertuples(index=False)])  # fmt: skip


def concentration_table(
    frame: pd.DataFrame, labels: Labels, currency: str = "CNY", cny_per_usd: float | None = None
) -> pd.DataFrame:
    """`concentration_for` for display, headers in the label language."""
    return pd.DataFrame([{
        labels("sc_col_sector"): labels.sector(r.sector), labels("sc_col_kind"): labels.kind(r.kind),
        labels("sc_col_year"): r.year, labels("sc_col_n_cities"): r.n_cities,
        labels("sc_col_total"): format_figure(r.total, r.bound, "CNY", labels, currency, cny_per_usd),
        labels("sc_col_top"): labels.city(r.top_place), labels("sc_col_top_share"): format_fraction(r.top_share),
        labels("sc_col_hhi"): f"{r.hhi:.2f}",
    } for r in frame.itertuples(index=False)])  # fmt: skip


def roles_cited(dataset: Dataset, sectors: Iterable[str]) -> list[tuple[str, str]]:
    """The (sector, place) pairs of the chosen roles of `sectors`, for a table that counts them."""
    roles = dataset.city_roles[dataset.city_roles["sector"].isin(list(sectors))]
    return list(zip(roles["sector"], roles["place"], strict=True))


# --- what the sources can and cannot say ---------------------------------------------------------------------


def capacity_count(dataset: Dataset, sector: str) -> tuple[int, int]:
    """(capacity or production observations, utilisation-like share observations) of `sector`: the figures a
    statement about overcapacity would need. A utilisation figure is a share whose indicator names utilisation."""
    obs = dataset.observations[dataset.observations["sector"] == sector]
    capacity = obs["measure"].isin(["capacity", "production"]).sum()
    utilisation = ((obs["measure"] == "share") & obs["indicator"].str.contains("utili", na=False)).sum()
    return int(capacity), int(utilisation)


def add_up_lines(
    dataset: Dataset,
    labels: Labels,
    sector: str,
    places: list[str] | None = None,
    currency: str = "CNY",
    cny_per_usd: float | None = None,
) -> list[str]:
    """The printed sentences of a sector's "do the targets add up?": how many cities are called leaders; the
    largest sum of city targets against a national figure of the same year (or that there is none); and what
    the sources cannot say about duplication and overcapacity. Every number comes from the data."""
    name = labels.sector(sector)
    lines = []
    claims = leader_claims_for(dataset, [sector])
    if claims.empty:
        lines.append(labels("sc_line_no_roles", sector=name))
    else:
        c = claims.iloc[0]
        lines.append(labels("sc_line_leaders", sector=name, n_named=int(c.n_named), n_leaders=int(c.n_leaders),
                            n_any=int(c.n_leader_any_source)))  # fmt: skip
    sums = targets_against_national_for(dataset, sector, places)
    compared = sums[sums["national_fact_id"].notna()] if len(sums) else sums
    if len(compared):
        best = compared.sort_values(["ratio", "year"], ascending=[False, True], kind="stable").iloc[0]
        lines.append(labels(
            "sc_line_sum" if int(best.year_gap) == 0 else "sc_line_sum_later", n=int(best.n_cities), year=int(best.year),
            total=format_figure(best.city_sum, best.city_bound, "CNY", labels, currency, cny_per_usd),
            national=format_figure(best.national_value, best.national_bound, "CNY", labels, currency, cny_per_usd),
            kind=labels.kind(best.national_kind), national_year=int(best.national_year),
            ratio=format_figure(best.ratio, best.ratio_bound, "multiple", labels),
        ))  # fmt: skip
    elif len(sums):
        lines.append(labels("sc_line_sum_none", n_years=sums["year"].nunique(), gap=TARGET_YEAR_GAP,
                            n_cities=len(set(";".join(sums["places"]).split(";")))))  # fmt: skip
    else:
        lines.append(labels("sc_line_no_targets", sector=name))
    capacity, utilisation = capacity_count(dataset, sector)
    lines.append(labels("sc_line_cannot", n_capacity=capacity, n_utilisation=utilisation))
    return lines


def overview_lines(
    dataset: Dataset, labels: Labels, sectors: Iterable[str], places: list[str] | None = None
) -> list[str]:
    """One sentence for notebook 07: in how many races a sum of city targets meets a national figure of the same
    year, in how many it exceeds it as a lower bound, and how many races name more than one leader."""
    sectors = list(sectors)
    sums = targets_against_national_for(dataset, None, places)
    compared = sums[sums["national_fact_id"].notna() & sums["sector"].isin(sectors)]
    over = compared[(compared["ratio"] > 1) & compared["ratio_bound"].isin(["=", ">="])]
    claims = leader_claims_for(dataset, sectors)
    return [labels("sc_line_overview", n_sectors=len(sectors), n_compared=compared["sector"].nunique(),
                   n_over=over["sector"].nunique(), n_multi=int((claims["n_leaders"] > 1).sum()))]  # fmt: skip


# --- the notebook sections -------------------------------------------------------------------------------------


def _save(
    session, table: pd.DataFrame, name: str, caption: str, ids: list[str], roles=()
) -> pd.DataFrame | None:
    if table.empty or (not ids and not roles):
        return None
    return session.sink.save_table(table, name, caption, ids, roles=list(roles))


def sector_section(session, sector: str, cities: list[str] | None = None) -> list[pd.DataFrame]:
    """The section "Per head, per GDP and national shares; do the targets add up?" of a sector notebook: prints
    what the data support, saves the tables that have rows through the session's sink (with their fact ids, or
    the city roles they count) and returns them for display. A sector with no data prints why, from labels."""
    ds, labels = session.dataset, session.labels
    money = {"currency": session.currency, "cny_per_usd": session.cny_per_usd}
    shown: list[pd.DataFrame] = []
    per_head = denominators_for(ds, sector, cities)
    if per_head.empty:
        print(labels("sc_line_no_denominators", sector=labels.sector(sector), gap=MAX_YEAR_GAP))
    else:
        print(labels("sc_line_denominators", n=per_head["fact_id"].nunique(), n_places=per_head["place"].nunique(),
                     max_gap=int(per_head["year_gap"].max())))  # fmt: skip
        table = denominators_table(per_head, ds, labels, **money)
        shown.append(_save(session, table, f"sc_{sector}_per_head", labels("sc_cap_denominators"),
                           fact_ids(per_head, ds)))  # fmt: skip
    sums = targets_against_national_for(ds, sector, cities)
    if len(sums):
        shown.append(_save(session, targets_table(sums, labels, **money), f"sc_{sector}_targets",
                           labels("sc_cap_targets"), fact_ids(sums, ds)))  # fmt: skip
    claims = leader_claims_for(ds, [sector])
    shown.append(_save(session, leaders_table(claims, labels), f"sc_{sector}_leaders", labels("sc_cap_leaders"), [],
                       roles_cited(ds, [sector])))  # fmt: skip
    concentration = concentration_for(ds, sector, cities)
    if len(concentration):
        shown.append(_save(session, concentration_table(concentration, labels, **money),
                           f"sc_{sector}_concentration", labels("sc_cap_concentration"),
                           fact_ids(concentration, ds)))  # fmt: skip
    print("\n".join(add_up_lines(ds, labels, sector, cities, **money)))
    return [t for t in shown if t is not None]


def synthesis_section(session, cities: list[str] | None = None) -> list[pd.DataFrame]:
    """Section 8 of notebook 07: the six races side by side (targets against national figures, leaders claimed,
    concentration), saved through the sink and returned for display, with the overview line printed."""
    ds, labels = session.dataset, session.labels
    money = {"currency": session.currency, "cny_per_usd": session.cny_per_usd}
    sectors = list(ds.sectors["sector_id"])
    print(overview_lines(ds, labels, sectors, cities)[0])
    sums = targets_against_national_for(ds, None, cities)
    claims = leader_claims_for(ds, sectors)
    concentration = concentration_for(ds, None, cities)
    shown = [
        _save(session, targets_table(sums, labels, **money), "sc_targets_all", labels("sc_cap_targets"),
              fact_ids(sums, ds)),
        _save(session, leaders_table(claims, labels), "sc_leaders_all", labels("sc_cap_leaders"), [],
              roles_cited(ds, sectors)),
        _save(session, concentration_table(concentration, labels, **money), "sc_concentration_all",
              labels("sc_cap_concentration"), fact_ids(concentration, ds)),
    ]  # fmt: skip
    return [t for t in shown if t is not None]

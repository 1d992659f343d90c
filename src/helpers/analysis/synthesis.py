"""Synthesis of the six sectors for notebook 07: the city x sector matrix, regions, concentration and
specialisation of presence in the sources, every money figure on one page, the plan-target tracker and findings.

Raw functions return frames keyed by ids (place, sector, fact ids) and are unit-tested by hand; `*_table`
functions localise them for display; `figure_*` functions draw them. The composite index is helpers.index.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from helpers.analysis import tracker as tracking
from helpers.analysis.common import wrap_label
from helpers.data import MONEY_MEASURES, PACKAGE_KINDS, ROLES, Dataset, per_dataset
from helpers.i18n import Labels
from helpers.indicators import (
    convert_money,
    project,
    years_left,
)
from helpers.plots import (
    KIND_MARKERS,
    MEASURE_COLOURS,
    OTHER_MONEY_COLOUR,
    ROLE_COLOURS,
    bound_legend_handles,
    new_figure,
    no_data_figure,
    plot_bounded_points,
)
from helpers.quantity import format_bound
from helpers.selection import as_of_year
from helpers.tables import format_figure, landscape_table, unit_name

NATIONAL = "china"  # national figures: never a city
REGION_ORDER: tuple[str, ...] = (
    "yangtze_river_delta", "greater_bay_area", "beijing_tianjin_hebei", "chengdu_chongqing", "other",
)  # fmt: skip
MONEY_GROUPS: tuple[str, ...] = (
    "market_size", "industry_scale", "industrial_output", "revenue", "investment", "other_money", "target",
)  # fmt: skip
MONEY_PER_GROUP = 6  # the money figure draws the largest figures of each group; its table lists them all
TOP_K = 3  # top-k share of presence
TIMELINE_END = 2035  # the tracker's timeline runs from the latest source's year to 2035 (or a later horizon)
LQ_MIN_SECTORS = 2  # specialisation findings only for cities named in at least this many sectors
SECTOR_COLOURS: tuple[str, ...] = ("#1b4f72", "#b9770e", "#117864", "#7d3c98", "#943126", "#5d6d7e")


# --- selection ----------------------------------------------------------------------------------------------


def sector_ids(dataset: Dataset) -> list[str]:
    """The six sector ids in data/sectors.csv order."""
    return list(dataset.sectors.sort_values("order")["sector_id"])


def named_places(dataset: Dataset, cities: Sequence[str] | None = None) -> list[str]:
    """Cities the sources name in at least one sector (data/cities.csv order), only `cities` when given."""
    named = set(dataset.city_roles["place"]) - {NATIONAL}
    return [p for p in dataset.cities["place_id"] if p in named and (not cities or p in cities)]


def fact_ids_for(dataset: Dataset, places: Sequence[str], kinds: Sequence[str] | None = None) -> list[str]:
    """Ids of the facts about `places` (optionally of some kinds), in file order."""
    facts = dataset.observations[dataset.observations["place"].isin(list(places))]  # each figure once
    if kinds is not None:
        facts = facts[facts["kind"].isin(list(kinds))]
    return list(facts["fact_id"])


def citation(dataset: Dataset, places: Sequence[str], kinds: Sequence[str] | None = None) -> list[str]:
    """Fact ids to cite for an output about `places`: their facts (of `kinds` when given); failing that, the
    facts of the paragraphs where the sources name them; failing that, every fact (the output then says
    that the chosen cities have no data, and the citation names what was searched).

    Outputs drawn from data/city_roles.csv rows cite those too: pass `helpers.tables.role_pairs(...)` as the
    sink's `roles=`.
    """
    own = fact_ids_for(dataset, places, kinds)
    if own:
        return own
    paragraphs = set(dataset.city_roles.loc[dataset.city_roles["place"].isin(list(places)), "locator"])
    nearby = list(dataset.facts.loc[dataset.facts["locator"].isin(paragraphs), "fact_id"])
    return nearby or list(dataset.facts["fact_id"])


def join_names(names: Sequence[str], labels: Labels) -> str:
    """Names joined as the label language writes a list: "A, B and C" / "A、B和C"."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    if labels.lang == "en":
        return ", ".join(names[:-1]) + " and " + names[-1]
    return "、".join(names[:-1]) + labels("syn_and") + names[-1]


# --- city x sector ------------------------------------------------------------------------------------------


def role_matrix(dataset: Dataset, cities: Sequence[str] | None = None) -> pd.DataFrame:
    """Role of every named city in each sector ("" where the sources do not name it there).

    Returns:
        Index `place` (named_places order), one column per sector id in sector order.
    """
    places = named_places(dataset, cities)
    matrix = pd.DataFrame("", index=pd.Index(places, name="place"), columns=sector_ids(dataset))
    for row in dataset.city_roles.itertuples():
        if row.place in matrix.index:
            matrix.loc[row.place, row.sector] = row.role
    return matrix


def breadth(dataset: Dataset, cities: Sequence[str] | None = None) -> pd.DataFrame:
    """How broadly each city is placed: sectors named, roles by kind and figures the sources give.

    Returns:
        Index `place`, most sectors first (then most leader roles, then data/cities.csv order); columns
        `region`, `n_sectors`, one count per role in ROLES order, `n_facts` (every fact about the city,
        districts included, any kind).
    """
    matrix = role_matrix(dataset, cities)
    regions = dataset.cities.set_index("place_id")["region"]
    table = pd.DataFrame(index=matrix.index)
    table["region"] = [regions[p] for p in matrix.index]
    table["n_sectors"] = (matrix != "").sum(axis=1).astype(int)
    for role in ROLES:
        table[role] = (matrix == role).sum(axis=1).astype(int)
    table["n_facts"] = [len(fact_ids_for(dataset, [p])) for p in matrix.index]
    order = np.lexsort((np.arange(len(table)), -table["leader"].to_numpy(), -table["n_sectors"].to_numpy()))
    return table.iloc[order]


def region_summary(dataset: Dataset, cities: Sequence[str] | None = None) -> pd.DataFrame:
    """Named cities, city-sector pairs and roles per region cluster.

    Returns:
        Index `region` (REGION_ORDER, only regions with a named city); columns `n_cities`, `n_pairs`
        (city-sector pairs), one count per role, `n_sectors` (distinct sectors the region's cities cover),
        `n_facts`.
    """
    matrix = role_matrix(dataset, cities)
    table = breadth(dataset, cities)
    rows = []
    for region in REGION_ORDER:
        places = list(table.index[table["region"] == region])
        if not places:
            continue
        covered = int((matrix.loc[places] != "").any(axis=0).sum())
        rows.append([region, len(places), int(table.loc[places, "n_sectors"].sum())]
                    + [int(table.loc[places, role].sum()) for role in ROLES]
                    + [covered, int(table.loc[places, "n_facts"].sum())])  # fmt: skip
    columns = ["region", "n_cities", "n_pairs", *ROLES, "n_sectors", "n_facts"]
    return pd.DataFrame(rows, columns=columns).set_index("region")


# --- concentration and specialisation -------------------------------------------------------------------------


def presence(dataset: Dataset, cities: Sequence[str] | None = None) -> pd.DataFrame:
    """Items of the sources per city and sector: 1 where the sources name the city in the sector, plus 1 for each
    figure they give about it there (districts counted for their city).

    A count of what the sources say, and so a proxy for the attention a city gets in each race, not for
    the size of its industry.

    Returns:
        Index `place` (named_places order), one int column per sector id.
    """
    matrix = role_matrix(dataset, cities)
    counts = (matrix != "").astype(int)
    facts = dataset.observations[dataset.observations["place"].isin(list(matrix.index))]  # each figure once
    for fact in facts.itertuples():
        counts.loc[fact.place, fact.sector] += 1
    return counts


def hhi(values: Sequence[float]) -> float:
    """Herfindahl-Hirschman index: the sum of squared shares, from 1/n (n equal players) to 1 (one player).

    Raises:
        ValueError: no positive value.
    """
    array = np.asarray(values, dtype=float)
    if array.sum() <= 0:
        raise ValueError("hhi needs at least one positive value")
    shares = array / array.sum()
    return float((shares**2).sum())


def top_k_share(values: Sequence[float], k: int = TOP_K) -> float:
    """Share of the total held by the `k` largest values (all of it when there are k or fewer).

    Raises:
        ValueError: no positive value, or k < 1.
    """
    array = np.sort(np.asarray(values, dtype=float))[::-1]
    if array.sum() <= 0 or k < 1:
        raise ValueError(f"top_k_share needs a positive total and k >= 1; got {array.sum()} and {k}")
    return float(array[:k].sum() / array.sum())


def concentration(counts: pd.DataFrame, k: int = TOP_K) -> pd.DataFrame:
    """Concentration of presence per sector among the cities in `counts` (see `presence`).

    Returns:
        Index `sector` (only sectors with a named city); columns `n_cities`, `n_items`, `hhi`, `hhi_equal`
        (1/n: the HHI if every named city had equal presence), `effective_cities` (1/HHI), `top_places`
        (the cities with the most items, ";"-joined when tied), `top_share` (one city's share), `top_k_share`.
    """
    rows = []
    for sector in counts.columns:
        column = counts[sector][counts[sector] > 0]
        if column.empty:
            continue
        top = column[column == column.max()].index
        rows.append((sector, len(column), int(column.sum()), hhi(column), 1 / len(column), 1 / hhi(column),
                     ";".join(top), float(column.max() / column.sum()), top_k_share(column, k)))  # fmt: skip
    columns = ["sector", "n_cities", "n_items", "hhi", "hhi_equal", "effective_cities", "top_places", "top_share",
               "top_k_share"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns).set_index("sector")


def specialisation(counts: pd.DataFrame) -> pd.DataFrame:
    """Location-quotient analogue of presence: (city's items in the sector / city's items in all sectors)
    divided by (all cities' items in the sector / all items). Above 1: the city's presence leans towards
    that sector more than the cities' presence as a whole does; 0: not named there.

    Returns:
        Same shape as `counts`; NaN for a sector no city in `counts` is present in.
    """
    total = counts.to_numpy().sum()
    if total == 0:
        return counts.astype(float) * np.nan
    city_share = counts.div(counts.sum(axis=1).where(counts.sum(axis=1) > 0), axis=0)
    sector_share = counts.sum(axis=0) / total
    return city_share.div(sector_share.where(sector_share > 0), axis=1)


# --- money ---------------------------------------------------------------------------------------------------


def money_facts(dataset: Dataset, cities: Sequence[str] | None = None) -> pd.DataFrame:
    """Every monetary figure (unit CNY), with its group: its measure for actuals and forecasts, "target" for
    targets. National figures are kept whatever `cities` says (they are not a city's).

    Returns:
        The facts rows plus `group`, ordered by MONEY_GROUPS, then value (largest first), then file order.
    """
    facts = dataset.observations[dataset.observations["unit"] == "CNY"].copy()
    if cities:
        facts = facts[facts["place"].isin([*cities, NATIONAL])]
    facts["group"] = [
        ("target" if k == "target" else m if m in MONEY_GROUPS else "other_money")
        for k, m in zip(facts["kind"], facts["measure"], strict=True)
    ]
    unknown = set(facts["group"]) - set(MONEY_GROUPS)
    if unknown:
        raise ValueError(f"money figures of measure(s) {sorted(unknown)} have no group in MONEY_GROUPS")
    facts["_group"] = [MONEY_GROUPS.index(g) for g in facts["group"]]
    facts["_file"] = range(len(facts))
    facts = facts.sort_values(["_group", "value", "_file"], ascending=[True, False, True], kind="stable")
    return facts.drop(columns=["_group", "_file"]).reset_index(drop=True)


# --- plan-target tracker -------------------------------------------------------------------------------------


def target_tracker(
    dataset: Dataset, cities: Sequence[str] | None = None, as_of: int | None = None,
    cny_per_usd: float | None = None,
) -> pd.DataFrame:  # fmt: skip
    """Every target and forecast of the sources with the years left, its baseline, the growth it requires and
    the growth the sources observed (helpers.analysis.tracker).

    A baseline is the latest actual of the same place, district, indicator and unit (money converted at
    `cny_per_usd`, default the stated assumption) dated before the target's year, from any source. Status
    codes: "no_year" (no target year printed), "milestone" (a dated goal with no quantity to grow),
    "no_baseline" (`baseline_reason` says why: tracker.REASONS), "no_rate" (a baseline but no earlier actual
    to observe a growth from), "on_track" / "off_track" / "undecided" (observed against required growth with
    their bounds: tracker.verdict), "forecast" (a forecast: the sources' own trajectory).
    Years left count from `as_of` (default: the latest source's year, helpers.selection.as_of_year).

    Returns:
        One row per fact, by year (no year last), then sector order, then file order: `fact_id`, `place`,
        `sector`, `kind`, `measure`, `year`, `is_year_implied`, `years_left`, `baseline_fact`,
        `baseline_reason`, `required_growth`, `required_bound` (the bound of target / baseline),
        `observed_growth`, `observed_bound`, `observed_fact` (the earliest actual it runs from), `status`.
    """
    as_of = as_of_year(dataset) if as_of is None else as_of
    rate = dataset.assumptions["exchange_rate"]["cny_per_usd"] if cny_per_usd is None else cny_per_usd
    table = _every_target(dataset, as_of, rate)
    if cities:  # a fact's row does not depend on the others, and the order of a subset is kept
        table = table[table["place"].isin([*cities, NATIONAL])]
        if table.empty:
            return pd.DataFrame(columns=TRACKER_COLUMNS)
    return table.reset_index(drop=True).copy()


TRACKER_COLUMNS: list[str] = ["fact_id", "place", "sector", "kind", "measure", "year", "is_year_implied",
                              "years_left", "baseline_fact", "baseline_reason", "required_growth",
                              "required_bound", "observed_growth", "observed_bound", "observed_fact",
                              "status"]  # fmt: skip


@per_dataset
def _every_target(dataset: Dataset, as_of: int, rate: float) -> pd.DataFrame:
    """target_tracker of every place, computed once per dataset object, as-of year and rate (the observations
    indexed by series once for all targets): the city profiles ask for one place at a time. Callers get
    copies."""
    columns = TRACKER_COLUMNS
    observations = dataset.observations
    facts = observations[observations["kind"].isin(["target", "forecast"])]
    index = tracking.series_index(observations)
    rows = []
    for _, fact in facts.iterrows():
        has_year = not pd.isna(fact["year"])
        row = dict.fromkeys(columns, "") | {
            "fact_id": fact["fact_id"], "place": fact["place"], "sector": fact["sector"], "kind": fact["kind"],
            "measure": fact["measure"], "year": int(fact["year"]) if has_year else None,
            "is_year_implied": str(fact["year_note"]).startswith("implied"),
            "years_left": years_left(int(fact["year"]), as_of) if has_year else None,
        }  # fmt: skip
        rows.append(row | tracking.track(observations, fact, rate, index))
    if not rows:
        return pd.DataFrame(columns=columns)
    table = pd.DataFrame(rows, columns=columns)
    sector_order = table["sector"].map({s: i for i, s in enumerate(sector_ids(dataset))})
    order = np.lexsort(
        (np.arange(len(table)), sector_order, pd.to_numeric(table["year"]).fillna(9999).to_numpy())
    )
    table = table.iloc[order].reset_index(drop=True)
    table["year"] = table["year"].astype("Int64")
    table["years_left"] = table["years_left"].astype("Int64")
    return table


def forecast_projection(dataset: Dataset, tracker: pd.DataFrame, multiplier: float, horizon_year: int):
    """Continue the first forecast with a baseline beyond its year at `multiplier` times its implied rate.

    Returns:
        None when the tracker has no such forecast or the horizon is not after the forecast's year; else a
        dict with `fact_id`, `baseline_fact`, `base_year`, `rate` (implied from the baseline to the forecast),
        `scenario_rate`, `start_year` (the forecast's year), `horizon_year` and `value` (in the fact's unit) at
        the horizon.
    """
    rows = tracker[(tracker["status"] == "forecast") & tracker["required_growth"].notna()]
    if rows.empty:
        return None
    row = rows.iloc[0]
    fact = dataset.observations.set_index("fact_id").loc[row["fact_id"]]
    if horizon_year <= int(fact["year"]):
        return None
    rate = float(row["required_growth"])
    path = project(float(fact["value"]), rate * multiplier, int(fact["year"]), horizon_year)
    base_year = int(dataset.facts.set_index("fact_id").loc[row["baseline_fact"], "year"])
    return {"fact_id": row["fact_id"], "baseline_fact": row["baseline_fact"], "base_year": base_year, "rate": rate,
            "scenario_rate": rate * multiplier, "start_year": int(fact["year"]), "horizon_year": horizon_year,
            "value": float(path.iloc[-1])}  # fmt: skip


def all_landscapes(dataset: Dataset, labels: Labels, currency: str = "CNY", cny_per_usd: float = 7.19,
                   cities: Sequence[str] | None = None) -> pd.DataFrame:  # fmt: skip
    """helpers.tables.landscape_table of every sector, one after the other, with a sector column first."""
    parts = []
    for sector in sector_ids(dataset):
        part = landscape_table(dataset, sector, labels, currency, cny_per_usd, list(cities or []) or None)
        part.insert(0, labels("sector"), labels.sector(sector))
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _ordered_counts(values: pd.Series) -> list[tuple[str, int]]:
    """(value, count) pairs, the most frequent first, ties by value."""
    counts = values.value_counts()
    return [
        (name, int(counts[name])) for name in sorted(counts.index, key=lambda name: (-counts[name], name))
    ]


def sources_sentence(dataset: Dataset, source_ids: Sequence[str], labels=None) -> str:
    """What the sources behind `source_ids` are, in one sentence for a notebook's prose: how many (the
    package's own reference and assumption files left out), of which kinds (data/sources.csv `kind`), and
    how many derive from another source (`derived_from`, counted by `relation`).

    Example: "2 sources (news 2); 1 derives from another source (compiles 1), 1 is an independent origin."
    With `labels` (helpers.i18n.Labels) the sentence is in their language, kinds and relations translated.

    Raises:
        KeyError: an id that is not in data/sources.csv.
    """
    wanted = list(dict.fromkeys(source_ids))
    known = dataset.sources.set_index("source_id")
    unknown = [s for s in wanted if s not in known.index]
    if unknown:
        raise KeyError(f"source ids not in data/sources.csv (column source_id): {unknown}")
    rows = known.loc[wanted]
    rows = rows[~rows["kind"].isin(PACKAGE_KINDS)]
    if rows.empty:
        return labels("cl_sources_none") if labels is not None else (
            "no source (only the package's own reference data and assumptions)")  # fmt: skip

    def counted(values: pd.Series) -> str:
        counts = values.value_counts()
        order = sorted(counts.index, key=lambda name: (-counts[name], name))
        return ", ".join(f"{name} {counts[name]}" for name in order)

    derived = rows[rows["derived_from"].fillna("").astype(str) != ""]
    n, n_derived, n_origins = len(rows), len(derived), len(rows) - len(derived)
    if labels is not None:  # the same sentence through the labels, kinds and relations in the label language
        kinds = ", ".join(f"{labels(f'cl_source_kind_{k}')} {v}" for k, v in _ordered_counts(rows["kind"]))
        relations = ", ".join(
            f"{labels(f'cl_relation_{k}')} {v}" for k, v in _ordered_counts(derived["relation"])
        )
        text = labels("cl_sources_count_one" if n == 1 else "cl_sources_count", n=n, kinds=kinds)
        if n_derived:
            text += labels("cl_sources_derived_one" if n_derived == 1 else "cl_sources_derived", n=n_derived,
                           relations=relations)  # fmt: skip
        else:
            text += labels("cl_sources_derived_none")
        return text + labels(
            "cl_sources_origins_one" if n_origins == 1 else "cl_sources_origins", n=n_origins
        )
    text = f"{n} source{'' if n == 1 else 's'} ({counted(rows['kind'])}); "
    if n_derived:
        verb = "derives" if n_derived == 1 else "derive"
        text += f"{n_derived} {verb} from another source ({counted(derived['relation'])}), "
    else:
        text += "none derives from another source, "
    origins = "is an independent origin" if n_origins == 1 else "are independent origins"
    return text + f"{n_origins} {origins}."


# --- display tables ------------------------------------------------------------------------------------------


def percent(value: float, digits: int = 1) -> str:
    """A rate as a percentage: 0.2036 -> "20.4%"."""
    return f"{value * 100:.{digits}f}%"


def matrix_table(dataset: Dataset, labels: Labels, cities: Sequence[str] | None = None) -> pd.DataFrame:
    """The city x sector matrix for display: role names in each cell, then the breadth columns."""
    matrix, table = role_matrix(dataset, cities), breadth(dataset, cities)
    out = pd.DataFrame({labels("city"): [labels.city(p) for p in table.index],
                        labels("region"): [labels.region(r) for r in table["region"]]})  # fmt: skip
    for sector in matrix.columns:
        out[labels.sector(sector)] = [labels.role(matrix.loc[p, sector]) if matrix.loc[p, sector] else ""
                                      for p in table.index]  # fmt: skip
    out[labels("syn_n_sectors")] = list(table["n_sectors"])
    out[labels("syn_n_leader")] = list(table["leader"])
    out[labels("syn_n_facts")] = list(table["n_facts"])
    return out


def region_table(summary: pd.DataFrame, labels: Labels) -> pd.DataFrame:
    """`region_summary` for display."""
    out = pd.DataFrame({labels("region"): [labels.region(r) for r in summary.index]})
    out[labels("syn_n_cities")] = list(summary["n_cities"])
    out[labels("syn_n_pairs")] = list(summary["n_pairs"])
    for role in ROLES:
        out[labels.role(role)] = list(summary[role])
    out[labels("syn_n_sectors_covered")] = list(summary["n_sectors"])
    out[labels("syn_n_facts")] = list(summary["n_facts"])
    return out


def concentration_table(table: pd.DataFrame, labels: Labels, k: int = TOP_K) -> pd.DataFrame:
    """`concentration` for display, numbers rounded to three decimals."""
    return pd.DataFrame({
        labels("sector"): [labels.sector(s) for s in table.index],
        labels("syn_n_cities"): list(table["n_cities"]),
        labels("syn_n_items"): list(table["n_items"]),
        labels("syn_hhi"): [round(v, 3) for v in table["hhi"]],
        labels("syn_hhi_equal"): [round(v, 3) for v in table["hhi_equal"]],
        labels("syn_effective_cities"): [round(v, 2) for v in table["effective_cities"]],
        labels("syn_top_city"): [join_names([labels.city(p) for p in t.split(";")], labels) for t in table["top_places"]],
        labels("syn_top_share"): [percent(v) for v in table["top_share"]],
        labels("syn_top_k_share", k=k): [percent(v) for v in table["top_k_share"]],
    })  # fmt: skip


def specialisation_table(counts: pd.DataFrame, quotients: pd.DataFrame, labels: Labels) -> pd.DataFrame:
    """Presence and location quotient per city and sector, long format, present pairs only, largest LQ first."""
    rows = []
    for place in counts.index:
        for sector in counts.columns:
            if counts.loc[place, sector] > 0:
                rows.append((place, sector, int(counts.loc[place, sector]), int(counts.loc[place].sum()),
                             float(quotients.loc[place, sector])))  # fmt: skip
    frame = pd.DataFrame(rows, columns=["place", "sector", "items", "city_items", "lq"])
    frame = frame.sort_values("lq", ascending=False, kind="stable")
    return pd.DataFrame({
        labels("city"): [labels.city(p) for p in frame["place"]],
        labels("sector"): [labels.sector(s) for s in frame["sector"]],
        labels("syn_n_items"): list(frame["items"]),
        labels("syn_city_items"): list(frame["city_items"]),
        labels("syn_lq"): [round(v, 2) for v in frame["lq"]],
    })  # fmt: skip


def tracker_table(dataset: Dataset, tracker: pd.DataFrame, labels: Labels, currency: str = "CNY",
                  cny_per_usd: float = 7.19) -> pd.DataFrame:  # fmt: skip
    """`target_tracker` for display: names, the target with its bound, baseline (or why there is none),
    required and observed growth with their bounds, and the verdict."""
    facts = dataset.facts.set_index("fact_id")

    def figure(fact_id: str) -> str:
        fact = facts.loc[fact_id]
        return format_figure(fact["value"], fact["bound"], fact["unit"], labels, currency, cny_per_usd)

    def baseline_text(row) -> str:
        if not row["baseline_fact"]:
            if row["status"] in ("no_year", "milestone"):
                return "—"
            return f"{labels('no_baseline')}: {labels('tr_reason_' + row['baseline_reason'])}"
        return f"{figure(row['baseline_fact'])} ({int(facts.loc[row['baseline_fact'], 'year'])})"

    def growth_text(row, column: str = "required") -> str:
        if pd.isna(row[f"{column}_growth"]):
            return "—"
        return f"{format_bound(row[f'{column}_bound'])}{percent(row[f'{column}_growth'])}"

    return pd.DataFrame({
        labels("city"): [labels.city(p) for p in tracker["place"]],
        labels("district"): [labels.district(f) for f in tracker["fact_id"]],
        labels("sector"): [labels.sector(s) for s in tracker["sector"]],
        labels("indicator"): [labels.fact(f) for f in tracker["fact_id"]],
        labels("kind"): [labels.kind(k) for k in tracker["kind"]],
        labels("target"): [figure(f) for f in tracker["fact_id"]],
        labels("year"): [labels("no_year") if pd.isna(y) else (f"{y}*" if implied else str(y))
                         for y, implied in zip(tracker["year"], tracker["is_year_implied"], strict=True)],
        labels("years_left"): ["—" if pd.isna(y) else str(y) for y in tracker["years_left"]],
        labels("baseline"): [baseline_text(r) for _, r in tracker.iterrows()],
        labels("required_growth"): [growth_text(r) for _, r in tracker.iterrows()],
        labels("tr_observed_growth"): [growth_text(r, "observed") for _, r in tracker.iterrows()],
        labels("syn_status"): [labels(f"syn_status_{s}") for s in tracker["status"]],
        labels("fact_id"): list(tracker["fact_id"]),
    })  # fmt: skip


def indicators_table(
    indicators: pd.DataFrame, scores: pd.Series, ranks: pd.Series, labels: Labels
) -> pd.DataFrame:
    """The index's indicators, score and rank per city, best first."""
    order = ranks.sort_values(kind="stable").index
    out = pd.DataFrame({labels("city"): [labels.city(p) for p in order]})
    for name in indicators.columns:
        out[labels(f"syn_ind_{name}")] = list(indicators.loc[order, name])
    out[labels("syn_score")] = [round(float(v), 3) for v in scores.loc[order]]
    out[labels("syn_rank")] = list(ranks.loc[order])
    return out


def intervals_table(intervals: pd.DataFrame, ranks: pd.Series, labels: Labels) -> pd.DataFrame:
    """Rank intervals for display: nominal rank, median, 5th and 95th percentile, interval width."""
    return pd.DataFrame({
        labels("city"): [labels.city(p) for p in intervals.index],
        labels("syn_rank"): [int(ranks[p]) for p in intervals.index],
        labels("syn_median_rank"): list(intervals["median_rank"]),
        labels("syn_p05"): list(intervals["p05"]),
        labels("syn_p95"): list(intervals["p95"]),
        labels("syn_width"): list(intervals["p95"] - intervals["p05"]),
    })  # fmt: skip


def change_text(factor: str, option: str, indicator: str, labels: Labels) -> str:
    """A one-at-a-time change in words: "normalisation: rank", "weights: drop breadth"."""
    if factor == "normalisation":
        return labels("syn_change_normalisation", option=labels(f"syn_norm_{option}"))
    if factor == "aggregation":
        return labels("syn_change_aggregation", option=labels(f"syn_agg_{option}"))
    if option == "equal":
        return labels("syn_change_equal_weights")
    return labels(f"syn_change_{option}", indicator=labels(f"syn_ind_{indicator}"))


def sensitivity_display(table: pd.DataFrame, labels: Labels) -> pd.DataFrame:
    """`helpers.index.sensitivity_table` for display."""
    return pd.DataFrame({
        labels("syn_change"): [change_text(f, o, i, labels) for f, o, i in
                               zip(table["factor"], table["option"], table["indicator"], strict=True)],
        labels("syn_mean_shift"): [round(v, 2) for v in table["mean_abs_shift"]],
        labels("syn_max_shift"): list(table["max_abs_shift"]),
        labels("syn_cities_moved"): list(table["cities_moved"]),
        labels("syn_first_city"): [join_names([labels.city(p) for p in t.split(";")], labels) for t in table["top_city"]],
    })  # fmt: skip


FACTOR_KEYS = {"normalisation": "syn_factor_normalisation", "aggregation": "ix_factor_aggregation",
               "left_out": "ix_factor_left_out", "inferred_roles": "ix_factor_inferred_roles",
               "alternative_roles": "ix_factor_alternative_roles"}  # fmt: skip


def correlation_display(corr: pd.DataFrame, labels: Labels) -> pd.DataFrame:
    """`helpers.index.correlations` for display: indicator names, two decimals."""
    names = [labels(f"syn_ind_{n}") for n in corr.columns]
    out = pd.DataFrame(corr.round(2).to_numpy(), columns=names)
    out.insert(0, labels("ix_indicator"), names)
    return out


def components_display(components: pd.DataFrame, labels: Labels) -> pd.DataFrame:
    """`helpers.index.principal_components` for display."""
    return pd.DataFrame({
        labels("ix_component"): list(components["component"]),
        labels("ix_eigenvalue"): [round(float(v), 3) for v in components["eigenvalue"]],
        labels("ix_variance_share"): [percent(v) for v in components["share"]],
        labels("ix_cumulative_share"): [percent(v) for v in components["cumulative"]],
    })  # fmt: skip


def influence_display(influence: pd.DataFrame, labels: Labels) -> pd.DataFrame:
    """`helpers.index.indicator_influence` for display."""
    return pd.DataFrame({
        labels("ix_indicator"): [labels(f"syn_ind_{n}") for n in influence.index],
        labels("ix_nominal_weight"): [percent(v) for v in influence["weight"]],
        labels("ix_correlation_with_index"): [round(float(v), 2) for v in influence["correlation"]],
        labels("ix_effective_weight"): [percent(v) for v in influence["effective_weight"]],
    })  # fmt: skip


def coherence_sentence(
    components: pd.DataFrame, alpha: float, influence: pd.DataFrame, labels: Labels
) -> str:
    """What the coherence panel says, from its numbers: PC1's share, Cronbach's alpha, the indicator with
    the largest effective weight."""
    top = influence["effective_weight"].idxmax()
    return labels("ix_coherence_sentence", share=percent(components["share"].iloc[0]),
                  alpha="—" if pd.isna(alpha) else f"{alpha:.2f}", indicator=labels(f"syn_ind_{top}"),
                  effective=percent(influence.loc[top, "effective_weight"]),
                  nominal=percent(influence.loc[top, "weight"]))  # fmt: skip


def probabilities_display(
    probabilities: pd.DataFrame, labels: Labels, max_rank: int | None = None
) -> pd.DataFrame:
    """`helpers.robustness.rank_probabilities` for display: per city, the percentage of draws at each rank
    (1..max_rank, all when None); "—" for a rank no draw gave it."""
    ranks = list(probabilities.columns)[: max_rank or None]
    out = pd.DataFrame({labels("city"): [labels.city(p) for p in probabilities.index]})
    for k in ranks:
        out[labels("ix_rank_k", k=k)] = ["—" if v == 0 else percent(v, 0) for v in probabilities[k]]
    return out


def factor_text(factor: str, labels: Labels) -> str:
    """A factor of helpers.robustness in words."""
    if factor.startswith("weight:"):
        return labels("syn_factor_weight", indicator=labels(f"syn_ind_{factor.split(':', 1)[1]}"))
    return labels(FACTOR_KEYS[factor])


def sobol_display(table: pd.DataFrame, labels: Labels) -> pd.DataFrame:
    """`UncertaintyModel.sobol` for display: indices with their 95% half-widths, two decimals."""

    def show(value: float, conf: float) -> str:
        return f"{value:.2f} ± {conf:.2f}"

    return pd.DataFrame({
        labels("syn_choice"): [factor_text(f, labels) for f in table["factor"]],
        labels("ix_s1"): [show(v, c) for v, c in zip(table["S1"], table["S1_conf"], strict=True)],
        labels("ix_st"): [show(v, c) for v, c in zip(table["ST"], table["ST_conf"], strict=True)],
    })  # fmt: skip


def sobol_sentence(table: pd.DataFrame, labels: Labels) -> str:
    """The factor with the largest total-order index, in words."""
    if table.empty or not (table["ST"] > 0).any():
        return labels("ix_sobol_none")
    row = table.iloc[0]
    return labels("ix_sobol_sentence", factor=factor_text(row["factor"], labels), st=f"{row['ST']:.2f}",
                  s1=f"{row['S1']:.2f}")  # fmt: skip


def copeland_display(
    ranks: pd.Series, scores: pd.Series, copeland_ranks: pd.Series, labels: Labels
) -> pd.DataFrame:
    """Weighted-sum rank beside the Copeland score and rank, best weighted-sum rank first."""
    order = ranks.sort_values(kind="stable").index
    return pd.DataFrame({
        labels("city"): [labels.city(p) for p in order],
        labels("ix_weighted_rank"): [int(ranks[p]) for p in order],
        labels("ix_copeland_score"): [int(scores[p]) for p in order],
        labels("ix_copeland_rank"): [int(copeland_ranks[p]) for p in order],
        labels("ix_rank_difference"): [int(copeland_ranks[p] - ranks[p]) for p in order],
    })  # fmt: skip


def copeland_sentence(ranks: pd.Series, copeland_ranks: pd.Series, labels: Labels) -> str:
    """How many cities keep their rank under Copeland, and the largest move."""
    shift = (copeland_ranks - ranks.reindex(copeland_ranks.index)).abs()
    if not (shift > 0).any():
        return labels("ix_copeland_same", total=len(shift))
    moved = shift.idxmax()
    return labels("ix_copeland_sentence", same=int((shift == 0).sum()), total=len(shift),
                  city=labels.city(moved), weighted=int(ranks[moved]), copeland=int(copeland_ranks[moved]))  # fmt: skip


# --- figures -------------------------------------------------------------------------------------------------


def set_title(fig: Figure, text: str, width: int = 78) -> None:
    """The figure's title, wrapped at `width` characters (half as many when it holds Chinese, whose glyphs
    are about twice as wide)."""
    if not any("\u2e80" <= char <= "\u9fff" for char in text):
        fig.suptitle("\n".join(textwrap.wrap(text, width)))
        return
    limit, lines = width // 2, []
    while len(text) > limit:  # break after the last Chinese punctuation mark in the second half of a line
        cut = max(text.rfind(mark, limit // 2, limit) for mark in "，；：、")
        cut = cut + 1 if cut > 0 else limit
        lines.append(text[:cut])
        text = text[cut:]
    fig.suptitle("\n".join([*lines, text]))


def role_legend(labels: Labels, roles: Sequence[str]) -> list[Patch]:
    """Legend patches for `roles` in ROLES order."""
    return [
        Patch(facecolor=ROLE_COLOURS[r], edgecolor="#333333", label=labels.role(r))
        for r in ROLES
        if r in roles
    ]


def figure_matrix(dataset: Dataset, labels: Labels, cities: Sequence[str] | None = None) -> Figure:
    """The city x sector grid coloured by role, broadest cities on top; sectors named and figures given at
    the right of each row. The title names the cities placed in every sector shown."""
    matrix, table = role_matrix(dataset, cities), breadth(dataset, cities)
    if matrix.empty:
        return no_data_figure(labels, labels("syn_matrix_title_none"))
    matrix = matrix.loc[table.index]
    fig, ax = new_figure(9, max(3.2, 1.4 + 0.42 * len(matrix)))
    n = len(matrix)
    for row, place in enumerate(matrix.index):
        y = n - 1 - row
        for x, sector in enumerate(matrix.columns):
            role = matrix.loc[place, sector]
            if role:
                ax.add_patch(Rectangle((x - 0.45, y - 0.4), 0.9, 0.8, facecolor=ROLE_COLOURS[role],
                                       edgecolor="#333333", linewidth=0.6))  # fmt: skip
                colour = "white" if role in ("leader", "hub") else "#222222"
                ax.text(x, y, labels.role(role), ha="center", va="center", fontsize=7.5, color=colour)
        ax.text(len(matrix.columns) - 0.35, y, labels("syn_row_note", n=int(table.loc[place, "n_sectors"]),
                                                      k=int(table.loc[place, "n_facts"])),
                va="center", ha="left", fontsize=8)  # fmt: skip
    ax.set_xlim(-0.55, len(matrix.columns) + 0.9)
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_xticks(
        range(len(matrix.columns)), [labels.sector(s) for s in matrix.columns], rotation=20, ha="right"
    )
    ax.set_yticks(range(n)[::-1], [labels.city(p) for p in matrix.index])
    ax.grid(False)
    ax.legend(handles=role_legend(labels, set(matrix.to_numpy().ravel())), title=labels("role"),
              loc="upper left", bbox_to_anchor=(1.01, 1))  # fmt: skip
    widest = int(table["n_sectors"].max())
    top = [labels.city(p) for p in table.index[table["n_sectors"] == widest]]
    single = int((table["n_sectors"] == 1).sum())
    set_title(
        fig, labels("syn_matrix_title", names=join_names(top, labels), n=widest, single=single, total=n)
    )
    return fig


def figure_regions(summary: pd.DataFrame, labels: Labels) -> Figure:
    """City-sector pairs per region, stacked by role, with cities and figures written beside each bar."""
    if summary.empty:
        return no_data_figure(labels, labels("syn_regions_title_none"))
    fig, ax = new_figure(8.5, max(3.2, 1.4 + 0.55 * len(summary)))
    positions = list(range(len(summary)))[::-1]
    left = np.zeros(len(summary))
    for role in ROLES:
        values = summary[role].to_numpy()
        if values.sum() == 0:
            continue
        ax.barh(positions, values, left=left, color=ROLE_COLOURS[role], edgecolor="#333333", linewidth=0.6,
                label=labels.role(role))  # fmt: skip
        left += values
    for y, (_, row) in zip(positions, summary.iterrows(), strict=True):
        ax.text(row["n_pairs"] + 0.2, y, labels("syn_region_note", cities=int(row["n_cities"]),
                                                 sectors=int(row["n_sectors"]), k=int(row["n_facts"])),
                va="center", fontsize=8)  # fmt: skip
    ax.set_yticks(positions, [labels.region(r) for r in summary.index])
    ax.set_xlim(0, summary["n_pairs"].max() * 1.45 + 1)
    ax.set_xlabel(labels("syn_pairs_axis"))
    ax.legend(title=labels("role"), loc="lower right")
    top = summary["n_pairs"].idxmax()
    set_title(fig, labels("syn_regions_title", region=labels.region(top), k=int(summary.loc[top, "n_pairs"]),
                        total=int(summary["n_pairs"].sum())))  # fmt: skip
    return fig


def figure_network(dataset: Dataset, labels: Labels, cities: Sequence[str] | None = None) -> Figure:
    """Bipartite network, matplotlib only: cities (left, grouped by region) and sectors (right); one edge per
    city-sector pair, coloured by role, its width growing with the pair's presence (1 + figures given)."""
    matrix, counts = role_matrix(dataset, cities), presence(dataset, cities)
    if matrix.empty:
        return no_data_figure(labels, labels("syn_network_title_none"))
    regions = dataset.cities.set_index("place_id")["region"]
    places = sorted(matrix.index, key=lambda p: (REGION_ORDER.index(regions[p]), list(matrix.index).index(p)))
    sectors = list(matrix.columns)
    fig, ax = new_figure(9, max(4.5, 0.36 * len(places) + 1.6))
    city_y = {p: 1 - i / max(len(places) - 1, 1) for i, p in enumerate(places)}
    sector_y = {s: 0.9 - 0.8 * i / max(len(sectors) - 1, 1) for i, s in enumerate(sectors)}
    for place in places:
        for sector in sectors:
            role = matrix.loc[place, sector]
            if role:
                ax.plot([0, 1], [city_y[place], sector_y[sector]], color=ROLE_COLOURS[role],
                        linewidth=0.8 + 0.9 * counts.loc[place, sector], alpha=0.85, solid_capstyle="round",
                        zorder=1 if role == "follower" else 2)  # fmt: skip
    breadth_n = (matrix != "").sum(axis=1)
    for place in places:
        ax.scatter([0], [city_y[place]], s=30 + 25 * breadth_n[place], color="#444444", zorder=3)
        ax.text(-0.04, city_y[place], f"{labels.city(place)} · {labels.region(regions[place])}", ha="right",
                va="center", fontsize=8.5)  # fmt: skip
    for sector in sectors:
        ax.scatter([1], [sector_y[sector]], s=160, marker="s", color="#444444", zorder=3)
        ax.text(1.04, sector_y[sector], labels.sector(sector), ha="left", va="center", fontsize=9)
    ax.set_xlim(-0.75, 1.55)
    ax.set_ylim(-0.08, 1.08)
    ax.set_axis_off()
    handles = [Line2D([], [], color=ROLE_COLOURS[r], linewidth=3, label=labels.role(r)) for r in ROLES
               if (matrix == r).to_numpy().any()]  # fmt: skip
    ax.legend(handles=handles, title=labels("role"), loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title(labels("syn_network_note"), fontsize=8.5, color="#555555")
    widest = int(breadth_n.max())
    top = [labels.city(p) for p in matrix.index if breadth_n[p] == widest]
    set_title(fig, labels("syn_network_title", cities=len(places), pairs=int((matrix != "").to_numpy().sum()),
                        names=join_names(top, labels), n=widest))  # fmt: skip
    return fig


def figure_concentration(table: pd.DataFrame, labels: Labels, k: int = TOP_K) -> Figure:
    """HHI of presence per sector beside the equal-presence reference 1/n, and the top-k share."""
    if table.empty:
        return no_data_figure(labels, labels("syn_concentration_title_none"))
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 1.6 + 0.45 * len(table)), sharey=True,
                                      layout="constrained")  # fmt: skip
    positions = list(range(len(table)))[::-1]
    left.scatter(
        table["hhi_equal"], positions, marker="|", s=220, color="#888888", label=labels("syn_hhi_equal")
    )
    left.scatter(table["hhi"], positions, color="#1b4f72", s=50, zorder=3, label=labels("syn_hhi"))
    for y, (value, top) in zip(positions, zip(table["hhi"], table["top_places"], strict=True), strict=True):
        places = top.split(";")
        names = (
            join_names([labels.city(p) for p in places], labels)
            if len(places) <= 2
            else (labels("syn_n_tied", n=len(places)))
        )
        left.annotate(names, xy=(value, y), xytext=(6, 5), textcoords="offset points", fontsize=7.5)
    left.set_yticks(positions, [labels.sector(s) for s in table.index])
    left.set_xlim(0, max(0.6, float(table["hhi"].max()) * 1.4))
    left.set_xlabel(labels("syn_hhi_axis"))
    right.legend(*left.get_legend_handles_labels(), loc="upper left", bbox_to_anchor=(1.02, 1), fontsize=8)
    right.barh(positions, table["top_k_share"] * 100, color="#85c1e9", edgecolor="#333333", linewidth=0.6)
    right.set_xlim(0, 100)
    right.set_xlabel(labels("syn_top_k_axis", k=k))
    most, least = table["hhi"].idxmax(), table["hhi"].idxmin()
    set_title(fig, labels("syn_concentration_title", most=labels.sector(most), hhi=f"{table.loc[most, 'hhi']:.2f}",
                        least=labels.sector(least), low=f"{table.loc[least, 'hhi']:.2f}"))  # fmt: skip
    return fig


def figure_specialisation(counts: pd.DataFrame, quotients: pd.DataFrame, labels: Labels) -> Figure:
    """Heat map of the location-quotient analogue, centred on 1; blank where a city is not named."""
    if counts.empty or counts.to_numpy().sum() == 0:
        return no_data_figure(labels, labels("syn_specialisation_title_none"))
    shown = quotients.where(counts > 0)
    fig, ax = new_figure(9, max(3.6, 1.4 + 0.4 * len(shown)))
    high = max(float(np.nanmax(shown.to_numpy())), 1.5)
    image = ax.imshow(shown.to_numpy(dtype=float), cmap="RdBu_r", norm=TwoSlopeNorm(vmin=0, vcenter=1, vmax=high),
                      aspect="auto")  # fmt: skip
    for (i, j), value in np.ndenumerate(shown.to_numpy(dtype=float)):
        if not np.isnan(value):
            ax.text(j, i, f"{value:.1f}", ha="center", va="center", fontsize=8,
                    color="white" if abs(value - 1) > 0.6 * (high - 1) else "#222222")  # fmt: skip
    ax.set_xticks(
        range(len(shown.columns)), [labels.sector(s) for s in shown.columns], rotation=20, ha="right"
    )
    ax.set_yticks(range(len(shown.index)), [labels.city(p) for p in shown.index])
    ax.grid(False)
    fig.colorbar(image, ax=ax, label=labels("syn_lq_axis"), shrink=0.8)
    best = specialised_city(counts, quotients)
    if best is None:
        set_title(fig, labels("syn_specialisation_title_plain"))
    else:
        place, sector, value = best
        set_title(fig, labels("syn_specialisation_title", city=labels.city(place), sector=labels.sector(sector),
                            lq=f"{value:.1f}"))  # fmt: skip
    return fig


def specialised_city(counts: pd.DataFrame, quotients: pd.DataFrame, min_sectors: int = LQ_MIN_SECTORS):
    """The (place, sector, LQ) with the highest LQ among cities present in at least `min_sectors` sectors,
    or None. Cities named once have LQ = 1 / (sector's share), which says nothing about specialisation."""
    eligible = counts.index[(counts > 0).sum(axis=1) >= min_sectors]
    if len(eligible) == 0:
        return None
    stacked = quotients.loc[eligible].where(counts.loc[eligible] > 0).stack().dropna()
    if stacked.empty:
        return None
    (place, sector), value = stacked.idxmax(), float(stacked.max())
    return place, sector, value


MONEY_LABEL_WIDTH = 58  # characters of a row label a line (the left margin holds about 70 at 8 pt)
MONEY_LEGEND_WIDTH = 24  # characters of a legend entry a line (the legend's column right of the panels)
MONEY_ROW_INCHES = 0.36  # a row of the money figure: a label of two lines, a value above its marker
MONEY_GAP_INCHES = 0.4  # between two groups' panels (the lower panel's title)


def money_row_label(fact: pd.Series, labels: Labels) -> str:
    """ "City (district) · indicator, year" for a money figure."""
    place = labels("region_national") if fact["place"] == NATIONAL else labels.city(fact["place"])
    district = labels.district(fact["fact_id"])
    year = labels("no_year") if pd.isna(fact["year"]) else str(int(fact["year"]))
    where = f"{place} ({district})" if district else place
    return f"{where} · {labels.fact(fact['fact_id'])}, {year}"


def figure_money(
    money: pd.DataFrame, labels: Labels, currency: str = "CNY", cny_per_usd: float = 7.19
) -> Figure:
    """Every money figure on one log axis, one row per figure in panels by group (measure; targets apart).

    Colour: measure; marker: kind (actual, forecast, target); bounds drawn as bounds (plot_bounded_points).
    """
    if money.empty:
        return no_data_figure(labels, labels("syn_money_title_none"))
    n_all = len(money)
    money = money.groupby("group", sort=False).head(MONEY_PER_GROUP).reset_index(drop=True)  # largest first
    groups = list(dict.fromkeys(money["group"]))
    spans = [int((money["group"] == g).sum()) + 0.5 for g in groups]  # rows, and room for the top row's value
    plot_height = MONEY_ROW_INCHES * sum(spans) + MONEY_GAP_INCHES * (len(groups) - 1)
    height = plot_height + 2.05  # 1.3 in above the panels (a title of two lines), 0.75 in below
    top = 1 - 1.3 / height
    # one panel per group, a row per figure; no layout engine (margins in inches): constrained layout over many
    # panels is slow to draw, and one axes per figure (as until issue 15) drew 34 axes for 34 rows
    mean_panel = MONEY_ROW_INCHES * sum(spans) / len(groups)  # hspace is a fraction of the mean panel height
    fig, axes = plt.subplots(len(groups), 1, figsize=(9.5, height), sharex=True, squeeze=False,
                             gridspec_kw={"height_ratios": spans, "hspace": MONEY_GAP_INCHES / mean_panel})  # fmt: skip
    fig.subplots_adjust(left=0.42, right=0.78, top=top, bottom=0.75 / height)
    values = [convert_money(float(v), currency, cny_per_usd) for v in money["value"]]
    bounds_used: set[str] = set()
    for ax, group in zip(axes[:, 0], groups, strict=True):
        part = money[money["group"] == group]  # the group's rows, top to bottom
        shown = [values[i] for i in part.index]
        row_labels = [wrap_label(money_row_label(fact, labels), labels.lang, MONEY_LABEL_WIDTH)
                      for _, fact in part.iterrows()]  # fmt: skip
        colours = [MEASURE_COLOURS.get(m, OTHER_MONEY_COLOUR) for m in part["measure"]]
        markers = [KIND_MARKERS[k] for k in part["kind"]]
        bounds_used |= plot_bounded_points(ax, row_labels, shown, list(part["bound"]), colour=colours,
                                           marker=markers, log=True)  # fmt: skip
        for y, (_, fact), value in zip(range(len(part) - 1, -1, -1), part.iterrows(), shown, strict=True):
            ax.annotate(format_figure(fact["value"], fact["bound"], fact["unit"], labels, currency, cny_per_usd),
                        xy=(value, y), xytext=(0, 7), textcoords="offset points", ha="center", fontsize=7.5)  # fmt: skip
        ax.set_ylim(-0.6, len(part) - 0.1)
        ax.tick_params(axis="y", labelsize=8)
        ax.grid(axis="y", visible=False)
        ax.minorticks_off()
        title = (labels("syn_group_target") if group == "target"
                 else labels("syn_group_other_money") if group == "other_money"
                 else labels.measure(group))  # fmt: skip
        ax.set_title(title, loc="left", fontsize=9, color="#333333")
    low, high = min(values), max(values)
    axes[-1, 0].set_xlim(low / 3, high * 4)
    axes[-1, 0].set_xlabel(labels("money_axis", currency=labels(f"currency_{currency}")))

    def legend_label(text: str) -> str:
        return wrap_label(text, labels.lang, MONEY_LEGEND_WIDTH)

    measure_handles = [Patch(color=MEASURE_COLOURS[m], label=legend_label(labels.measure(m))) for m in MONEY_MEASURES
                       if m in set(money["measure"]) and m in MEASURE_COLOURS]  # fmt: skip
    if (money["group"] == "other_money").any():
        measure_handles.append(
            Patch(color=OTHER_MONEY_COLOUR, label=legend_label(labels("syn_group_other_money")))
        )
    if n_all > len(money):
        fig.text(0.01, 0.3 / height, labels("syn_money_shown", k=MONEY_PER_GROUP, n=len(money), total=n_all),
                 fontsize=8, color="#555555")  # fmt: skip
    kind_handles = [Line2D([], [], marker=KIND_MARKERS[k], color="#555555", linestyle="none", label=labels.kind(k))
                    for k in ("actual", "forecast", "target") if k in set(money["kind"])]  # fmt: skip
    fig.legend(handles=measure_handles + kind_handles + bound_legend_handles(labels, bounds_used, colour="#555555"),
               loc="upper left", bbox_to_anchor=(0.79, top), fontsize=8)  # fmt: skip
    n_measures = money["measure"].nunique()
    set_title(fig, labels("syn_money_title", low=format_figure(float(money["value"].min()), "=", "CNY", labels, currency,
                                                             cny_per_usd),
                        high=format_figure(float(money["value"].max()), "=", "CNY", labels, currency, cny_per_usd),
                        n=n_measures))  # fmt: skip
    return fig


def figure_timeline(
    dataset: Dataset, tracker: pd.DataFrame, labels: Labels, end_year: int = TIMELINE_END
) -> Figure:
    """When the targets and forecasts fall due, to scale in years: one row per sector, a disc per year whose
    area and number give how many of the sector's targets and forecasts are due that year; targets without a
    year at the right, under "no year". Holds any number of targets (the tracker table lists each one)."""
    if tracker.empty:
        return no_data_figure(labels, labels("syn_timeline_title_none"))
    dated_rows = tracker[tracker["year"].notna()]
    now = as_of_year(dataset)
    start = min(now, int(dated_rows["year"].min())) if not dated_rows.empty else now
    end = max(end_year, int(dated_rows["year"].max()) if not dated_rows.empty else end_year)
    no_year_x = end + 2
    colours = dict(zip(sector_ids(dataset), SECTOR_COLOURS, strict=True))
    sectors = [s for s in sector_ids(dataset) if s in set(tracker["sector"])]
    fig, ax = new_figure(10, 1.9 + 0.55 * len(sectors))
    for y, sector in enumerate(reversed(sectors)):
        rows = tracker[tracker["sector"] == sector]
        counts = rows.groupby(rows["year"].fillna(no_year_x).astype(int)).size()
        for x, n in counts.items():
            ax.scatter([x], [y], s=40 + 45 * n, color=colours[sector], alpha=0.8 if x != no_year_x else 0.35,
                       edgecolors="white", linewidths=0.8, zorder=3)  # fmt: skip
            ax.annotate(str(n), xy=(x, y), ha="center", va="center", fontsize=7, color="white", zorder=4)
    ax.axvline(now, color="#888888", linestyle="--", linewidth=1)
    ax.set_yticks(range(len(sectors)), [labels.sector(s) for s in reversed(sectors)], fontsize=8)
    ax.set_ylim(-0.7, len(sectors) - 0.3)
    step = 1 if end - start <= 12 else 5
    ticks = [t for t in range(start, end + 1) if t % step == 0]
    ax.set_xticks([*ticks, no_year_x], [*map(str, ticks), labels("no_year")], fontsize=8)
    ax.set_xlim(start - 1, no_year_x + 1.2)
    ax.set_xlabel(labels("syn_timeline_axis", year=now))
    targets = tracker[tracker["kind"] == "target"]
    dated = targets[targets["year"].notna()]
    soon = int((dated["year"] <= now + 2).sum())
    with_baseline = int((targets["baseline_fact"] != "").sum())
    if dated.empty:
        set_title(fig, labels("syn_timeline_title_undated"))
    else:
        set_title(
            fig,
            labels(
                "syn_timeline_title",
                n=len(dated),
                first=int(dated["year"].min()),
                last=int(dated["year"].max()),
                soon=soon,
                by=now + 2,
                baselines=with_baseline,
            ),
        )
    return fig


def robust_top(intervals: pd.DataFrame) -> tuple[list[str], int]:
    """The smallest top group that the Monte Carlo separates from the rest: for the smallest k, the cities
    whose 95th-percentile rank is at most k, when there are at least k of them (more when tied), not all
    cities, and every other city's 5th-percentile rank is above k. The intervals of the group and of the
    rest then do not overlap: each of the group holds one of the first k ranks in at least 95% of draws, and
    each other city is below rank k in at least 95%.

    Returns:
        (place ids in `intervals` order, k), or ([], 0) when no such group exists.
    """
    for k in range(1, len(intervals)):
        inside = intervals["p95"] <= k
        group = intervals.index[inside]
        if k <= len(group) < len(intervals) and (intervals.loc[~inside, "p05"] > k).all():
            return list(group), k
    return [], 0


def figure_rank_intervals(intervals: pd.DataFrame, ranks: pd.Series, labels: Labels, n_draws: int) -> Figure:
    """Each city's 5-95% rank interval (bar), median rank (dot) and rank with the chosen settings (diamond)."""
    if intervals.empty:
        return no_data_figure(labels, labels("syn_intervals_title_none"))
    fig, ax = new_figure(8.5, max(3.2, 2 + 0.4 * len(intervals)))
    positions = list(range(len(intervals)))[::-1]
    for y, (place, row) in zip(positions, intervals.iterrows(), strict=True):
        ax.barh([y], [row["p95"] - row["p05"] + 0.5], left=[row["p05"] - 0.25], height=0.45, color="#85c1e9")
        ax.plot([row["median_rank"]], [y], marker="o", color="#1b4f72", markersize=7, linestyle="none")
        ax.plot([ranks[place]], [y], marker="D", color="#943126", markerfacecolor="white", markersize=7,
                markeredgewidth=1.5, linestyle="none")  # fmt: skip
    ax.set_yticks(positions, [labels.city(p) for p in intervals.index])
    n = len(intervals)
    ax.set_xlim(0.3, n + 0.7)
    ax.set_xticks(range(1, n + 1))
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(labels("syn_rank_axis"))
    handles = [Patch(color="#85c1e9", label=labels("syn_interval_legend")),
               Line2D([], [], marker="o", color="#1b4f72", linestyle="none", label=labels("syn_median_rank")),
               Line2D([], [], marker="D", color="#943126", markerfacecolor="white", linestyle="none",
                      label=labels("syn_nominal_legend"))]  # fmt: skip
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    ax.set_title(labels("syn_intervals_note", n=n_draws), fontsize=8.5, color="#555555")
    top, k = robust_top(intervals)
    if top:
        set_title(fig, labels("syn_intervals_title", k=len(top), rank=k,
                              names=join_names([labels.city(p) for p in top], labels)))  # fmt: skip
    else:
        set_title(fig, labels("syn_intervals_title_overlap"))
    return fig


def comparable_display(table: pd.DataFrame, labels: Labels) -> pd.DataFrame:
    """`helpers.index.comparable_quantities` for display: names and units in the label language."""
    return pd.DataFrame({
        labels("sector"): [labels.sector(s) for s in table["sector"]],
        labels("ix_indicator"): [labels.fact(f) for f in table["fact_id"]],
        labels("ix_measure"): [labels.measure(m) for m in table["measure"]],
        labels("ix_unit"): [unit_name(u, labels) for u in table["unit"]],
        labels("ix_n_places"): list(table["n_places"]),
        labels("ix_places"): [join_names([labels.city(p) for p in t.split(";")], labels) for t in table["places"]],
        labels("ix_n_district"): list(table["n_district"]),
    })  # fmt: skip


def capacity_sentence(table: pd.DataFrame, labels: Labels, n_sectors: int, min_places: int = 3) -> str:
    """Whether the quantities could carry a "reported capacity" indicator: how many of one sector, indicator
    and unit the sources give for at least `min_places` cities, which, and in how many of the `n_sectors`
    races."""
    wide = table[table["n_places"] >= min_places]
    if wide.empty:
        return labels("ix_capacity_none", k=min_places)
    items = join_names([labels("ix_capacity_item", indicator=labels.fact(r.fact_id), sector=labels.sector(r.sector),
                               n=r.n_places) for r in wide.itertuples()], labels)  # fmt: skip
    races = wide["sector"].nunique()
    key = "ix_capacity_every_race" if races >= n_sectors else "ix_capacity_some"
    return labels(key, n=len(wide), k=min_places, items=items, races=races, total=n_sectors)


def figure_rank_probabilities(probabilities: pd.DataFrame, labels: Labels, n_draws: int) -> Figure:
    """Heat map of `helpers.robustness.rank_probabilities`: one row per city (best expected rank on top), one
    column per rank, shade = share of draws; the title names the city most often first and its share."""
    if probabilities.empty:
        return no_data_figure(labels, labels("ix_probabilities_title_none"))
    n = probabilities.shape[1]
    fig, ax = new_figure(max(6.5, 2.5 + 0.38 * n), max(3.2, 1.6 + 0.36 * len(probabilities)))
    image = ax.imshow(probabilities.to_numpy() * 100, cmap="Blues", vmin=0, vmax=100, aspect="auto")
    ax.set_yticks(range(len(probabilities)), [labels.city(p) for p in probabilities.index])
    ax.set_xticks(range(n), [str(k) for k in probabilities.columns])
    ax.set_xlabel(labels("syn_rank_axis"))
    ax.grid(visible=False)
    fig.colorbar(image, ax=ax, label=labels("ix_probability_axis"), shrink=0.8)
    ax.set_title(labels("syn_intervals_note", n=n_draws), fontsize=8.5, color="#555555")
    first = probabilities[1].idxmax()
    set_title(
        fig,
        labels(
            "ix_probabilities_title", city=labels.city(first), share=percent(probabilities.loc[first, 1], 0)
        ),
    )
    return fig


# --- findings ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One plain-language finding, the figure or table behind it and its caveat."""

    text: str
    evidence: str  # output names (figure or table) that support it
    caveat: str


def findings(
    labels: Labels,
    table: pd.DataFrame,
    summary: pd.DataFrame,
    conc: pd.DataFrame,
    counts: pd.DataFrame,
    quotients: pd.DataFrame,
    money: pd.DataFrame,
    tracker: pd.DataFrame,
    intervals: pd.DataFrame,
    ranks: pd.Series,
    sensitivity: pd.DataFrame,
    n_draws: int,
    currency: str = "CNY",
    cny_per_usd: float = 7.19,
) -> list[Finding]:
    """Five to eight findings written from the computed tables (fewer when a cities subset leaves no data).

    Args:
        table: `breadth`; summary: `region_summary`; conc: `concentration`; counts, quotients: `presence`,
        `specialisation`; money: `money_facts`; tracker: `target_tracker`; intervals: rank_uncertainty;
        ranks: ranks with the chosen settings; sensitivity: helpers.index.sensitivity_table.
    """
    out: list[Finding] = []

    def names(places) -> str:
        return join_names([labels.city(p) for p in places], labels)

    if not table.empty:
        widest = int(table["n_sectors"].max())
        top = table.index[table["n_sectors"] == widest]
        out.append(Finding(labels("syn_f_breadth", names=names(top), n=widest, single=int((table["n_sectors"] == 1).sum()),
                                  total=len(table)),
                           "syn_city_sector_matrix", labels("syn_c_breadth")))  # fmt: skip
    if not summary.empty:
        region = summary["n_pairs"].idxmax()
        leaders = summary["leader"].idxmax()
        key = "syn_f_regions_same" if region == leaders else "syn_f_regions"
        out.append(Finding(labels(key, region=labels.region(region), k=int(summary.loc[region, "n_pairs"]),
                                  total=int(summary["n_pairs"].sum()), leaders=labels.region(leaders),
                                  n_leaders=int(summary.loc[leaders, "leader"])),
                           "syn_regions", labels("syn_c_regions")))  # fmt: skip
    if len(conc) >= 2:
        most, least = conc["hhi"].idxmax(), conc["hhi"].idxmin()
        out.append(Finding(labels("syn_f_concentration", most=labels.sector(most), hhi=f"{conc.loc[most, 'hhi']:.2f}",
                                  top=names(conc.loc[most, "top_places"].split(";")),
                                  share=percent(conc.loc[most, "top_share"], 0), least=labels.sector(least),
                                  low=f"{conc.loc[least, 'hhi']:.2f}",
                                  effective=f"{conc.loc[least, 'effective_cities']:.1f}"),
                           "syn_concentration", labels("syn_c_presence")))  # fmt: skip
    best = specialised_city(counts, quotients)
    if best is not None:
        place, sector, value = best
        out.append(Finding(labels("syn_f_specialisation", city=labels.city(place), sector=labels.sector(sector),
                                  lq=f"{value:.1f}", n=int((counts.loc[place] > 0).sum())),
                           "syn_specialisation", labels("syn_c_specialisation")))  # fmt: skip
    if not money.empty:
        cities_money = money[money["place"] != NATIONAL]
        out.append(Finding(labels("syn_f_money", n=len(money), measures=money["measure"].nunique(),
                                  low=format_figure(float(money["value"].min()), "=", "CNY", labels, currency, cny_per_usd),
                                  high=format_figure(float(money["value"].max()), "=", "CNY", labels, currency, cny_per_usd),
                                  bounds=int((money["bound"] != "=").sum()),
                                  districts=int(cities_money["district_en"].fillna("").ne("").sum())),
                           "syn_money", labels("syn_c_money")))  # fmt: skip
    targets = tracker[tracker["kind"] == "target"]
    if not targets.empty:
        dated = targets[targets["year"].notna()]
        now = as_of_year(labels.dataset)
        forecast = tracker[(tracker["status"] == "forecast") & tracker["required_growth"].notna()]
        rate = (labels("syn_f_targets_rate", rate=percent(float(forecast["required_growth"].iloc[0])),
                       what=labels.fact(forecast["fact_id"].iloc[0])) if not forecast.empty else "")  # fmt: skip
        baselines = int((targets["baseline_fact"] != "").sum())
        text = labels("syn_f_targets", n=len(targets), dated=len(dated),
                      soon=int((dated["year"] <= now + 2).sum()), by=now + 2)  # fmt: skip
        text += (
            labels("syn_f_targets_some", baselines=baselines) if baselines else labels("syn_f_targets_none")
        )
        out.append(Finding(text + rate, "syn_target_tracker", labels("syn_c_targets")))
    if len(intervals) >= 2:
        top, k = robust_top(intervals)
        first = intervals.index[0]
        widest = intervals.assign(width=intervals["p95"] - intervals["p05"])["width"].idxmax()
        text = (labels("syn_f_index_robust", k=len(top), rank=k, names=names(top)) if top
                else labels("syn_f_index_overlap", city=labels.city(first)))  # fmt: skip
        text += labels("syn_f_index_widest", city=labels.city(widest), p05=int(intervals.loc[widest, "p05"]),
                       p95=int(intervals.loc[widest, "p95"]), n=n_draws)  # fmt: skip
        out.append(Finding(text, "syn_rank_intervals", labels("syn_c_index")))
    if not sensitivity.empty and sensitivity["mean_abs_shift"].max() > 0:
        row = sensitivity.iloc[0]
        out.append(Finding(labels("syn_f_sensitivity", change=change_text(row["factor"], row["option"],
                                                                          row["indicator"], labels),
                                  shift=f"{row['mean_abs_shift']:.2f}", moved=int(row["cities_moved"]),
                                  total=len(ranks)),
                           "syn_sensitivity", labels("syn_c_sensitivity")))  # fmt: skip
    return out


def section_findings(
    labels: Labels, rankings: str, rankings_caveat: str, documents: str, targets: str
) -> list[Finding]:
    """The findings of sections 6-8 of notebook 07: each the sentence its section printed from the data
    (helpers.analysis.benchmarks, .policy, .scale), the output that supports it and its caveat."""
    return [
        Finding(rankings, "bm_rankings", rankings_caveat),
        Finding(documents, "pl_documents", labels("syn_c_documents")),
        Finding(targets, "sc_targets_all", labels("syn_c_targets_sum")),
    ]


def findings_table(items: Sequence[Finding], labels: Labels) -> pd.DataFrame:
    """Findings as a table: number, finding, evidence (output names), caveat."""
    return pd.DataFrame({
        "#": list(range(1, len(items) + 1)),
        labels("syn_finding"): [f.text for f in items],
        labels("syn_evidence"): [f.evidence for f in items],
        labels("syn_caveat"): [f.caveat for f in items],
    })  # fmt: skip

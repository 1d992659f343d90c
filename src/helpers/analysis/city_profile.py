"""City profile for notebook 08: one place across the six future industries, from data/ alone: its roles, its
figures with bounds and years, its targets, its region and peers, its synthesis-index position and its gaps.

    profile = build_profile(dataset, "hefei", n_draws=1000, seed=20251027)
    profile.depth        # "full" (the sources give figures), "short" (named, no figure) or "national"

A place the sources barely mention gets a short profile: the sections with nothing to show say so instead of
drawing empty figures. `china` (the national pseudo-place of data/cities.csv) gets a national profile: its
figures and the growth they imply, but no role, region, peers or index rank, because the sources place cities,
not the nation, in the races. Targets reuse the district-aware baseline finder of helpers.analysis.synthesis
(`target_tracker`); the index is helpers.index with notebook 07's default settings.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter

from helpers import index, robustness
from helpers.analysis import synthesis as syn
from helpers.analysis.common import show as show  # re-exported for the notebook: display once, then close
from helpers.analysis.common import year_basis
from helpers.data import ROLES, Dataset, per_dataset
from helpers.i18n import Labels
from helpers.indicators import convert_money, project
from helpers.plots import KIND_MARKERS, ROLE_COLOURS, new_figure
from helpers.quantity import format_bound
from helpers.selection import as_of_year
from helpers.tables import format_figure, format_money, landscape_table, row_printed_text

NATIONAL = syn.NATIONAL  # "china": national figures, never a city
NO_CLUSTER_REGIONS: tuple[str, ...] = ("other", "national")  # regions of data/cities.csv that are no cluster
DEPTHS: tuple[str, ...] = ("full", "short", "national")
# year bases of common.year_basis that have no year in the text
UNDATED_BASES: tuple[str, ...] = ("not_printed", "none")
NOT_NAMED_COLOUR = "#ffffff"
NATIONAL_COLOUR = "#f2f3f4"
HIGHLIGHT = "#943126"
LANDSCAPE_COLUMNS: tuple[str, ...] = (
    "sector", "city", "district", "role", "focus", "indicator", "figure", "year", "kind", "fact_id",
)  # fmt: skip


# --------------------------------------------------------------------------------------------- the profile
@dataclass(frozen=True)
class IndexResult:
    """The synthesis index over every named city (notebook 07's defaults) and its Monte Carlo rank intervals."""

    indicators: pd.DataFrame  # helpers.index.city_indicators
    scores: pd.Series
    ranks: pd.Series  # rank with the default settings (minmax, equal weights, arithmetic)
    intervals: pd.DataFrame  # helpers.index.summarise_ranks: median_rank, p05, p95, best first
    n_draws: int
    seed: int


@dataclass(frozen=True)
class IndexPosition:
    """Where one city sits in the synthesis index."""

    rank: int
    median_rank: int
    p05: int
    p95: int
    n_cities: int


@dataclass(frozen=True)
class Gap:
    """One thing the sources do not say about the place: a topic, a message key and its values (ids, not
    localised text, so tests can check them)."""

    topic: str
    key: str
    values: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CityProfile:
    """Everything notebook 08 shows about one place, as frames keyed by ids (localise with the `*_table`s)."""

    place: str
    region: str
    depth: str  # "full", "short" or "national" (see profile_depth)
    roles: pd.DataFrame  # its rows of data/city_roles.csv, in sector order
    facts: pd.DataFrame  # its rows of data/facts.csv (districts included), in file order
    tracker: pd.DataFrame  # synthesis.target_tracker rows of its targets and forecasts
    peers: list[str]  # the other named cities of its region cluster, data/cities.csv order
    index: IndexResult
    position: IndexPosition | None  # None for a place outside the index (the nation)
    gaps: list[Gap]

    @property
    def is_national(self) -> bool:
        return self.place == NATIONAL

    @property
    def n_leader(self) -> int:
        return int((self.roles["role"] == "leader").sum())


def profile_depth(dataset: Dataset, place: str) -> str:
    """ "national" for the nation, "full" when the sources give at least one figure for the place (districts
    included), "short" when they only name it.

    Raises:
        KeyError: `place` is not in data/cities.csv.
    """
    if place not in set(dataset.cities["place_id"]):
        raise KeyError(
            f"no place {place!r} in data/cities.csv; expected one of {list(dataset.cities['place_id'])}"
        )
    if place == NATIONAL:
        return "national"
    return "full" if (dataset.observations["place"] == place).any() else "short"


def place_roles(dataset: Dataset, place: str) -> pd.DataFrame:
    """The place's rows of data/city_roles.csv in sector order (one per sector at most)."""
    order = {s: i for i, s in enumerate(syn.sector_ids(dataset))}
    roles = dataset.city_roles[dataset.city_roles["place"] == place]
    return roles.sort_values("sector", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


def place_facts(dataset: Dataset, place: str) -> pd.DataFrame:
    """The place's observations, each figure once (a district's figures count for its city), in file order."""
    return dataset.observations[dataset.observations["place"] == place].reset_index(
        drop=True
    )  # each figure once


def place_tracker(dataset: Dataset, place: str) -> pd.DataFrame:
    """synthesis.target_tracker (district-aware baselines, required growth, status) for the place's own targets
    and forecasts only (the tracker keeps national rows for any city subset; they are dropped here)."""
    tracker = syn.target_tracker(dataset, [place])
    return tracker[tracker["place"] == place].reset_index(drop=True)


def regional_peers(dataset: Dataset, place: str) -> list[str]:
    """The other cities of the place's region cluster that the sources name, in data/cities.csv order; none for
    a region that is no cluster ("other", "national")."""
    region = dataset.cities.set_index("place_id").loc[place, "region"]
    if region in NO_CLUSTER_REGIONS:
        return []
    same = dataset.cities[(dataset.cities["region"] == region) & (dataset.cities["place_id"] != place)]
    named = set(syn.named_places(dataset))
    return [p for p in same["place_id"] if p in named]


def synthesis_index(dataset: Dataset, n_draws: int = 1000, seed: int = index.DEFAULT_SEED) -> IndexResult:
    """helpers.index over every named city with notebook 07's defaults (min-max, equal weights, arithmetic),
    and its Monte Carlo (helpers.robustness) over weights, normalisation, aggregation and the data (`n_draws`,
    `seed`)."""
    inputs, model = _uncertainty_model(dataset)
    indicators = index.indicators_for(inputs)
    scores = index.composite_index(indicators)
    ranks = index.rank_cities(scores)
    intervals = index.summarise_ranks(model.monte_carlo(n_draws, seed).ranks)
    return IndexResult(indicators, scores, ranks, intervals, n_draws, seed)


@per_dataset
def _uncertainty_model(dataset: Dataset) -> tuple[index.IndicatorInputs, robustness.UncertaintyModel]:
    """The index inputs and Monte Carlo model of `dataset`, built once per dataset object: a profile notebook
    runs several Monte Carlos (seeds, draw counts) on one dataset, and the model keeps the normalised matrix of
    every reading of the data it has met, so later runs reuse them (the draws, and so the ranks, are the same)."""
    inputs = index.prepare_inputs(dataset)
    return inputs, robustness.UncertaintyModel.of(inputs)


def index_position(result: IndexResult, place: str) -> IndexPosition | None:
    """The place's rank, median rank and 5-95% interval, or None when the index does not rank it."""
    if place not in result.intervals.index:
        return None
    row = result.intervals.loc[place]
    return IndexPosition(int(result.ranks[place]), int(row["median_rank"]), int(row["p05"]), int(row["p95"]),
                         len(result.intervals))  # fmt: skip


def find_gaps(dataset: Dataset, place: str, roles: pd.DataFrame | None = None, facts: pd.DataFrame | None = None,
              tracker: pd.DataFrame | None = None) -> list[Gap]:  # fmt: skip
    """What the sources do not say about the place, topic by topic, from its roles, figures and targets
    (`roles`, `facts`, `tracker`: place_roles, place_facts and place_tracker of the place when the caller has
    them already, as build_profile does; None computes them).

    Topics: races it is not named in; figures (none at all, or none in money); years not printed; bounds;
    district figures; growth (no indicator given for two years, or only through a forecast); targets (none, or
    without a same-place, same-indicator, same-district baseline, or without a year); roles the package
    inferred; figures with no counterpart for another place (same indicator). A place with no figure gets one
    "no figure at all" gap instead of the figure, growth, comparison and target topics.
    """
    names = syn.sector_ids(dataset)
    roles = place_roles(dataset, place) if roles is None else roles
    facts = place_facts(dataset, place) if facts is None else facts
    tracker = place_tracker(dataset, place) if tracker is None else tracker
    gaps: list[Gap] = []
    if place == NATIONAL:
        gaps.append(Gap("coverage", "cp_gap_national_roles"))
    else:
        missing = [s for s in names if s not in set(roles["sector"])]
        if missing:
            gaps.append(Gap("coverage", "cp_gap_not_named", {"n": len(missing), "sectors": missing}))
    if facts.empty:
        gaps.append(Gap("figures", "cp_gap_no_figures"))
    else:
        n = len(facts)
        if not (facts["unit"] == "CNY").any():
            gaps.append(Gap("money", "cp_gap_no_money"))
        undated = [f for f, note in zip(facts["fact_id"], facts["year_note"], strict=True)
                   if year_basis(note) in UNDATED_BASES]  # fmt: skip
        if undated:
            gaps.append(Gap("years", "cp_gap_years", {"n": len(undated), "m": n, "fact_ids": undated}))
        bounds = list(facts.loc[facts["bound"] != "=", "fact_id"])
        if bounds:
            gaps.append(Gap("bounds", "cp_gap_bounds", {"n": len(bounds), "m": n, "fact_ids": bounds}))
        district = list(facts.loc[facts["district_en"].fillna("") != "", "fact_id"])
        if district:
            gaps.append(Gap("districts", "cp_gap_districts", {"n": len(district), "fact_ids": district}))
        forecast = tracker[(tracker["status"] == "forecast") & tracker["required_growth"].notna()]
        if forecast.empty:
            gaps.append(Gap("growth", "cp_gap_no_series"))
        else:
            gaps.append(Gap("growth", "cp_gap_forecast_only", {"fact_ids": list(forecast["fact_id"])}))
        comparable = [f for f, ind in zip(facts["fact_id"], facts["indicator"], strict=True)
                      if ((dataset.observations["indicator"] == ind) & (dataset.observations["place"] != place)).any()]  # fmt: skip
        if comparable:
            gaps.append(
                Gap("comparison", "cp_gap_comparison", {"n": len(comparable), "fact_ids": comparable})
            )
        else:
            gaps.append(Gap("comparison", "cp_gap_no_comparison"))
    targets = tracker[tracker["kind"] == "target"]
    if not facts.empty and targets.empty:  # (with no figure at all, "no figure" already says it)
        gaps.append(Gap("targets", "cp_gap_no_targets"))
    unjudged = list(targets.loc[targets["status"].isin(["no_baseline", "no_year"]), "fact_id"])
    if unjudged:
        gaps.append(Gap("targets", "cp_gap_targets_no_baseline",
                        {"k": len(unjudged), "n": len(targets), "fact_ids": unjudged}))  # fmt: skip
    milestones = list(targets.loc[targets["status"] == "milestone", "fact_id"])
    if milestones:
        gaps.append(Gap("targets", "cp_gap_milestones", {"n": len(milestones), "fact_ids": milestones}))
    inferred = list(roles.loc[roles["role_basis"].str.startswith("inferred"), "sector"])
    if inferred:
        gaps.append(
            Gap("roles", "cp_gap_roles_inferred", {"n": len(inferred), "m": len(roles), "sectors": inferred})
        )
    return gaps


def build_profile(dataset: Dataset, place: str, n_draws: int = 1000, seed: int = index.DEFAULT_SEED,
                  result: IndexResult | None = None) -> CityProfile:  # fmt: skip
    """The profile of `place` (any place id of data/cities.csv, `china` included).

    Args:
        result: a synthesis_index already computed (to profile many places with one Monte Carlo); None
            computes it with `n_draws` and `seed`.

    Raises:
        KeyError: `place` is not in data/cities.csv.
    """
    depth = profile_depth(dataset, place)
    result = result if result is not None else synthesis_index(dataset, n_draws, seed)
    roles, facts, tracker = (
        place_roles(dataset, place),
        place_facts(dataset, place),
        place_tracker(dataset, place),
    )
    return CityProfile(
        place=place,
        region=str(dataset.cities.set_index("place_id").loc[place, "region"]),
        depth=depth,
        roles=roles,
        facts=facts,
        tracker=tracker,
        peers=regional_peers(dataset, place),
        index=result,
        position=index_position(result, place),
        gaps=find_gaps(dataset, place, roles, facts, tracker),
    )


def sourced_projection(
    dataset: Dataset, profile: CityProfile, multiplier: float, horizon_year: int
) -> dict | None:
    """synthesis.forecast_projection for the place's own tracker: the first forecast with a baseline, continued
    at `multiplier` times the rate the sources imply; None when the place has none (every city in the current
    data) or the horizon is not after the forecast's year."""
    return syn.forecast_projection(dataset, profile.tracker, multiplier, horizon_year)


# ---------------------------------------------------------------------------------- prose (label language)
def depth_note(profile: CityProfile, labels: Labels) -> str:
    """What kind of profile this is and why, in one sentence in the label language."""
    city, n = labels.city(profile.place), len(profile.roles)
    if profile.depth == "national":
        return labels("eb_depth_national", city=city)
    if profile.depth == "short":
        return labels("eb_depth_short", city=city, n=n) if n else labels("eb_depth_short_unnamed", city=city)
    return labels("eb_depth_full", city=city, n=n, m=len(profile.facts))


def sourced_rates(profile: CityProfile) -> pd.DataFrame:
    """The place's tracker rows whose growth rate the sources imply: a forecast with a baseline."""
    tracker = profile.tracker
    return tracker[(tracker["status"] == "forecast") & tracker["required_growth"].notna()]


def scenario_note(
    dataset: Dataset, profile: CityProfile, labels: Labels, scenario: str, horizon_year: int
) -> str:
    """What the scenario and horizon parameters change in this profile, in the label language: nothing without a
    growth rate the sources imply; else whether the first one (the one sourced_projection continues) reaches
    past its forecast's year to the horizon."""
    city, name = labels.city(profile.place), labels.scenario(scenario)
    rates = sourced_rates(profile)
    if rates.empty:
        return labels("eb_scenario_no_rate", city=city, scenario=name, horizon=horizon_year)
    year = int(rates["year"].iloc[0])
    if horizon_year <= year:
        return labels("eb_scenario_not_after", city=city, n=len(rates), year=year, horizon=horizon_year,
                      scenario=name)  # fmt: skip
    multiplier = dataset.assumptions["scenarios"][scenario]["growth_multiplier"]
    return labels("eb_scenario_continues", city=city, n=len(rates), year=year, scenario=name, mult=multiplier,
                  source=dataset.assumptions["source_id"], horizon=horizon_year)  # fmt: skip


SECTIONS: tuple[str, ...] = ("figures", "targets", "projection", "peers", "index")
"""The sections of the profile that can have nothing to show (section_note)."""


def section_note(profile: CityProfile, labels: Labels, section: str) -> str:
    """Why a section of the profile has nothing to show, in the label language (a section of SECTIONS).

    Raises:
        ValueError: an unknown section.
    """
    if section not in SECTIONS:
        raise ValueError(f"unknown section {section!r}; expected one of {sorted(SECTIONS)}")
    city = labels.city(profile.place)
    if section == "peers":
        if profile.is_national:
            return labels("eb_section_peers_national", city=city)
        return labels("eb_section_peers", city=city, region=labels.region(profile.region))
    if section == "index":
        return labels(
            "eb_section_index_national" if profile.is_national else "eb_section_index_unnamed", city=city
        )
    return labels(f"eb_section_{section}", city=city)


# ------------------------------------------------------------------------------------------------ citations
def own_citation(dataset: Dataset, profile: CityProfile) -> tuple[list[str], list[tuple[str, str]]]:
    """(fact ids, (sector, place) roles) of the place itself; when it has neither, every fact (what was searched)."""
    facts = list(profile.facts["fact_id"])
    roles = [(s, profile.place) for s in profile.roles["sector"]]
    if not facts and not roles:
        return list(dataset.facts["fact_id"]), []
    return facts, roles


def group_citation(dataset: Dataset, places: Sequence[str], kinds: Sequence[str] | None = None):
    """(fact ids, roles) of `places`: their facts (of `kinds` when given) and their rows of data/city_roles.csv."""
    facts = syn.fact_ids_for(dataset, places, kinds)
    rows = dataset.city_roles[dataset.city_roles["place"].isin(list(places))]
    return facts, list(zip(rows["sector"], rows["place"], strict=True))


def index_citation(dataset: Dataset) -> tuple[list[str], list[tuple[str, str]]]:
    """What the index counts: every named city's roles and every actual figure about a city."""
    return group_citation(dataset, syn.named_places(dataset), ["actual"])


def tracker_citation(profile: CityProfile) -> list[str]:
    """The tracker's targets and forecasts and the baselines they use."""
    return list(profile.tracker["fact_id"]) + [f for f in profile.tracker["baseline_fact"] if f]


# ------------------------------------------------------------------------------------------- display tables
def _figure(fact: pd.Series, labels: Labels, currency: str, cny_per_usd: float) -> str:
    return format_figure(fact["value"], fact["bound"], fact["unit"], labels, currency, cny_per_usd)


def focus_text(role: pd.Series, labels: Labels) -> str:
    """English: the focus description; Chinese: the focus tags, translated and joined with 、."""
    if labels.lang == "en":
        return str(role["focus"])
    return "、".join(labels(f"focus_{tag}") for tag in str(role["focus_tags"]).split(";"))


def role_basis(role: pd.Series) -> str:
    """ "stated" or "inferred", from the start of role_basis in data/city_roles.csv."""
    return "stated" if str(role["role_basis"]).startswith("stated") else "inferred"


def placements_table(dataset: Dataset, profile: CityProfile, labels: Labels) -> pd.DataFrame:
    """One row per sector (all six): the place's role or "not named", how the role is known, its focus, the
    number of figures the sources give there and the paragraphs."""
    roles = profile.roles.set_index("sector")
    rows = []
    for sector in syn.sector_ids(dataset):
        n = int((profile.facts["sector"] == sector).sum())
        paragraphs = sorted(set(profile.facts.loc[profile.facts["sector"] == sector, "locator"].astype(int)))
        if sector in roles.index:
            role = roles.loc[sector]
            paragraphs = sorted(set(paragraphs) | {int(role["locator"])})
            cells = (
                labels.role(role["role"]),
                labels(f"cp_basis_{role_basis(role)}"),
                focus_text(role, labels),
            )
        elif n:
            cells = (labels("cp_national_only") if profile.is_national else "—", "—", "—")
        else:
            cells = (labels("cp_not_named"), "—", "—")
        rows.append([labels.sector(sector), *cells, n, ", ".join(map(str, paragraphs)) or "—"])
    columns = [labels("sector"), labels("role"), labels("cp_col_basis"), labels("focus"), labels("cp_n_figures"),
               labels("cp_col_paragraph")]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def landscape(dataset: Dataset, profile: CityProfile, labels: Labels, currency: str = "CNY",
              cny_per_usd: float = 7.19) -> pd.DataFrame:  # fmt: skip
    """helpers.tables.landscape_table restricted to the place, for every sector where it has a role or a
    figure, with a sector column first (no rows when it has neither)."""
    parts = []
    for sector in syn.sector_ids(dataset):
        if sector not in set(profile.roles["sector"]) and sector not in set(profile.facts["sector"]):
            continue
        part = landscape_table(dataset, sector, labels, currency, cny_per_usd, [profile.place])
        part = part[part[labels("city")] == labels.city(profile.place)]
        part.insert(0, labels("sector"), labels.sector(sector))
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=[labels(c) for c in LANDSCAPE_COLUMNS])
    return pd.concat(parts, ignore_index=True)


def figures_table(
    profile: CityProfile, labels: Labels, currency: str = "CNY", cny_per_usd: float = 7.19
) -> pd.DataFrame:
    """Every figure of the place: sector, district, indicator, measure, kind, figure with its bound, the
    quantity as printed (in a Chinese run, one printed in English is written from its value, bound and unit:
    tables.row_printed_text), year, how the year is known, paragraph and fact id."""
    facts = profile.facts
    return pd.DataFrame({
        labels("sector"): [labels.sector(s) for s in facts["sector"]],
        labels("district"): [labels.district(f) for f in facts["fact_id"]],
        labels("indicator"): [labels.fact(f) for f in facts["fact_id"]],
        labels("measure"): [labels.measure(m) for m in facts["measure"]],
        labels("kind"): [labels.kind(k) for k in facts["kind"]],
        labels("figure"): [_figure(f, labels, currency, cny_per_usd) for _, f in facts.iterrows()],
        labels("as_printed"): [row_printed_text(f, labels) for _, f in facts.iterrows()],
        labels("year"): ["" if pd.isna(y) else str(int(y)) for y in facts["year"]],
        labels("cp_col_year_basis"): [labels(f"cp_year_{year_basis(n)}") for n in facts["year_note"]],
        labels("cp_col_paragraph"): [int(p) for p in facts["locator"]],
        labels("fact_id"): list(facts["fact_id"]),
    })  # fmt: skip


def targets_table(dataset: Dataset, profile: CityProfile, labels: Labels, currency: str = "CNY",
                  cny_per_usd: float = 7.19) -> pd.DataFrame:  # fmt: skip
    """synthesis.tracker_table of the place's targets and forecasts (baseline, required growth, status)."""
    return syn.tracker_table(dataset, profile.tracker, labels, currency, cny_per_usd)


def peer_breadth(dataset: Dataset, places: Sequence[str]) -> pd.DataFrame:
    """synthesis.breadth of `places`, in that order, with a row for a place the sources name in no race (a
    province whose cities they name, say), which breadth leaves out: no races and no roles, and the figures the
    sources give about it."""
    columns = ["n_sectors", *ROLES, "n_facts"]
    table = syn.breadth(dataset, places).reindex(list(places))
    regions = dataset.cities.set_index("place_id")["region"]
    for place in places:
        if pd.isna(table.loc[place, "n_sectors"]):
            table.loc[place, columns] = [0] * (1 + len(ROLES)) + [len(syn.fact_ids_for(dataset, [place]))]
            table.loc[place, "region"] = regions[place]
    return table.astype(dict.fromkeys(columns, int))


def peers_table(dataset: Dataset, profile: CityProfile, labels: Labels) -> pd.DataFrame:
    """The place and its regional peers (the place first): races named, roles by kind, figures given and the
    median rank and 5-95% interval in the synthesis index ("not ranked" for a place it does not rank)."""
    places = [profile.place, *profile.peers] if profile.peers else []
    table = (
        peer_breadth(dataset, places) if places else pd.DataFrame(columns=["n_sectors", *ROLES, "n_facts"])
    )
    intervals = profile.index.intervals
    out = pd.DataFrame({labels("city"): [labels.city(p) for p in places]})
    out[labels("syn_n_sectors")] = [int(table.loc[p, "n_sectors"]) for p in places]
    for role in ROLES:
        out[labels.role(role)] = [int(table.loc[p, role]) for p in places]
    out[labels("syn_n_facts")] = [int(table.loc[p, "n_facts"]) for p in places]
    not_ranked = labels("cp_not_ranked")
    out[labels("syn_median_rank")] = [int(intervals.loc[p, "median_rank"]) if p in intervals.index
                                      else not_ranked for p in places]  # fmt: skip
    out[labels("cp_col_interval")] = [f"{intervals.loc[p, 'p05']}–{intervals.loc[p, 'p95']}" if p in intervals.index
                                      else not_ranked for p in places]  # fmt: skip
    return out


def index_table(profile: CityProfile, labels: Labels) -> pd.DataFrame:
    """Every city of the index, best median rank first: its indicators, rank with the default settings,
    median rank, 5-95% interval, and a mark on the profiled place's row."""
    result = profile.index
    order = list(result.intervals.index)
    out = pd.DataFrame({labels("city"): [labels.city(p) for p in order]})
    for name in result.indicators.columns:
        out[labels(f"syn_ind_{name}")] = [int(result.indicators.loc[p, name]) for p in order]
    out[labels("syn_rank")] = [int(result.ranks[p]) for p in order]
    out[labels("syn_median_rank")] = [int(result.intervals.loc[p, "median_rank"]) for p in order]
    out[labels("cp_col_interval")] = [
        f"{result.intervals.loc[p, 'p05']}–{result.intervals.loc[p, 'p95']}" for p in order
    ]
    out[labels("cp_col_this")] = [labels("cp_this_profile") if p == profile.place else "" for p in order]
    return out


def gap_text(gap: Gap, dataset: Dataset, labels: Labels) -> str:
    """One gap as a sentence in the label language."""
    values = dict(gap.values)
    if "sectors" in values:
        values["sectors"] = syn.join_names([labels.sector(s) for s in values["sectors"]], labels)
    if gap.key == "cp_gap_districts":
        values["districts"] = syn.join_names(
            list(dict.fromkeys(labels.district(f) for f in values["fact_ids"])), labels
        )
    if gap.key == "cp_gap_forecast_only":
        values["what"] = syn.join_names([labels.fact(f) for f in values["fact_ids"]], labels)
    values.pop("fact_ids", None)
    return labels(gap.key, **values)


def gaps_table(profile: CityProfile, dataset: Dataset, labels: Labels) -> pd.DataFrame:
    """The gaps as a table: topic, what the sources do not say, and the fact ids concerned."""
    return pd.DataFrame({
        labels("cp_col_topic"): [labels(f"cp_topic_{g.topic}") for g in profile.gaps],
        labels("cp_col_gap"): [gap_text(g, dataset, labels) for g in profile.gaps],
        labels("fact_id"): ["; ".join(g.values.get("fact_ids", [])) for g in profile.gaps],
    })  # fmt: skip


def brief(dataset: Dataset, profile: CityProfile, labels: Labels) -> list[str]:
    """The profile in a few sentences, in the label language: place and region, roles, figures, index, peers."""
    city = labels.city(profile.place)
    row = dataset.cities.set_index("place_id").loc[profile.place]
    if profile.is_national:
        lines = [labels("cp_brief_national", city=city)]
    else:
        province = labels.localise(row["province_en"], row["province_zh"])
        region = labels.region(profile.region)
        lines = [labels("cp_brief_place", city=city, province=province, region=region) if row["province_en"] != row["name_en"]
                 else labels("cp_brief_place_municipality", city=city, region=region)]  # fmt: skip
        items = [labels("cp_role_in", role=labels.role(r["role"]), sector=labels.sector(r["sector"]),
                        basis=labels(f"cp_basis_{role_basis(r)}")) for _, r in profile.roles.iterrows()]  # fmt: skip
        lines.append(labels("cp_brief_roles", n=len(items), roles=labels("cp_list_sep").join(items)))
    facts = profile.facts
    if facts.empty:
        lines.append(labels("cp_brief_no_figures", city=city))
    else:
        lines.append(labels("cp_brief_figures", n=len(facts), actuals=int((facts["kind"] == "actual").sum()),
                            ahead=int((facts["kind"] != "actual").sum()), bounds=int((facts["bound"] != "=").sum())))  # fmt: skip
    if profile.position is not None:
        p = profile.position
        lines.append(labels("cp_brief_index", rank=p.rank, median=p.median_rank, n=p.n_cities, p05=p.p05, p95=p.p95,
                            draws=profile.index.n_draws))  # fmt: skip
    if profile.peers:
        lines.append(labels("cp_brief_peers", region=labels.region(profile.region),
                            names=syn.join_names([labels.city(p) for p in profile.peers], labels)))  # fmt: skip
    elif not profile.is_national:
        lines.append(labels("cp_brief_no_peers", region=labels.region(profile.region)))
    return lines


# ------------------------------------------------------------------------------------------------- figures
def _sector_colours(dataset: Dataset) -> dict[str, str]:
    return dict(zip(syn.sector_ids(dataset), syn.SECTOR_COLOURS, strict=True))


def _wrap(text: str, width: int) -> str:
    """Wrap English at `width` characters, Chinese (about twice as wide per glyph) at half of it."""
    if any("\u2e80" <= c <= "\u9fff" for c in text):
        half = max(1, width // 2)
        return "\n".join(text[i : i + half] for i in range(0, len(text), half))
    return "\n".join(textwrap.wrap(text, width)) or text


def figure_coverage(dataset: Dataset, profile: CityProfile, labels: Labels) -> Figure:
    """The six races in a row: each box coloured by the place's role (white: not named; hatched grey: national
    figures without a role), with the number of figures the sources give there."""
    fig, ax = new_figure(10, 3.1)
    roles = profile.roles.set_index("sector")["role"]
    sectors = syn.sector_ids(dataset)
    used = set()
    for x, sector in enumerate(sectors):
        n = int((profile.facts["sector"] == sector).sum())
        role = roles.get(sector, "")
        if role:
            face, hatch, text = ROLE_COLOURS[role], None, labels.role(role)
        elif n:
            face, hatch, text = NATIONAL_COLOUR, "//", labels("cp_national_only")
        else:
            face, hatch, text = NOT_NAMED_COLOUR, None, labels("cp_not_named")
        used.add(role or ("national" if n else "none"))
        ax.add_patch(Rectangle((x + 0.04, 0), 0.92, 1, facecolor=face, edgecolor="#333333", linewidth=0.8,
                               hatch=hatch))  # fmt: skip
        colour = "white" if role in ("leader", "hub") else "#222222"
        box = {"boxstyle": "square,pad=0.2", "facecolor": face, "edgecolor": "none"} if hatch else None
        ax.text(
            x + 0.5, 0.62, _wrap(text, 14), ha="center", va="center", fontsize=9.5, color=colour, bbox=box
        )
        ax.text(x + 0.5, 0.22, labels("cp_cell_figures", n=n), ha="center", va="center", fontsize=8.5, color=colour,
                bbox=box)  # fmt: skip
        ax.text(x + 0.5, 1.08, _wrap(labels.sector(sector), 18), ha="center", va="bottom", fontsize=9)
    ax.set_xlim(-0.05, len(sectors) + 0.05)
    ax.set_ylim(-0.08, 1.55)
    ax.set_axis_off()
    handles = [
        Patch(facecolor=ROLE_COLOURS[r], edgecolor="#333333", label=labels.role(r))
        for r in ROLES
        if r in used
    ]
    if "national" in used:
        handles.append(
            Patch(
                facecolor=NATIONAL_COLOUR, edgecolor="#333333", hatch="//", label=labels("cp_national_only")
            )
        )
    if "none" in used:
        handles.append(Patch(facecolor=NOT_NAMED_COLOUR, edgecolor="#333333", label=labels("cp_not_named")))
    ax.legend(
        handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.02), ncols=len(handles), fontsize=8.5
    )
    syn.set_title(fig, coverage_title(dataset, profile, labels))
    return fig


def coverage_title(dataset: Dataset, profile: CityProfile, labels: Labels) -> str:
    """The coverage figure's finding: races named and leader roles, or the nation's figures by sector."""
    city = labels.city(profile.place)
    if profile.is_national:
        sectors = [s for s in syn.sector_ids(dataset) if s in set(profile.facts["sector"])]
        return labels("cp_coverage_title_national", city=city,
                      sectors=syn.join_names([labels.sector(s) for s in sectors], labels))  # fmt: skip
    key = "cp_coverage_title" if profile.n_leader else "cp_coverage_title_no_lead"
    return labels(key, city=city, n=len(profile.roles), k=profile.n_leader)


def timeline_rows(dataset: Dataset, profile: CityProfile, labels: Labels, currency: str = "CNY",
                  cny_per_usd: float = 7.19) -> pd.DataFrame:  # fmt: skip
    """One row per figure of the place for figure_timeline, by year (no year last), then sector, then file order.

    Columns: fact_id, sector, kind, year (None when the sources give none), is_year_printed, row_label
    ("indicator (district)"), note (the figure with its bound; for targets and forecasts also the years left
    and the growth required from a baseline, or "no baseline in the sources").
    """
    tracker = profile.tracker.set_index("fact_id") if not profile.tracker.empty else None
    sector_order = {s: i for i, s in enumerate(syn.sector_ids(dataset))}
    rows = []
    for position, (_, fact) in enumerate(profile.facts.iterrows()):
        has_year = not pd.isna(fact["year"])
        if fact["unit"] == "year":  # a dated milestone: its value is its year
            parts = [labels("cp_event" if fact["kind"] == "actual" else "cp_milestone")]
        else:
            parts = [_figure(fact, labels, currency, cny_per_usd)]
        if tracker is not None and fact["fact_id"] in tracker.index:
            track = tracker.loc[fact["fact_id"]]
            if has_year and int(fact["year"]) > as_of_year(dataset):
                parts.append(labels("cp_years_left", n=int(fact["year"]) - as_of_year(dataset)))
            if not pd.isna(track["required_growth"]):
                rate = (
                    f"{format_bound(track['required_bound'])}{syn.percent(float(track['required_growth']))}"
                )
                parts.append(labels("cp_needs", rate=rate))
            elif track["status"] == "no_baseline":
                parts.append(labels("no_baseline"))
        district = labels.district(fact["fact_id"])
        label = labels.fact(fact["fact_id"]) + (f" ({district})" if district else "")
        rows.append({"fact_id": fact["fact_id"], "sector": fact["sector"], "kind": fact["kind"],
                     "year": int(fact["year"]) if has_year else None,
                     "is_year_printed": year_basis(fact["year_note"]) == "explicit",
                     "row_label": label, "note": " · ".join(parts),
                     "_order": (int(fact["year"]) if has_year else 9999, sector_order[fact["sector"]], position)})  # fmt: skip
    columns = ["fact_id", "sector", "kind", "year", "is_year_printed", "row_label", "note"]
    if not rows:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(rows).sort_values("_order", kind="stable")[columns].reset_index(drop=True)
    frame["year"] = pd.array(
        [None if y is None or pd.isna(y) else int(y) for y in frame["year"]], dtype="Int64"
    )
    return frame


TIMELINE_MAX_ROWS = 24  # figures drawn on a profile's timeline; the table lists them all


def note_fraction(text: str, axis_inches: float = 5.5, inches_per_char: float = 0.058) -> float:
    """The share of the timeline's axis width that a note of fontsize 8 takes (Chinese glyphs count twice),
    capped at 0.7: the axis is widened to the right so that every note fits."""
    units = len(text) + sum("\u2e80" <= c <= "\u9fff" for c in text) + 2  # + the offset from the marker
    return min(0.7, units * inches_per_char / axis_inches)


def figure_timeline(dataset: Dataset, profile: CityProfile, labels: Labels, horizon_year: int = 2030,
                    currency: str = "CNY", cny_per_usd: float = 7.19) -> Figure | None:  # fmt: skip
    """Every figure of the place on a year axis, its value written beside it (bounds kept): a position on the
    axis is a year, never a value, so unlike measures never share a scale. Colour: sector; marker: kind; open
    marker: year not printed; a line runs from the latest source's year to each target's year. None when the sources
    give the place no figure."""
    every_row = timeline_rows(dataset, profile, labels, currency, cny_per_usd)
    if every_row.empty:
        return None
    rows = every_row.head(TIMELINE_MAX_ROWS)  # earliest years first; the profile's table lists every figure
    colours = _sector_colours(dataset)
    years = [int(y) for y in rows["year"] if not pd.isna(y)]
    last = max([horizon_year, as_of_year(dataset), *years])
    first = min([as_of_year(dataset), *years])
    no_year_x = last + max(1.5, 0.15 * (last - first))
    fig, ax = new_figure(10.5, max(3.0, 1.9 + 0.5 * len(rows)))
    positions = list(range(len(rows)))[::-1]
    for y, (_, row) in zip(positions, rows.iterrows(), strict=True):
        x = no_year_x if pd.isna(row["year"]) else int(row["year"])
        colour = colours[row["sector"]]
        if row["kind"] != "actual" and not pd.isna(row["year"]) and x > as_of_year(dataset):
            ax.plot([as_of_year(dataset), x], [y, y], color=colour, linewidth=1.2, alpha=0.35)
        ax.plot([x], [y], marker=KIND_MARKERS[row["kind"]], markersize=9, color=colour, linestyle="none",
                markerfacecolor=colour if row["is_year_printed"] else "white", markeredgewidth=1.6)  # fmt: skip
        ax.annotate(row["note"], xy=(x, y), xytext=(9, 0), textcoords="offset points", va="center", fontsize=8,
                    color="#333333", zorder=5, bbox={"boxstyle": "square,pad=0.15", "facecolor": "white",
                                                     "edgecolor": "none", "alpha": 0.9})  # fmt: skip
    ax.axvline(as_of_year(dataset), color="#888888", linestyle="--", linewidth=1)
    ax.axvline(horizon_year, color="#888888", linestyle=":", linewidth=1)
    ax.set_yticks(positions, [_wrap(t, 44) for t in rows["row_label"]], fontsize=8.5)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ticks = list(range(first, last + 1)) if last - first <= 12 else list(range(first, last + 1, 5))
    has_undated = bool(rows["year"].isna().any())
    ax.set_xticks([*ticks, no_year_x] if has_undated else ticks,
                  [*map(str, ticks), labels("no_year")] if has_undated else list(map(str, ticks)), fontsize=8)  # fmt: skip
    left = first - 0.6
    xs = [no_year_x if pd.isna(y) else int(y) for y in rows["year"]]
    right = max([(no_year_x if has_undated else last) + 0.6]
                + [left + (x - left) / (1 - note_fraction(note)) for x, note in zip(xs, rows["note"], strict=True)])  # fmt: skip
    ax.set_xlim(left, right)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(labels("cp_timeline_axis", year=horizon_year, now=as_of_year(dataset)))
    if len(every_row) > len(rows):
        ax.text(0.0, -0.16, labels("cp_timeline_shown", k=len(rows), n=len(every_row)), transform=ax.transAxes,
                fontsize=8, color="#555555", va="top")  # fmt: skip
    sectors = list(dict.fromkeys(rows["sector"]))
    handles = [
        Patch(color=colours[s], label=labels.sector(s)) for s in syn.sector_ids(dataset) if s in sectors
    ]
    handles += [Line2D([], [], marker=KIND_MARKERS[k], color="#555555", linestyle="none", label=labels.kind(k))
                for k in ("actual", "target", "forecast") if k in set(rows["kind"])]  # fmt: skip
    if not rows["is_year_printed"].all():
        handles.append(Line2D([], [], marker="o", color="#555555", markerfacecolor="white", linestyle="none",
                              label=labels("cp_year_open")))  # fmt: skip
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    facts = profile.facts
    syn.set_title(fig, labels("cp_timeline_title", city=labels.city(profile.place), n=len(facts),
                              actuals=int((facts["kind"] == "actual").sum()), ahead=int((facts["kind"] != "actual").sum()),
                              bounds=int((facts["bound"] != "=").sum()),
                              undated=sum(year_basis(n) in UNDATED_BASES for n in facts["year_note"])))  # fmt: skip
    return fig


def figure_index_position(profile: CityProfile, labels: Labels) -> Figure | None:
    """synthesis.figure_rank_intervals (every city's 5-95% interval, median and default rank) with the place's
    row highlighted and a title about the place; None when the index does not rank it."""
    if profile.position is None:
        return None
    result = profile.index
    fig = syn.figure_rank_intervals(result.intervals, result.ranks, labels, result.n_draws)
    ax = fig.axes[0]
    y = len(result.intervals) - 1 - list(result.intervals.index).index(profile.place)
    ax.axhspan(y - 0.45, y + 0.45, color="#fdebd0", zorder=0)
    name = labels.city(profile.place)
    for tick in ax.get_yticklabels():
        if tick.get_text() == name:
            tick.set_color(HIGHLIGHT)
    p = profile.position
    syn.set_title(
        fig, labels("cp_index_title", city=name, median=p.median_rank, n=p.n_cities, p05=p.p05, p95=p.p95)
    )
    return fig


def figure_peers(dataset: Dataset, profile: CityProfile, labels: Labels) -> Figure | None:
    """The place and its regional peers: races named, stacked by role, with figures given beside each bar; the
    place on top in the highlight colour. None when it has no regional peers."""
    if not profile.peers:
        return None
    places = [profile.place, *profile.peers]
    table = peer_breadth(dataset, places)
    fig, ax = new_figure(8.5, max(2.8, 1.5 + 0.5 * len(places)))
    positions = list(range(len(places)))[::-1]
    left = np.zeros(len(places))
    for role in ROLES:
        values = table[role].to_numpy(dtype=float)
        if values.sum() == 0:
            continue
        ax.barh(positions, values, left=left, color=ROLE_COLOURS[role], edgecolor="#333333", linewidth=0.6,
                label=labels.role(role), height=0.6)  # fmt: skip
        left += values
    for y, place in zip(positions, places, strict=True):
        ax.text(table.loc[place, "n_sectors"] + 0.1, y, labels("cp_cell_figures", n=int(table.loc[place, "n_facts"])),
                va="center", fontsize=8)  # fmt: skip
    ax.set_yticks(positions, [labels.city(p) for p in places])
    for tick in ax.get_yticklabels():
        if tick.get_text() == labels.city(profile.place):
            tick.set_color(HIGHLIGHT)
    ax.set_xlim(0, 7.2)
    ax.set_xticks(range(7))
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(labels("cp_peers_axis"))
    ax.legend(title=labels("role"), loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    syn.set_title(fig, peers_title(dataset, profile, labels, table))
    return fig


def peers_title(dataset: Dataset, profile: CityProfile, labels: Labels, table: pd.DataFrame) -> str:
    """The peers figure's finding: is the place named in the most races of its region, and if not, who is."""
    n = int(table.loc[profile.place, "n_sectors"])
    most = int(table["n_sectors"].max())
    region, city = labels.region(profile.region), labels.city(profile.place)
    if n == most:
        return labels("cp_peers_title_top", region=region, city=city, n=n, m=len(table))
    top = [labels.city(p) for p in table.index if table.loc[p, "n_sectors"] == most]
    return labels("cp_peers_title", region=region, city=city, n=n, top=syn.join_names(top, labels), k=most)


def figure_projection(dataset: Dataset, profile: CityProfile, labels: Labels, scenario: str, horizon_year: int,
                      currency: str = "CNY", cny_per_usd: float = 7.19) -> Figure | None:  # fmt: skip
    """The place's sourced baseline and forecast, continued to `horizon_year` under each growth scenario of
    data/assumptions.yml (the chosen one drawn bold, its end value written). None when the place has no
    forecast with a baseline or the horizon is not after the forecast's year."""
    scenarios = dataset.assumptions["scenarios"]
    chosen = sourced_projection(dataset, profile, scenarios[scenario]["growth_multiplier"], horizon_year)
    if chosen is None:
        return None
    facts = dataset.facts.set_index("fact_id")
    base, forecast = facts.loc[chosen["baseline_fact"]], facts.loc[chosen["fact_id"]]
    fig, ax = new_figure(8.5, 4.2)

    def money(value: float) -> float:
        return convert_money(value, currency, cny_per_usd)

    ax.plot([chosen["base_year"], chosen["start_year"]], [money(base["value"]), money(forecast["value"])],
            color="#1b4f72", linewidth=1.5)  # fmt: skip
    ax.plot([chosen["base_year"]], [money(base["value"])], marker=KIND_MARKERS["actual"], color="#1b4f72",
            markersize=9, linestyle="none", label=labels.kind("actual"))  # fmt: skip
    ax.plot([chosen["start_year"]], [money(forecast["value"])], marker=KIND_MARKERS["forecast"], color="#7570b3",
            markersize=9, linestyle="none", label=labels.kind("forecast"))  # fmt: skip
    for name, spec in scenarios.items():
        path = project(float(forecast["value"]), chosen["rate"] * spec["growth_multiplier"], chosen["start_year"],
                       horizon_year)  # fmt: skip
        bold = name == scenario
        ax.plot(path.index, [money(v) for v in path], linestyle="--", color="#d95f02" if bold else "#aaaaaa",
                linewidth=2 if bold else 1,
                label=labels("cp_legend_scenario", name=labels.scenario(name), mult=spec["growth_multiplier"]))  # fmt: skip
        if bold:
            ax.annotate(format_figure(float(path.iloc[-1]), "=", "CNY", labels, currency, cny_per_usd),
                        xy=(horizon_year, money(path.iloc[-1])), xytext=(6, 0), textcoords="offset points",
                        va="center", fontsize=8.5)  # fmt: skip
    ax.axvline(as_of_year(dataset), color="#888888", linestyle="--", linewidth=1)
    ax.set_xlim(chosen["base_year"] - 0.5, horizon_year + 2.5)
    ax.set_ylim(bottom=0)
    to_cny = cny_per_usd if currency == "USD" else 1.0
    ax.yaxis.set_major_formatter(
        FuncFormatter(lambda v, _: format_money(v * to_cny, labels, currency, cny_per_usd))
    )
    ax.set_xlabel(labels("year"))
    ax.set_ylabel(labels("cp_value_axis", measure=labels.measure(forecast["measure"]),
                         currency=labels(f"currency_{currency}")))  # fmt: skip
    ax.legend(loc="upper left", fontsize=8)
    syn.set_title(fig, labels("cp_projection_title", what=labels.fact(chosen["fact_id"]),
                              sector=labels.sector(forecast["sector"]), rate=syn.percent(chosen["rate"]),
                              y0=chosen["base_year"], y1=chosen["start_year"], scenario=labels.scenario(scenario),
                              horizon=horizon_year,
                              value=format_figure(chosen["value"], "=", "CNY", labels, currency, cny_per_usd)))  # fmt: skip
    return fig

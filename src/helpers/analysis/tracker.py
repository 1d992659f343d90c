"""Targets against the sources' own figures: the baseline of a target from any source, why there is none, the
growth a target requires against the growth the sources observed, and a verdict that carries the bounds.

Used by helpers.analysis.synthesis.target_tracker (notebook 07) and so by the city profiles. The functions take
a frame of facts or observations (columns of data/facts.csv), so they are tested on a small fixture.

Bounds become intervals: "=" and "~" (about) are the value itself, ">=" is [value, +inf), "<=" is
(-inf, value]. A target is on track when the lowest observed growth reaches the highest required growth,
behind when the highest observed growth falls short of the lowest required, and undecided otherwise: an
"over" target on an exact baseline requires *at least* its rate, so no observed rate declares it on track.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from helpers.indicators import cagr, indicator_stem, ratio_bound

MONEY_UNITS: tuple[str, ...] = ("CNY", "USD")  # money in either currency converts at the stated rate
REASONS: tuple[str, ...] = (
    "no_series",
    "other_district",
    "no_actual",
    "unit_mismatch",
    "undated",
    "only_later",
    "not_positive",
)
"""Why a target has no baseline, in the order they are tested: no other figure of the place and indicator; only
another district's (or the whole city's); no actual among them (only targets and forecasts); no actual in a
unit that converts; actuals without a year; actuals only of the target's year or later; a baseline (or target)
of zero or below, from which no growth rate can be computed."""


@dataclass(frozen=True)
class Baseline:
    """The baseline found for a target (`fact` the actual, `value` in the target's unit), or why none."""

    fact: pd.Series | None
    value: float | None
    reason: str  # "" when found, else one of REASONS


@dataclass(frozen=True)
class Growth:
    """An annual growth rate with its bound ("=", ">=", "<=", "~") and the facts it runs between."""

    rate: float
    bound: str
    start_fact: str
    end_fact: str


def in_unit(fact: pd.Series, unit: str, cny_per_usd: float) -> float | None:
    """`fact`'s value in `unit`: itself in the same unit, converted between CNY and USD at `cny_per_usd`,
    else None (the units do not convert)."""
    if fact["unit"] == unit:
        return float(fact["value"])
    if fact["unit"] in MONEY_UNITS and unit in MONEY_UNITS:
        return float(fact["value"]) * cny_per_usd if unit == "CNY" else float(fact["value"]) / cny_per_usd
    return None


def _district(value: object) -> str:
    return "" if pd.isna(value) else str(value)


SeriesIndex = dict[tuple[str, str], pd.DataFrame]
"""The rows of a frame of facts by (place, indicator stem), each part in the frame's order (series_index)."""


def series_index(facts: pd.DataFrame) -> SeriesIndex:
    """`facts` split by (place, indicator up to a "_target" suffix), each part keeping the rows in the order of
    `facts`: the first selection of series_actuals, done once for all the targets of one frame. A row without
    a place is in no part (it matches no target's place)."""
    if facts.empty:
        return {}
    stems = facts["indicator"].map(indicator_stem)
    return dict(iter(facts.groupby([facts["place"], stems], sort=False)))


def series_actuals(
    facts: pd.DataFrame, target: pd.Series, cny_per_usd: float, index: SeriesIndex | None = None
) -> tuple[pd.DataFrame, str]:
    """The dated actuals of `target`'s series before its year — same place, same district (or none), the same
    indicator up to a "_target" suffix, a unit that converts — with `comparable` (the value in the target's
    unit), ordered by year then fact id; and "" or the first of REASONS that empties the selection.

    `index` (series_index of `facts`) gives the same result without filtering all of `facts` again."""
    if index is None:
        same = facts[(facts["place"] == target["place"]) & (facts["fact_id"] != target["fact_id"])]
        same = same[same["indicator"].map(indicator_stem) == indicator_stem(target["indicator"])]
    else:
        same = index.get((target["place"], indicator_stem(target["indicator"])), facts.iloc[:0])
        same = same[same["fact_id"] != target["fact_id"]]
    empty = same.iloc[:0].assign(comparable=pd.Series(dtype=float))
    if same.empty:
        return empty, "no_series"
    same = same[same["district_en"].map(_district) == _district(target["district_en"])]
    if same.empty:
        return empty, "other_district"
    same = same[same["kind"] == "actual"]
    if same.empty:
        return empty, "no_actual"
    same = same.assign(comparable=[in_unit(f, target["unit"], cny_per_usd) for _, f in same.iterrows()])
    same = same[same["comparable"].notna()]
    if same.empty:
        return empty, "unit_mismatch"
    same = same[same["year"].notna()]
    if same.empty:
        return empty, "undated"
    same = same[same["year"] < target["year"]]
    if same.empty:
        return empty, "only_later"
    return same.sort_values(["year", "fact_id"], kind="stable"), ""


def find_baseline(
    facts: pd.DataFrame, target: pd.Series, cny_per_usd: float, index: SeriesIndex | None = None
) -> Baseline:
    """The latest actual of `target`'s series dated before its year (series_actuals; of one year, the lowest
    fact id), from any source; or why there is none. `index`: series_index of `facts`, or None."""
    if pd.isna(target["year"]):
        return Baseline(None, None, "undated")
    actuals, reason = series_actuals(facts, target, cny_per_usd, index)
    if reason:
        return Baseline(None, None, reason)
    latest = actuals[actuals["year"] == actuals["year"].max()].iloc[0]
    return Baseline(latest, float(latest["comparable"]), "")


def required_growth(target: pd.Series, baseline: Baseline) -> Growth | None:
    """The annual growth from the baseline to the target, with the bound of target / baseline; None for a
    baseline of zero or below."""
    base, value = baseline.value, float(target["value"])
    if base is None or base <= 0 or value < 0:
        return None
    years = int(target["year"]) - int(baseline.fact["year"])
    return Growth(cagr(base, value, years), ratio_bound(target["bound"], baseline.fact["bound"]),
                  baseline.fact["fact_id"], target["fact_id"])  # fmt: skip


def observed_growth(
    facts: pd.DataFrame, target: pd.Series, baseline: Baseline, cny_per_usd: float,
    index: SeriesIndex | None = None,
) -> Growth | None:  # fmt: skip
    """The annual growth the sources observed in the target's series: from its earliest actual to the baseline
    (both before the target's year, series_actuals), with the bound of baseline / earliest. None with fewer
    than two years of actuals or a start of zero or below. `index`: series_index of `facts`, or None."""
    actuals, reason = series_actuals(facts, target, cny_per_usd, index)
    if reason or baseline.fact is None:
        return None
    first = actuals.iloc[0]
    years = int(baseline.fact["year"]) - int(first["year"])
    if years <= 0 or float(first["comparable"]) <= 0:
        return None
    rate = cagr(float(first["comparable"]), float(baseline.value), years)
    return Growth(rate, ratio_bound(baseline.fact["bound"], first["bound"]), first["fact_id"],
                  baseline.fact["fact_id"])  # fmt: skip


def interval(value: float, bound: str) -> tuple[float, float]:
    """The values a bounded figure allows: "=" and "~" the value, ">=" up from it, "<=" down from it."""
    if bound == ">=":
        return value, math.inf
    if bound == "<=":
        return -math.inf, value
    return value, value


def verdict(required: Growth, observed: Growth) -> str:
    """ "on_track" when every growth the observed rate allows reaches every growth the target may require,
    "off_track" when none does, else "undecided" (the bounds leave it open)."""
    need_low, need_high = interval(required.rate, required.bound)
    seen_low, seen_high = interval(observed.rate, observed.bound)
    if seen_low >= need_high:
        return "on_track"
    if seen_high < need_low:
        return "off_track"
    return "undecided"


def track(
    facts: pd.DataFrame, target: pd.Series, cny_per_usd: float, index: SeriesIndex | None = None
) -> dict:
    """What the sources offer to judge one target or forecast (a row of `facts`); `index` (series_index of
    `facts`) saves filtering all of `facts` for each of many targets.

    Returns:
        `baseline_fact` and `observed_fact` ("" when none), `baseline_reason` (one of REASONS, or ""),
        `required_growth`, `required_bound`, `observed_growth`, `observed_bound` (NaN and "" when none) and
        `status`: "no_year", "milestone" (a dated goal, nothing to grow), "no_baseline", "forecast" (a
        baseline: the sources' own trajectory), "no_rate" (a baseline, no earlier actual), or the verdict.
    """
    row = {"baseline_fact": "", "baseline_reason": "", "required_growth": math.nan, "required_bound": "",
           "observed_growth": math.nan, "observed_bound": "", "observed_fact": ""}  # fmt: skip
    if pd.isna(target["year"]):
        return row | {"status": "no_year"}
    if target["measure"] == "milestone":
        return row | {"status": "milestone"}
    baseline = find_baseline(facts, target, cny_per_usd, index)
    required = required_growth(target, baseline) if baseline.fact is not None else None
    if required is None:
        return row | {"status": "no_baseline", "baseline_reason": baseline.reason or "not_positive"}
    row |= {"baseline_fact": baseline.fact["fact_id"], "required_growth": required.rate,
            "required_bound": required.bound}  # fmt: skip
    if target["kind"] == "forecast":
        return row | {"status": "forecast"}
    observed = observed_growth(facts, target, baseline, cny_per_usd, index)
    if observed is None:
        return row | {"status": "no_rate"}
    return row | {"observed_growth": observed.rate, "observed_bound": observed.bound,
                  "observed_fact": observed.start_fact, "status": verdict(required, observed)}  # fmt: skip

"""Pure functions that derive numbers from facts: growth rates, bounded ratios, money conversion, projections.

Bounds travel with every derived number: a ratio of a lower bound to an exact figure is a lower bound; a
ratio of two lower bounds has no direction and is only an approximation ("~").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

# Direction of a ratio's bound from the bounds of its numerator and denominator.
_RATIO_BOUND: dict[tuple[str, str], str] = {
    ("=", "="): "=",
    (">=", "="): ">=",
    ("<=", "="): "<=",
    ("=", ">="): "<=",
    ("=", "<="): ">=",
    (">=", "<="): ">=",
    ("<=", ">="): "<=",
    (">=", ">="): "~",
    ("<=", "<="): "~",
}


@dataclass(frozen=True)
class Bounded:
    """A derived number with the direction of its bound ("=", ">=", "<=", "~")."""

    value: float
    bound: str

    @property
    def is_exact(self) -> bool:
        return self.bound == "="


def ratio_bound(numerator_bound: str, denominator_bound: str) -> str:
    """Bound of a ratio: >= over = is >=; = over >= is <=; two bounds in the same direction give "~"."""
    if "~" in (numerator_bound, denominator_bound):
        return "~"
    return _RATIO_BOUND[(numerator_bound, denominator_bound)]


def bounded_ratio(
    numerator: float, numerator_bound: str, denominator: float, denominator_bound: str
) -> Bounded:
    """Divide two bounded figures and carry the bound. Raises ZeroDivisionError on a zero denominator."""
    if denominator == 0:
        raise ZeroDivisionError("bounded_ratio: the denominator is zero")
    return Bounded(numerator / denominator, ratio_bound(numerator_bound, denominator_bound))


def cagr(start_value: float, end_value: float, years: float) -> float:
    """Compound annual growth rate from `start_value` to `end_value` over `years` years.

    Raises:
        ValueError: when a value is not positive or `years` is not positive.
    """
    if start_value <= 0 or end_value <= 0:
        raise ValueError(f"cagr needs positive values; got {start_value} and {end_value}")
    if years <= 0:
        raise ValueError(f"cagr needs a positive number of years; got {years}")
    return (end_value / start_value) ** (1 / years) - 1


def required_growth(baseline: float, target: float, baseline_year: int, target_year: int) -> float:
    """Annual growth needed to go from `baseline` in `baseline_year` to `target` in `target_year`."""
    return cagr(baseline, target, target_year - baseline_year)


def project(value: float, rate: float, start_year: int, end_year: int) -> pd.Series:
    """Values from `start_year` to `end_year` growing at `rate` a year, indexed by year."""
    if end_year < start_year:
        raise ValueError(f"project: end year {end_year} is before start year {start_year}")
    years = range(start_year, end_year + 1)
    return pd.Series([value * (1 + rate) ** (y - start_year) for y in years], index=list(years), name="value")


def convert_money(value_cny: float, currency: str, cny_per_usd: float) -> float:
    """Express a CNY amount in `currency` ("CNY" or "USD")."""
    if currency == "CNY":
        return value_cny
    if currency == "USD":
        if cny_per_usd <= 0:
            raise ValueError(f"cny_per_usd must be positive; got {cny_per_usd}")
        return value_cny / cny_per_usd
    raise ValueError(f"unknown currency {currency!r}; expected CNY or USD")


def years_left(target_year: int, as_of_year: int = 2025) -> int:
    """Whole years from `as_of_year` (the latest source's year, helpers.selection.as_of_year) to a target year."""
    return target_year - as_of_year


# --- baselines ---------------------------------------------------------------------------------------------


def indicator_stem(indicator: str) -> str:
    """An indicator name without a trailing "_target", so a target "firms_target" matches an actual "firms"."""
    return indicator.removesuffix("_target")


def same_series(facts: pd.DataFrame, fact: pd.Series) -> pd.DataFrame:
    """The other facts of `fact`'s series: same place, same district (or none), same unit and the same indicator
    up to a "_target" suffix (see indicator_stem). A district's figure is not a series of its city's."""
    district = "" if pd.isna(fact["district_en"]) else fact["district_en"]
    same = (
        (facts["place"] == fact["place"])
        & (facts["district_en"].fillna("") == district)
        & (facts["unit"] == fact["unit"])
        & (facts["indicator"].map(indicator_stem) == indicator_stem(fact["indicator"]))
    )
    return facts[same & (facts["fact_id"] != fact["fact_id"])]


def baseline_finder(facts: pd.DataFrame) -> Callable[[pd.Series], pd.Series | None]:
    """find_baseline(facts, fact) as a function of `fact` alone, the keys of `facts` (place, district, unit,
    indicator stem, kind, year) read once: for checking many targets against the same facts. The baseline is
    the same row: of the latest year, the last in `facts`' order (find_baseline's stable sort)."""
    place = facts["place"].to_numpy(dtype=object)
    district = facts["district_en"].fillna("").to_numpy(dtype=object)
    unit = facts["unit"].to_numpy(dtype=object)
    stem = facts["indicator"].map(indicator_stem).to_numpy(dtype=object)
    fact_id = facts["fact_id"].to_numpy(dtype=object)
    years = pd.to_numeric(facts["year"]).to_numpy(dtype=float, na_value=np.nan)
    dated_actual = (facts["kind"] == "actual").to_numpy(dtype=bool) & ~np.isnan(years)

    def find(fact: pd.Series) -> pd.Series | None:
        if pd.isna(fact["year"]):
            return None
        own_district = "" if pd.isna(fact["district_en"]) else fact["district_en"]
        keep = (dated_actual & (place == fact["place"]) & (district == own_district) & (unit == fact["unit"])
                & (stem == indicator_stem(fact["indicator"])) & (fact_id != fact["fact_id"]))  # fmt: skip
        keep &= np.where(keep, years, np.inf) < float(fact["year"])
        rows = np.flatnonzero(keep)
        if not len(rows):
            return None
        return facts.iloc[rows[years[rows] == years[rows].max()][-1]]

    return find


def find_baseline(facts: pd.DataFrame, fact: pd.Series) -> pd.Series | None:
    """The latest actual of `fact`'s series (see same_series) dated before `fact`'s year: the baseline from
    which a target's required growth is computed. None when `fact` has no year or the sources give none."""
    if pd.isna(fact["year"]):
        return None
    candidates = same_series(facts, fact)
    candidates = candidates[(candidates["kind"] == "actual") & candidates["year"].notna()]
    candidates = candidates[candidates["year"] < fact["year"]]
    if candidates.empty:
        return None
    return candidates.sort_values("year", kind="stable").iloc[-1]

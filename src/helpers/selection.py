"""Selecting observations by meaning, and the quantities derived from them as data/derivations.csv declares.

Analyses never name a fact or a source: they ask for the observations of a sector, an indicator, a measure, a
kind, a place, a district or a year, and whatever source brings such an observation brings it into the analysis.

    from helpers import selection
    counts = selection.observations(ds, sector="quantum", measure="count", kind="actual")
    ratios = selection.derived(ds, sector="quantum")   # every ratio of data/derivations.csv the data support
"""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from helpers.data import PACKAGE_KINDS, Dataset, per_dataset
from helpers.indicators import ratio_bound

DERIVED_COLUMNS: list[str] = [
    "derivation_id", "sector", "place", "district_en", "year", "denominator_year", "value", "bound", "unit",
    "numerator_fact", "denominator_fact", "label_en", "label_zh", "meaning",
]  # fmt: skip
NO_YEAR_DISTANCE = 1_000  # an undated observation pairs with a dated one only when nothing nearer exists


def _matches(values: pd.Series, wanted: object) -> pd.Series:
    if isinstance(wanted, Collection) and not isinstance(wanted, str):
        return values.isin(list(wanted))
    return values == wanted


def pick(frame: pd.DataFrame, **criteria: object) -> pd.DataFrame:
    """The rows of `frame` whose columns equal the given values (a list or set: any of them); None ignores a
    criterion. `district=""` keeps figures for whole places, `district="Changping District"` one district
    (`district` reads the column district_en). Row order is kept; the index is reset.

    Raises:
        KeyError: a criterion names no column of `frame`.
    """
    keep = pd.Series(True, index=frame.index)
    for name, wanted in criteria.items():
        if wanted is None:
            continue
        column = "district_en" if name == "district" else name
        if column not in frame.columns:
            raise KeyError(f"cannot select by {name!r}: the table has no column {column!r}")
        values = (
            frame[column].fillna("") if column == "district_en" else frame[column]
        )  # not a copy of the frame
        keep &= _matches(values, wanted)
    return frame[keep].reset_index(drop=True)


def observations(
    dataset: Dataset, *, places: Collection[str] | None = None, **criteria: object
) -> pd.DataFrame:
    """Observations (each figure once, the chosen fact's columns) that match `criteria` (see `pick`).

    Args:
        places: the notebook's city subset: only these places and the nation ("china"); None or empty: all.
    """
    frame = pick(dataset.observations, **criteria)
    if places:
        frame = frame[frame["place"].isin([*places, "china"])].reset_index(drop=True)
    return frame


@per_dataset
def as_of_year(dataset: Dataset) -> int:
    """The year of the most recent publication among the sources (the package's own reference files left out):
    the date the evidence speaks from, for "years left" and the "now" line of timelines. Read once per dataset
    (a notebook asks for it a few dozen times).

    Raises:
        ValueError: no source has a publication date.
    """
    sources = dataset.sources[~dataset.sources["kind"].isin(PACKAGE_KINDS)]
    dates = pd.to_datetime(sources["published"].astype(str).str[:10], errors="coerce", format="%Y-%m-%d")
    if dates.isna().all():
        raise ValueError("no source in data/sources.csv has a publication date (column 'published')")
    return int(dates.max().year)


def _year_distance(a: object, b: object) -> float:
    if pd.isna(a) and pd.isna(b):
        return 0
    if pd.isna(a) or pd.isna(b):
        return NO_YEAR_DISTANCE
    return abs(int(a) - int(b))


def _pairs(numerators: pd.DataFrame, denominators: pd.DataFrame, years: str):
    """(numerator row, denominator row) pairs of the same place and district, by the `years` rule."""
    for _, top in numerators.iterrows():
        same_place = denominators[
            (denominators["place"] == top["place"])
            & (denominators["district_en"].fillna("") == (top["district_en"] or ""))
        ]
        if years == "same":
            candidates = same_place[
                same_place["year"].isna() if pd.isna(top["year"]) else same_place["year"] == top["year"]
            ]
        else:
            candidates = same_place.assign(
                _distance=[_year_distance(top["year"], y) for y in same_place["year"]],
                _later=[-(y if not pd.isna(y) else -NO_YEAR_DISTANCE) for y in same_place["year"]],
            ).sort_values(["_distance", "_later", "fact_id"], kind="stable")
        if not candidates.empty:
            yield top, candidates.iloc[0]


def derived(
    dataset: Dataset,
    *,
    sector: str | None = None,
    places: Collection[str] | None = None,
    derivation: str | None = None,
) -> pd.DataFrame:
    """Every quantity of data/derivations.csv that the observations support, with its bound carried.

    For each derivation, each numerator observation is paired with a denominator observation of the same place
    and district (same year, or the nearest year when the derivation says `nearest`); a zero denominator gives
    no row. The bound follows helpers.indicators.ratio_bound.

    Returns:
        One row per pair, columns DERIVED_COLUMNS, in derivation file order, then place, district and year
        (a copy: computed once per dataset object and arguments, as a sector notebook asks for it several times).
    """
    return _derived(dataset, sector, tuple(places) if places else (), derivation).copy()


@per_dataset
def _derived(
    dataset: Dataset, sector: str | None, places: tuple[str, ...], derivation: str | None
) -> pd.DataFrame:
    """derived, once per dataset object and arguments (`places` a tuple; empty: all); callers get copies."""
    rules = pick(dataset.derivations, sector=sector, derivation_id=derivation)
    rows = []
    for _, rule in rules.iterrows():
        numerators = observations(
            dataset,
            places=places,
            sector=rule["sector"],
            indicator=rule["numerator"],
            kind=rule["numerator_kind"],
        )
        denominators = observations(
            dataset, places=places, sector=rule["sector"], indicator=rule["denominator"],
            kind=rule["denominator_kind"],
        )  # fmt: skip
        for top, bottom in _pairs(numerators, denominators, rule["years"]):
            if float(bottom["value"]) == 0:
                continue
            rows.append({
                "derivation_id": rule["derivation_id"], "sector": rule["sector"], "place": top["place"],
                "district_en": top["district_en"] or "", "year": top["year"], "denominator_year": bottom["year"],
                "value": float(top["value"]) / float(bottom["value"]),
                "bound": ratio_bound(top["bound"], bottom["bound"]), "unit": rule["unit"],
                "numerator_fact": top["fact_id"], "denominator_fact": bottom["fact_id"],
                "label_en": rule["label_en"], "label_zh": rule["label_zh"], "meaning": rule["meaning"],
            })  # fmt: skip
    frame = pd.DataFrame(rows, columns=DERIVED_COLUMNS)
    if frame.empty:
        return frame
    order = {d: i for i, d in enumerate(rules["derivation_id"])}
    frame = frame.assign(_order=frame["derivation_id"].map(order), _year=frame["year"].fillna(-1))
    frame = frame.sort_values(["_order", "place", "district_en", "_year"], kind="stable")
    return frame.drop(columns=["_order", "_year"]).reset_index(drop=True)

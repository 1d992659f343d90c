"""Quantum technology (量子科技) for notebook 01: who has counts and how far they support a lead, the ratios the
counts support, the city-by-focus matrix behind "Hefei leads, many poles linked", and what each money target
(千億級 and the like) says and does not say.

Everything is selected by meaning (sector, measure, kind, place): a source that adds a count or a target for
any city brings it into every table and figure here.
"""

from __future__ import annotations

import pandas as pd

from helpers.analysis.common import BOUND_READING_KEYS, figure_text, join_names, order_of_magnitude
from helpers.analysis.figures import derived_rows, figure_panels
from helpers.analysis.targets import FigureResult
from helpers.data import MONEY_MEASURES, Dataset
from helpers.i18n import Labels
from helpers.indicators import years_left
from helpers.selection import as_of_year, observations
from helpers.session import Session
from helpers.tables import printed_text

SECTOR = "quantum"


def counts(dataset: Dataset, cities: list[str] | None = None) -> pd.DataFrame:
    """The sector's actual counts (firms, platforms, patents, sites ...): each observation once."""
    return observations(dataset, places=cities, sector=SECTOR, measure="count", kind="actual")


def count_leaders(frame: pd.DataFrame) -> tuple[list[str], int]:
    """The places (not the nation) with the most count indicators in `frame`, all of them when tied, and that
    number; ([], 0) when no place has one."""
    places = frame[frame["place"] != "china"]
    if places.empty:
        return [], 0
    per_place = places.groupby("place", sort=False)["indicator"].nunique()
    top = int(per_place.max())
    return [p for p, n in per_place.items() if n == top], top


def counts_title(frame: pd.DataFrame, labels: Labels) -> str:
    """The counts figure's finding: how many indicators, for how many places, and who has the most."""
    leaders, n = count_leaders(frame)
    if not leaders:
        return labels("q_counts_title_none")
    return labels(
        "q_counts_title",
        n_indicators=frame["indicator"].nunique(),
        n_places=frame["place"].nunique(),
        top=join_names([labels.city(p) for p in leaders], labels.lang),
        n=n,
    )


def figure_counts(session: Session) -> FigureResult:
    """The sector's counts as small multiples (one panel per indicator), each figure with its bound."""
    frame = counts(session.dataset, session.settings.get("cities"))
    return figure_panels(session, frame, counts_title(frame, session.labels))


def money_targets(dataset: Dataset, cities: list[str] | None = None) -> pd.DataFrame:
    """The sector's money targets (cluster scale, output ...), each observation once, dated ones first."""
    frame = observations(dataset, places=cities, sector=SECTOR, kind="target", measure=list(MONEY_MEASURES))
    return frame.sort_values("year", kind="stable", na_position="last").reset_index(drop=True)


def target_reading(target: pd.Series, horizon_year: int, as_of_year: int) -> dict:
    """What a money target's figure does and does not say: bound, order of magnitude, currency, years left.

    Args:
        target: one observation (or fact) row.
        as_of_year: the year the years left count from (the latest source's year).
    Returns:
        dict with `quantity_text`, `value`, `bound`, `order_of_magnitude`, `is_currency_implied`, `year`
        (None when none is printed), `years_left` and `is_within_horizon` (None without a year).
    """
    year = None if pd.isna(target["year"]) else int(target["year"])
    return {
        "quantity_text": target["quantity_text"],
        "value": float(target["value"]),
        "bound": target["bound"],
        "order_of_magnitude": order_of_magnitude(float(target["value"])),
        "is_currency_implied": bool(target["is_unit_implied"]),
        "year": year,
        "years_left": None if year is None else years_left(year, as_of_year),
        "is_within_horizon": None if year is None else year <= horizon_year,
    }


def target_readings_table(session: Session) -> pd.DataFrame:
    """One row per money target of the chosen cities: place, as printed, figure, bound, magnitude, currency,
    year, years left from the latest source's year, inside the horizon, fact id. Headers in the label language."""
    labels = session.labels
    horizon = int(session.settings.get("horizon_year", 2030))
    now = as_of_year(session.dataset)
    yes_no = {True: labels("q_yes"), False: labels("q_no"), None: "—"}
    rows = []
    for _, target in money_targets(session.dataset, session.settings.get("cities")).iterrows():
        reading = target_reading(target, horizon, now)
        rows.append({
            labels("city"): labels.city(target["place"]),
            labels("indicator"): labels.fact(target["fact_id"]),
            labels("as_printed"): printed_text(session.dataset, target["fact_id"], labels),
            labels("figure"): figure_text(session, target),
            labels("q_bound"): labels(BOUND_READING_KEYS[reading["bound"]]),
            labels("q_magnitude"): labels("q_magnitude_text", exponent=reading["order_of_magnitude"]),
            labels("q_currency"): labels("q_currency_implied") if reading["is_currency_implied"] else labels("q_currency_printed"),
            labels("year"): "—" if reading["year"] is None else str(reading["year"]),
            labels("years_left"): "—" if reading["years_left"] is None else str(reading["years_left"]),
            labels("q_within_horizon"): yes_no[reading["is_within_horizon"]],
            labels("fact_id"): target["fact_id"],
        })  # fmt: skip
    columns = ["city", "indicator", "as_printed", "figure", "q_bound", "q_magnitude", "q_currency", "year",
               "years_left", "q_within_horizon", "fact_id"]  # fmt: skip
    return pd.DataFrame(rows, columns=[labels(c) for c in columns])


def ratios_title(session: Session) -> str:
    """The ratios figure's finding: how many ratios the counts support, for which places."""
    labels = session.labels
    rows = derived_rows(session, SECTOR)
    if rows.empty:
        return labels("q_ratios_title_none")
    places = join_names([labels.city(p) for p in dict.fromkeys(rows["place"])], labels.lang)
    return labels("q_ratios_title", n=len(rows), places=places)

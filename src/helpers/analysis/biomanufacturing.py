"""Biomanufacturing (生物製造) for notebook 02: who leads and what each city specialises in (city roles), the
money figures and why they are not like for like, and the shares the sources print with what the rest holds.

Figures are chosen by meaning (helpers.selection), never by id: whatever a source adds flows in. Ratios are
declared in data/derivations.csv and drawn by helpers.analysis.figures; every derived number carries its bound.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from helpers import selection
from helpers.analysis.common import (
    BOUND_READING_KEYS,
    figure_focus_matrix,
    figure_text,
    focus_matrix,
    join_names,
    set_finding_title,
)
from helpers.analysis.figures import figure_panels, panel_counts
from helpers.analysis.targets import FigureResult
from helpers.data import Dataset
from helpers.i18n import Labels
from helpers.indicators import Bounded
from helpers.session import Session
from helpers.tables import format_figure

SECTOR = "biomanufacturing"
COMPLEMENT_BOUND: dict[str, str] = {"=": "=", ">=": "<=", "<=": ">=", "~": "~"}  # bound of 1 - x
WHOLE_PLACES: frozenset[str] = frozenset({"china", "world"})  # not a city: the whole a city's share is of


def places_by_role(dataset: Dataset, cities: list[str] | None = None) -> dict[str, list[str]]:
    """The sector's places grouped by role (file order), e.g. {"leader": [...], "follower": [...]}."""
    roles = dataset.city_roles[dataset.city_roles["sector"] == SECTOR]
    if cities:
        roles = roles[roles["place"].isin(cities)]
    return {role: list(group["place"]) for role, group in roles.groupby("role", sort=False)}


def most_common_tag(matrix: pd.DataFrame) -> tuple[str | None, int]:
    """The focus tag shared by most cities of a `focus_matrix` (first in column order on a tie) and its count."""
    counts = matrix.drop(columns="role").sum(axis=0).astype(int)
    if matrix.empty or counts.max() == 0:
        return None, 0
    return str(counts.idxmax()), int(counts.max())


def distinctive_tags(matrix: pd.DataFrame) -> dict[str, str]:
    """The focus tags that exactly one city of a `focus_matrix` holds: {tag: place}, in column order."""
    tags = matrix.drop(columns="role")
    return {tag: str(tags.index[tags[tag]][0]) for tag in tags.columns if int(tags[tag].sum()) == 1}


def role_counts_text(groups: dict[str, list[str]], labels: Labels) -> str:
    """ "leader 3, hub 1, follower 2" (Chinese: "領跑者 3、樞紐 1、追趕者 2") from `places_by_role`."""
    return join_names([f"{labels.role(role)} {len(places)}" for role, places in groups.items()], labels.lang)


def specialisations_table(dataset: Dataset, labels: Labels, cities: list[str] | None = None) -> pd.DataFrame:
    """Each place's role and focus tags (localised); English adds the focus description of data/city_roles.csv."""
    roles = dataset.city_roles[dataset.city_roles["sector"] == SECTOR]
    if cities:
        roles = roles[roles["place"].isin(cities)]
    table = pd.DataFrame({
        labels("city"): [labels.city(p) for p in roles["place"]],
        labels("role"): [labels.role(r) for r in roles["role"]],
        labels("focus"): [join_names([labels(f"focus_{t}") for t in tags.split(";")], labels.lang) for tags in roles["focus_tags"]],
    })  # fmt: skip
    if labels.lang == "en":
        table[labels("note")] = list(roles["focus"])
    return table


def geography(dataset: Dataset, observation: pd.Series) -> str:
    """What an observation covers: "district" when it names one, else the place's level in data/cities.csv
    ("city", "province", "region", "national", "global")."""
    if observation["district_en"]:
        return "district"
    return str(dataset.cities.set_index("place_id").loc[observation["place"], "level"])


def money_observations(session: Session) -> pd.DataFrame:
    """The sector's money figures (unit CNY) for the chosen cities and the nation, every kind, in file order."""
    places = list(session.settings.get("cities") or [])
    return selection.observations(session.dataset, places=places, sector=SECTOR, unit="CNY")


def money_table(session: Session) -> pd.DataFrame:
    """Every money figure side by side with what makes them unlike: geography, measure, kind, year and bound."""
    labels, frame = session.labels, money_observations(session)
    rows = [{
        labels("city"): labels.city(obs["place"]) + (f" · {labels.district(obs['fact_id'])}" if obs["district_en"] else ""),
        labels("bio_geography"): labels(f"bio_geo_{geography(session.dataset, obs)}"),
        labels("indicator"): labels.fact(obs["fact_id"]),
        labels("measure"): labels.measure(obs["measure"]),
        labels("kind"): labels.kind(obs["kind"]),
        labels("year"): "" if pd.isna(obs["year"]) else str(int(obs["year"])),
        labels("figure"): figure_text(session, obs),
        labels("q_reading"): labels(BOUND_READING_KEYS[obs["bound"]]),
        labels("fact_id"): obs["fact_id"],
    } for _, obs in frame.iterrows()]  # fmt: skip
    columns = [
        "city",
        "bio_geography",
        "indicator",
        "measure",
        "kind",
        "year",
        "figure",
        "q_reading",
        "fact_id",
    ]
    return pd.DataFrame(rows, columns=[labels(c) for c in columns])


def unlike_counts(dataset: Dataset, frame: pd.DataFrame) -> dict[str, list[str]]:
    """What keeps observations apart: the distinct measures, geographies, kinds and bounds among them (first
    appearance order), e.g. {"measure": ["industry_scale", "revenue"], "geography": ["city", "district"], ...}."""
    geographies = [geography(dataset, obs) for _, obs in frame.iterrows()]
    return {
        "measure": list(dict.fromkeys(frame["measure"])),
        "geography": list(dict.fromkeys(geographies)),
        "kind": list(dict.fromkeys(frame["kind"])),
        "bound": list(dict.fromkeys(frame["bound"])),
    }


def complement_share(share: float, bound: str) -> Bounded:
    """1 - share, with the bound reversed: "nearly half" (<= 1/2) for Shenzhen leaves >= 1/2 for the rest.

    Raises:
        ValueError: `share` outside [0, 1].
    """
    if not 0 <= share <= 1:
        raise ValueError(f"a share must lie between 0 and 1; got {share}")
    return Bounded(1 - share, COMPLEMENT_BOUND[bound])


def share_observations(session: Session) -> pd.DataFrame:
    """The sector's shares (unit fraction) for the chosen cities (a nation's or the world's shares left out:
    they are not about a city), every kind, in file order."""
    places = list(session.settings.get("cities") or [])
    frame = selection.observations(session.dataset, places=places, sector=SECTOR, unit="fraction")
    return frame[~frame["place"].isin(WHOLE_PLACES)].reset_index(drop=True)


def shares_table(session: Session) -> pd.DataFrame:
    """Each share with what the rest of the whole holds: 1 - share, its bound reversed (`complement_share`)."""
    labels, frame = session.labels, share_observations(session)
    rows = []
    for _, obs in frame.iterrows():
        rest = complement_share(float(obs["value"]), obs["bound"])
        rows.append({
            labels("city"): labels.city(obs["place"]) + (f" · {labels.district(obs['fact_id'])}" if obs["district_en"] else ""),
            labels("indicator"): labels.fact(obs["fact_id"]),
            labels("kind"): labels.kind(obs["kind"]),
            labels("year"): "" if pd.isna(obs["year"]) else str(int(obs["year"])),
            labels("figure"): figure_text(session, obs),
            labels("bio_rest"): format_figure(rest.value, rest.bound, "fraction", labels),
            labels("q_reading"): labels(BOUND_READING_KEYS[rest.bound]),
            labels("fact_id"): obs["fact_id"],
        })  # fmt: skip
    columns = ["city", "indicator", "kind", "year", "figure", "bio_rest", "q_reading", "fact_id"]
    return pd.DataFrame(rows, columns=[labels(c) for c in columns])


# --- figures of notebook 02 ------------------------------------------------------------------------------


def figure_leaders(session: Session) -> Figure:
    """Cities x focus tags of biomanufacturing coloured by role; the title counts the cities of each role and
    names the most common focus."""
    labels, cities = session.labels, session.settings.get("cities")
    fig = figure_focus_matrix(session, SECTOR)
    groups = places_by_role(session.dataset, cities)
    tag, n = most_common_tag(focus_matrix(session.dataset, SECTOR, cities))
    if groups and tag is not None:
        set_finding_title(fig, labels, labels("bio_focus_title", roles=role_counts_text(groups, labels),
                                              tag=labels(f"focus_{tag}"), n=n))  # fmt: skip
    return fig


def figure_shares(session: Session) -> FigureResult:
    """The chosen cities' shares, one panel per indicator (a share of China's new firms never shares an axis with
    a share of a district's output), each with its bound; the title counts shares and the wholes they are of."""
    labels, frame = session.labels, share_observations(session)
    if frame.empty:
        return figure_panels(session, frame, labels("bio_shares_title_none"))
    title = labels("bio_shares_title", n=len(frame), n_wholes=frame["indicator"].nunique(),
                   places=join_names([labels.city(p) for p in dict.fromkeys(frame["place"])], labels.lang))  # fmt: skip
    return figure_panels(session, frame, title)


def figure_actuals(session: Session) -> FigureResult:
    """The chosen cities' actual figures (and the nation's), the most reported indicators first, one panel per
    indicator and unit; the title counts figures, indicators and the indicators reported more than once."""
    labels = session.labels
    places = list(session.settings.get("cities") or [])
    frame = selection.observations(session.dataset, places=places, sector=SECTOR, kind="actual")
    if frame.empty:
        return figure_panels(session, frame, labels("bio_actuals_title_none"))
    return figure_panels(session, frame, labels("bio_actuals_title", **panel_counts(frame)))

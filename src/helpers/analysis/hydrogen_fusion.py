"""Hydrogen and nuclear-fusion energy (notebook 03): which cities work on which (city roles), a schematic map,
the figures the data flag as doubtful, and the dated milestones of both races.

Figures are chosen by meaning (helpers.selection), never by id, so whatever a source adds flows in; ratios are
declared in data/derivations.csv and drawn by helpers.analysis.figures. A chosen subset of cities that leaves
no data gives a "no data" figure, never an error.
"""

from __future__ import annotations

import pandas as pd

from helpers import selection
from helpers.analysis.common import figure_text, join_names, set_finding_title, wrap_label, year_basis
from helpers.analysis.figures import figure_panels, panel_counts
from helpers.analysis.targets import TARGET_KINDS, FigureResult, plot_timeline, timeline_rows
from helpers.data import Dataset
from helpers.i18n import Labels
from helpers.plots import new_figure, no_data_figure
from helpers.session import Session
from helpers.tables import sector_facts

SECTOR = "hydrogen_fusion"
HYDROGEN_TAGS: frozenset[str] = frozenset({"hydrogen", "fuel_cells"})
FUSION_TAGS: frozenset[str] = frozenset({"fusion"})
FOCUS_ORDER: tuple[str, ...] = ("hydrogen", "fusion", "both")
FOCUS_COLOURS: dict[str, str] = {"hydrogen": "#2e86c1", "fusion": "#c0392b", "both": "#7d3c98"}
FOCUS_MARKERS: dict[str, str] = {"hydrogen": "o", "fusion": "^", "both": "D"}
ACTUAL_KINDS: tuple[str, ...] = ("actual", "lab_result")  # what has happened (a laboratory record included)
DOUBT_WORDS: tuple[str, ...] = ("garbled", "doubtful")  # words of a note that flag a figure as doubtful
# What each doubt is, read from the words of the (English) notes, for the label of a Chinese run: phrase -> doubt
DOUBT_KINDS: tuple[tuple[str, str], ...] = (("garbled", "garbled"), ("doubtful year", "year"))
ROW_LABEL_WIDTH = 44  # characters a line of a timeline row label (a Chinese character counts two)


# ---------------------------------------------------------------------------------------------------- tables
def classify_focus(focus_tags: str) -> str:
    """Hydrogen, fusion or both, from a city_roles `focus_tags` string ("hydrogen;fuel_cells;fusion").

    Raises:
        ValueError: the tags name neither hydrogen nor fusion.
    """
    tags = set(focus_tags.split(";"))
    is_hydrogen, is_fusion = bool(tags & HYDROGEN_TAGS), bool(tags & FUSION_TAGS)
    if is_hydrogen and is_fusion:
        return "both"
    if is_hydrogen:
        return "hydrogen"
    if is_fusion:
        return "fusion"
    raise ValueError(f"focus tags {focus_tags!r} name neither hydrogen nor fusion")


def focus_display(focus: pd.DataFrame, labels) -> pd.DataFrame:
    """A `city_focus` table for display: city, role and focus in the label language, source id and paragraph."""
    return pd.DataFrame({
        labels("city"): [labels.city(p) for p in focus["place"]],
        labels("role"): [labels.role(r) for r in focus["role"]],
        labels("focus"): [labels(f"h2f_focus_{f}") for f in focus["focus"]],
        labels("source"): list(focus["source_id"]),
        labels("cl_col_paragraph"): list(focus["locator"]),
    })  # fmt: skip


def city_focus(dataset: Dataset, cities: list[str] | None = None) -> pd.DataFrame:
    """One row per place the sources put in the sector (optionally only `cities`): place, role, focus
    ("hydrogen", "fusion", "both"), latitude, longitude and the paragraph that places it."""
    roles = dataset.city_roles[dataset.city_roles["sector"] == SECTOR]
    if cities:
        roles = roles[roles["place"].isin(cities)]
    table = roles[["place", "role", "focus_tags", "source_id", "locator"]].merge(
        dataset.cities[["place_id", "latitude", "longitude"]],
        left_on="place",
        right_on="place_id",
        validate="m:1",
    )
    table["focus"] = table["focus_tags"].map(classify_focus)
    return table[["place", "role", "focus", "latitude", "longitude", "source_id", "locator"]].reset_index(
        drop=True
    )


def reference_source(dataset: Dataset, places: list[str] | None = None) -> str:
    """Source id(s) of the cities' coordinates in data/cities.csv (the package's reference data), for notes and citations."""
    cities = dataset.cities if not places else dataset.cities[dataset.cities["place_id"].isin(places)]
    return ", ".join(sorted(set(cities["source_id"])))


def shown_facts(dataset: Dataset, cities: list[str] | None = None) -> pd.DataFrame:
    """The sector's observations (each figure once) for the chosen cities and the nation (all when `cities` is
    empty)."""
    return sector_facts(dataset, SECTOR, cities or None)


# ----------------------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------------- figures
def plot_city_map(dataset: Dataset, labels: Labels, cities: list[str] | None = None):
    """Schematic map of eastern China: each city of the sector at its coordinates, coloured and shaped by its
    focus (hydrogen, fusion, both), with the number of figures the sources give for it; fusion sites annotated
    with what the sources say they do.

    Returns:
        (figure, ids of the facts counted on the map); the ids are empty when the chosen cities have none.
    """
    table = city_focus(dataset, cities)
    if table.empty:
        return no_data_figure(labels, labels("h2f_map_title_empty")), []
    facts = shown_facts(dataset, cities)
    facts = facts[facts["place"].isin(table["place"])]
    counts = facts.groupby("place").size()
    fig, ax = new_figure(7.5, 6.8)
    for focus in FOCUS_ORDER:
        rows = table[table["focus"] == focus]
        if rows.empty:
            continue
        ax.scatter(rows["longitude"].astype(float), rows["latitude"].astype(float), s=110, zorder=3,
                   color=FOCUS_COLOURS[focus], marker=FOCUS_MARKERS[focus], edgecolor="black", linewidth=0.6,
                   label=labels(f"h2f_focus_{focus}"))  # fmt: skip
    for _, row in table.iterrows():
        text = labels.city(row["place"])
        if counts.get(row["place"], 0):
            text = labels("h2f_map_city_figures", city=text, n=int(counts[row["place"]]))
        work_key = f"h2f_fusion_work_{row['place']}"
        if row["focus"] in ("fusion", "both") and work_key in labels.catalogue:
            text += "\n" + wrap_label(labels(work_key), labels.lang, 22)
        dx, dy, ha = _MAP_OFFSETS.get(row["place"], (8, 4, "left"))
        ax.annotate(text, (float(row["longitude"]), float(row["latitude"])), xytext=(dx, dy),
                    textcoords="offset points", ha=ha, va="center", fontsize=8)  # fmt: skip
    ax.set_xlim(96, 127)  # room west of Chengdu for its label, written to the left of the marker
    ax.set_ylim(20, 42)
    ax.set_aspect(1.15)  # about 1 / cos(30°): degrees of longitude are shorter than degrees of latitude
    ax.set_xlabel(labels("h2f_axis_lon"))
    ax.set_ylabel(labels("h2f_axis_lat"))
    ax.set_title(map_title(table, facts, labels))
    ax.legend(loc="upper left", title=labels("focus"))
    note = labels("h2f_map_note", source=reference_source(dataset, list(table["place"])))
    note += "\n" + labels("h2f_map_count_note")
    ax.text(0.99, 0.01, note, transform=ax.transAxes, ha="right", va="bottom", fontsize=7, color="#555555")
    return fig, list(facts["fact_id"])


# Label offsets (points) for cities that sit close together on the map: Guangzhou and Foshan are 15 km apart.
_MAP_OFFSETS: dict[str, tuple[int, int, str]] = {
    "foshan": (-8, -6, "right"),
    "guangzhou": (8, 8, "left"),
    "shenzhen": (8, -10, "left"),
    "chengdu": (-8, 4, "right"),
    "hefei": (-8, 4, "right"),
}


def map_title(table: pd.DataFrame, facts: pd.DataFrame, labels: Labels) -> str:
    """The map's finding: how many cities work on hydrogen, how many on fusion, which on both, and (when the
    fusion-only sites have no figure) that every figure is a hydrogen one."""
    n_hydrogen = int(table["focus"].isin(["hydrogen", "both"]).sum())
    n_fusion = int(table["focus"].isin(["fusion", "both"]).sum())
    both = [labels.city(p) for p in table.loc[table["focus"] == "both", "place"]]
    if both:
        title = labels(
            "h2f_map_title", n_hydrogen=n_hydrogen, n_fusion=n_fusion, both=join_names(both, labels.lang)
        )
    else:
        title = labels("h2f_map_title_no_overlap", n_hydrogen=n_hydrogen, n_fusion=n_fusion)
    fusion_only = set(table.loc[table["focus"] == "fusion", "place"])
    if fusion_only and not facts["place"].isin(fusion_only).any():
        title += "\n" + labels("h2f_map_subtitle_no_fusion_figures")
    return title


# ------------------------------------------------------------------------------------------ figures of the data
def chosen_places(session: Session) -> list[str]:
    """The notebook's city subset (empty: every place)."""
    return list(session.settings.get("cities") or [])


def actual_observations(session: Session) -> pd.DataFrame:
    """The sector's actuals and laboratory results for the chosen cities and the nation, in file order; dated
    events (a value that is a year) are left to the milestones timeline."""
    frame = selection.observations(
        session.dataset, places=chosen_places(session), sector=SECTOR, kind=ACTUAL_KINDS
    )
    return frame[frame["unit"] != "year"].reset_index(drop=True)


def measure_counts(frame: pd.DataFrame) -> dict[str, int]:
    """How many observations of each measure (most first, then first appearance): what the figures measure."""
    counts = frame["measure"].value_counts(sort=False)
    return dict(sorted(counts.items(), key=lambda item: -item[1]))


def figure_actuals(session: Session) -> FigureResult:
    """The chosen cities' actual figures and laboratory results, one panel per indicator and unit (the most
    reported indicators first); the title counts figures, indicators and those reported more than once."""
    labels, frame = session.labels, actual_observations(session)
    if frame.empty:
        return figure_panels(session, frame, labels("h2f_actuals_title_none"))
    return figure_panels(session, frame, labels("h2f_actuals_title", **panel_counts(frame)))


def doubtful_observations(session: Session) -> pd.DataFrame:
    """The chosen cities' observations whose note or year note flags a doubt (DOUBT_WORDS: a garbled phrase, a
    year the data could only guess), in file order."""
    frame = selection.observations(session.dataset, places=chosen_places(session), sector=SECTOR)
    text = (frame["note"].fillna("") + " " + frame["year_note"].fillna("")).str.lower()
    return frame[text.str.contains("|".join(DOUBT_WORDS))].reset_index(drop=True)


def milestone_observations(session: Session) -> pd.DataFrame:
    """The chosen cities' dated milestones (a value that is a year: an event or a goal with a date), every kind,
    in year order (then file order)."""
    frame = selection.observations(session.dataset, places=chosen_places(session), sector=SECTOR, unit="year")
    frame = frame[frame["year"].notna()]
    return frame.sort_values("year", kind="stable").reset_index(drop=True)


def milestones_title(rows: pd.DataFrame, labels: Labels, now: int) -> str:
    """The timeline's finding: how many milestones over which years, how many reached, how many ahead of `now`
    (the latest source's year)."""
    if rows.empty:
        return labels("h2f_milestones_title_empty")
    ahead = rows["kind"].isin(TARGET_KINDS)
    return labels("h2f_milestones_title", n=len(rows), first=int(rows["year"].min()), last=int(rows["year"].max()),
                  n_reached=int((~ahead).sum()), n_ahead=int(ahead.sum()),
                  n_after=int((ahead & (rows["year"] > now)).sum()), now=now)  # fmt: skip


def figure_milestones(session: Session) -> FigureResult:
    """The dated milestones of the chosen cities on a timeline to scale in years (helpers.analysis.targets):
    events reached, goals and expectations, the latest source's year and the horizon marked; the finding as the
    figure's title, row labels wrapped so that the years keep most of the width."""
    labels = session.labels
    rows = timeline_rows(session, milestone_observations(session))
    rows["row_label"] = [wrap_label(text, labels.lang, ROW_LABEL_WIDTH) for text in rows["row_label"]]
    title = milestones_title(rows, labels, session.as_of_year)
    every = selection.observations(session.dataset, sector=SECTOR, unit="year")
    result = plot_timeline(session, rows, title, list(every["fact_id"]))
    if result.has_data:
        ax = result.fig.axes[0]
        ax.set_title("")
        set_finding_title(result.fig, labels, title)
        horizon = int(session.settings.get("horizon_year", 2030))
        first = min(int(rows["year"].min()), session.as_of_year)
        ax.set_xlim(first - 1.5, max(int(rows["year"].max()), horizon) + 2.5)  # no notes to make room for
    return result


def doubts(note: str, year_note: str) -> list[str]:
    """What a flagged figure's notes doubt, in DOUBT_KINDS order: "garbled" (a garbled phrase), "year" (a
    doubtful year), or ["other"] when a DOUBT_WORDS word flags it without naming one of these; [] if unflagged."""
    text = f"{note} {year_note}".lower()
    found = [doubt for phrase, doubt in DOUBT_KINDS if phrase in text]
    return found or (["other"] if any(word in text for word in DOUBT_WORDS) else [])


def doubt_text(obs: pd.Series, labels: Labels) -> str:
    """A doubtful observation's note cell: the data's note and year note in English runs; in a Chinese run
    (the notes are English) what is doubted, the figure's kind and how its year is known, from the labels."""
    if labels.lang == "en":
        return f"{obs['note']} ({obs['year_note']})"
    note, year_note = ("" if pd.isna(obs[c]) else str(obs[c]) for c in ("note", "year_note"))
    basis = "none" if pd.isna(obs["year"]) else year_basis(year_note)
    found = labels("ea_list_sep").join(labels(f"ea_h2f_doubt_{d}") for d in doubts(note, year_note))
    prose = labels(f"cl_basis_prose_{basis}")
    return labels("ea_h2f_doubt_line", doubts=found, kind=labels.kind(obs["kind"]), basis=prose)


def doubtful_table(session: Session) -> pd.DataFrame:
    """The doubtful observations (`doubtful_observations`) as printed, as encoded, and the data's note on them
    (`doubt_text`: in a Chinese run a "doubt" column of labels replaces the English note)."""
    labels, frame = session.labels, doubtful_observations(session)
    note = "note" if labels.lang == "en" else "ea_h2f_col_doubt"
    rows = [{
        labels("city"): labels.city(obs["place"]),
        labels("indicator"): labels.fact(obs["fact_id"]),
        labels("h2f_col_printed"): obs["quantity_text"],
        labels("figure"): figure_text(session, obs),
        labels("year"): "" if pd.isna(obs["year"]) else str(int(obs["year"])),
        labels(note): doubt_text(obs, labels),
        labels("fact_id"): obs["fact_id"],
    } for _, obs in frame.iterrows()]  # fmt: skip
    columns = ["city", "indicator", "h2f_col_printed", "figure", "year", note, "fact_id"]
    return pd.DataFrame(rows, columns=[labels(c) for c in columns])

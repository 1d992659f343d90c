"""Hydrogen and nuclear-fusion energy (notebook 03): focus of each city, derived ratios and the sector's figures.

Pure functions build tables from the dataset; `plot_*` functions return matplotlib figures whose every text
goes through `Labels`. A chosen subset of cities that leaves no data gives a "no data" figure, never an error.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from helpers.analysis.common import join_names, money_divisor, plain_log_ticks, wrap_label
from helpers.data import Dataset
from helpers.i18n import Labels
from helpers.indicators import Bounded, bounded_ratio, convert_money
from helpers.plots import KIND_MARKERS, bound_legend_handles, new_figure, no_data_figure, plot_bounded_points
from helpers.quantity import format_bound
from helpers.tables import format_figure, sector_facts

SECTOR = "hydrogen_fusion"
HYDROGEN_TAGS: frozenset[str] = frozenset({"hydrogen", "fuel_cells"})
FUSION_TAGS: frozenset[str] = frozenset({"fusion"})
FOCUS_ORDER: tuple[str, ...] = ("hydrogen", "fusion", "both")
FOCUS_COLOURS: dict[str, str] = {"hydrogen": "#2e86c1", "fusion": "#c0392b", "both": "#7d3c98"}
FOCUS_MARKERS: dict[str, str] = {"hydrogen": "o", "fusion": "^", "both": "D"}
# (fact id of the numerator, fact id of the denominator, message key of the ratio)
RATIOS: dict[str, tuple[str, str]] = {
    "buses_per_station": ("h2f_beijing_hydrogen_buses_2025", "h2f_beijing_refuelling_stations_2025"),
    "investment_per_project": ("h2f_guangzhou_investment", "h2f_guangzhou_projects"),
}
PANEL_MEASURES: tuple[str, ...] = ("count", "revenue", "investment", "distance")


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
    """Source id(s) of the cities' coordinates in data/cities.csv ("pkg-reference"), for notes and citations."""
    cities = dataset.cities if not places else dataset.cities[dataset.cities["place_id"].isin(places)]
    return ", ".join(sorted(set(cities["source_id"])))


def shown_facts(dataset: Dataset, cities: list[str] | None = None) -> pd.DataFrame:
    """The sector's facts for the chosen cities (all when `cities` is empty)."""
    return sector_facts(dataset, SECTOR, cities or None)


def derive_ratio(dataset: Dataset, ratio: str, cities: list[str] | None = None) -> Bounded | None:
    """One of `RATIOS` with its bound carried, or None when the chosen cities leave out its facts.

    Raises:
        KeyError: `ratio` is not in RATIOS.
    """
    numerator_id, denominator_id = RATIOS[ratio]
    facts = shown_facts(dataset, cities).set_index("fact_id")
    if numerator_id not in facts.index or denominator_id not in facts.index:
        return None
    numerator, denominator = facts.loc[numerator_id], facts.loc[denominator_id]
    return bounded_ratio(
        float(numerator["value"]), numerator["bound"], float(denominator["value"]), denominator["bound"]
    )


def ratios_table(
    dataset: Dataset,
    labels: Labels,
    currency: str = "CNY",
    cny_per_usd: float = 7.19,
    cities: list[str] | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """The derived ratios the chosen cities support, with both inputs as printed, and the fact ids used."""
    rows, used = [], []
    for ratio, (numerator_id, denominator_id) in RATIOS.items():
        result = derive_ratio(dataset, ratio, cities)
        if result is None:
            continue
        numerator = dataset.facts.set_index("fact_id").loc[numerator_id]
        rows.append({
            labels("city"): labels.city(numerator["place"]),
            labels("district"): labels.district(numerator_id),
            labels("h2f_col_ratio"): labels(f"h2f_ratio_{ratio}"),
            labels("value"): format_ratio(result, ratio, labels, currency, cny_per_usd),
            labels("h2f_col_bound"): labels(f"h2f_bound_{_bound_key(result.bound)}"),
            labels("h2f_col_inputs"): f"{_printed(dataset, numerator_id)} / {_printed(dataset, denominator_id)}",
            labels("fact_id"): f"{numerator_id}; {denominator_id}",
        })  # fmt: skip
        used += [numerator_id, denominator_id]
    columns = ["city", "district", "h2f_col_ratio", "value", "h2f_col_bound", "h2f_col_inputs", "fact_id"]
    return pd.DataFrame(rows, columns=[labels(c) for c in columns]), used


def format_ratio(
    result: Bounded, ratio: str, labels: Labels, currency: str = "CNY", cny_per_usd: float = 7.19
) -> str:
    """A derived ratio with its bound symbol: "34.3" buses per station, "~CNY 0.2 bn" per project."""
    if ratio == "investment_per_project":
        return format_figure(result.value, result.bound, "CNY", labels, currency, cny_per_usd)
    return f"{format_bound(result.bound)}{result.value:.1f}"


def _bound_key(bound: str) -> str:
    return {"=": "exact", ">=": "lower", "<=": "upper", "~": "approx"}[bound]


def _printed(dataset: Dataset, fact_id: str) -> str:
    return dataset.facts.set_index("fact_id").loc[fact_id, "quantity_text"]


def money_scale(labels: Labels, currency: str) -> tuple[float, str]:
    """Divisor and unit for a money axis: billions in English ("CNY bn"), 億 (1e8) in Chinese ("億元")."""
    return money_divisor(labels.lang), labels(f"h2f_money_unit_{currency}")


# ----------------------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------------- figures
def plot_city_map(dataset: Dataset, labels: Labels, cities: list[str] | None = None):
    """Schematic map of eastern China: each city of the sector at its coordinates, coloured and shaped by its
    focus (hydrogen, fusion, both), with the number of figures the article gives for it; fusion sites annotated
    with what the article says they do.

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
    ax.set_xlim(100, 127)
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


def plot_measure_panels(
    dataset: Dataset,
    labels: Labels,
    currency: str = "CNY",
    cny_per_usd: float = 7.19,
    cities: list[str] | None = None,
):
    """The sector's figures in one panel per measure (counts, revenue, investment, distance), each with its own
    axis and unit, bounds drawn as bounds. Dated goals (milestones) are left to the timeline.

    Returns:
        (figure, ids of the facts drawn); the ids are empty when the chosen cities have none.
    """
    facts = shown_facts(dataset, cities)
    facts = facts[facts["measure"].isin(PANEL_MEASURES)]
    measures = [m for m in PANEL_MEASURES if (facts["measure"] == m).any()]
    if not measures:
        return no_data_figure(labels, labels("h2f_panels_title")), []
    heights = [0.5 * (facts["measure"] == m).sum() + 1.0 for m in measures]
    fig, axes = plt.subplots(len(measures), 1, figsize=(8, sum(heights) + 1.2), layout="constrained",
                             gridspec_kw={"height_ratios": heights})  # fmt: skip
    axes = [axes] if len(measures) == 1 else list(axes)
    used_bounds: set[str] = set()
    for ax, measure in zip(axes, measures, strict=True):
        rows = facts[facts["measure"] == measure]
        divisor, unit = _measure_scale(measure, labels, currency)
        values = [
            _convert(float(r["value"]), measure, currency, cny_per_usd) / divisor for _, r in rows.iterrows()
        ]
        names = [wrap_label(f"{labels.city(r['place'])}{_district(r['fact_id'], labels)}{labels('h2f_colon')}{labels.fact(r['fact_id'])}", labels.lang, 46)
                 for _, r in rows.iterrows()]  # fmt: skip
        is_log = measure == "count"
        used_bounds |= plot_bounded_points(ax, names, values, list(rows["bound"]), log=is_log)
        if is_log:
            plain_log_ticks(ax.xaxis)
        for y, (value, (_, row)) in zip(
            range(len(rows))[::-1], zip(values, rows.iterrows(), strict=True), strict=True
        ):
            text = format_figure(row["value"], row["bound"], row["unit"], labels, currency, cny_per_usd)
            ax.annotate(text, (value, y), xytext=(0, 9), textcoords="offset points", ha="center", fontsize=8)
        if not is_log:
            ax.set_xlim(0, max(values) * 1.35)
        else:
            ax.set_xlim(min(values) / 2, max(values) * 3)
        ax.set_ylim(-0.7, len(rows) - 0.3)
        note = _panel_note(rows, labels)
        ax.set_title(labels(f"h2f_panel_{measure}") + (f"\n{note}" if note else ""), fontsize=9, loc="left")
        ax.set_xlabel(unit)
    fig.suptitle(labels("h2f_panels_title"), fontsize=12)
    fig.legend(
        handles=bound_legend_handles(labels, used_bounds), loc="outside lower right", ncols=3, fontsize=8
    )
    return fig, list(facts["fact_id"])


def _measure_scale(measure: str, labels: Labels, currency: str) -> tuple[float, str]:
    if measure in ("revenue", "investment"):
        return money_scale(labels, currency)
    if measure == "distance":
        return (1e6 if labels.lang == "en" else 1e4), labels("h2f_axis_distance")
    return 1.0, labels("h2f_axis_count_log")


def _convert(value: float, measure: str, currency: str, cny_per_usd: float) -> float:
    return convert_money(value, currency, cny_per_usd) if measure in ("revenue", "investment") else value


def _district(fact_id: str, labels: Labels) -> str:
    """ " (Development zone)" in English, "開發區" appended in Chinese, "" for a whole-city figure."""
    district = labels.district(fact_id)
    return f" ({district})" if labels.lang == "en" and district else district


def _panel_note(rows: pd.DataFrame, labels: Labels) -> str:
    notes = []
    if rows["measure"].iloc[0] == "count" and rows["indicator"].nunique() > 1:
        notes.append(labels("h2f_note_different_counts"))
    for _, row in rows.iterrows():
        if "garbled" in str(row["note"]).lower():
            notes.append(labels("h2f_note_garbled", text=row["quantity_text"]))
    return "\n".join(notes)


def plot_timeline(
    dataset: Dataset,
    labels: Labels,
    currency: str = "CNY",
    cny_per_usd: float = 7.19,
    cities: list[str] | None = None,
):
    """The year each figure refers to, by city: actuals (circles) against the dated goal (diamond); columns are
    the years the sources give, evenly spaced (the gap between 2025 and 2035 is not to scale).

    Returns:
        (figure, ids of the facts drawn); the ids are empty when the chosen cities have none.
    """
    facts = shown_facts(dataset, cities).dropna(subset=["year"])
    if facts.empty:
        return no_data_figure(labels, labels("h2f_timeline_title_empty")), []
    years = sorted(int(y) for y in facts["year"].unique())
    places = list(dict.fromkeys(facts["place"]))
    fig, ax = new_figure(10, 1.2 + 1.1 * len(places))
    for row_index, place in enumerate(places):
        y = len(places) - 1 - row_index
        for column, year in enumerate(years):
            cell = facts[(facts["place"] == place) & (facts["year"] == year)]
            for k, (_, fact) in enumerate(cell.iterrows()):
                offset = (len(cell) - 1) / 2 * 0.36 - k * 0.36
                filled = fact["bound"] == "="
                ax.plot([column], [y + offset], marker=KIND_MARKERS[fact["kind"]], markersize=8, color="#1b4f72",
                        markerfacecolor="#1b4f72" if filled else "white", markeredgewidth=1.6, linestyle="none")  # fmt: skip
                figure = format_figure(
                    fact["value"], fact["bound"], fact["unit"], labels, currency, cny_per_usd
                )
                text = (
                    labels.fact(fact["fact_id"])
                    if fact["measure"] == "milestone"
                    else (f"{labels.fact(fact['fact_id'])}{labels('h2f_colon')}{figure}")
                )
                ax.annotate(wrap_label(text, labels.lang, 34), (column, y + offset), xytext=(9, 0), textcoords="offset points",
                            va="center", fontsize=7.5)  # fmt: skip
    ax.set_yticks(range(len(places))[::-1], [labels.city(p) for p in places])
    ax.set_xticks(range(len(years)), [str(y) for y in years])
    ax.set_xlim(-0.3, len(years) - 0.05)
    ax.set_ylim(-0.7, len(places) - 0.3)
    ax.set_xlabel(labels("h2f_axis_year_columns"))
    ax.grid(axis="y", visible=False)
    ax.set_title(timeline_title(facts, labels))
    kinds = [k for k in ("actual", "target", "forecast") if (facts["kind"] == k).any()]
    handles = [plt.Line2D([], [], marker=KIND_MARKERS[k], color="#888888", linestyle="none", label=labels.kind(k))
               for k in kinds]  # fmt: skip
    bounds = bound_legend_handles(labels, set(facts["bound"]))
    ax.legend(handles=handles + bounds, loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.3 / len(places)),
              ncols=len(handles) + len(bounds), fontsize=8)  # fmt: skip
    return fig, list(facts["fact_id"])


def timeline_title(facts: pd.DataFrame, labels: Labels) -> str:
    """The timeline's finding: the years of the actuals, and the year(s) of any dated goal."""
    actual_years = sorted(int(y) for y in facts.loc[facts["kind"] == "actual", "year"].unique())
    target_years = sorted(int(y) for y in facts.loc[facts["kind"] == "target", "year"].unique())
    years = "–".join(str(y) for y in (actual_years[0], actual_years[-1]) if y) if actual_years else "—"
    if actual_years and actual_years[0] == actual_years[-1]:
        years = str(actual_years[0])
    if target_years:
        return labels("h2f_timeline_title", years=years, target_years=", ".join(map(str, target_years)))
    return labels("h2f_timeline_title_no_target", years=years)


def plot_ratios(
    dataset: Dataset,
    labels: Labels,
    currency: str = "CNY",
    cny_per_usd: float = 7.19,
    cities: list[str] | None = None,
):
    """The derived ratios the chosen cities support, one panel each (their units differ), with their bounds.

    Returns:
        (figure, ids of the facts the ratios use); the ids are empty when no ratio can be derived.
    """
    results = {r: derive_ratio(dataset, r, cities) for r in RATIOS}
    results = {r: v for r, v in results.items() if v is not None}
    if not results:
        return no_data_figure(labels, labels("h2f_ratios_title_empty")), []
    fig, axes = plt.subplots(len(results), 1, figsize=(8, 1.9 * len(results) + 1.2), layout="constrained")
    axes = [axes] if len(results) == 1 else list(axes)
    used: set[str] = set()
    parts = []
    for ax, (ratio, result) in zip(axes, results.items(), strict=True):
        numerator_id, _ = RATIOS[ratio]
        place = dataset.facts.set_index("fact_id").loc[numerator_id, "place"]
        if ratio == "investment_per_project":
            divisor, unit = money_scale(labels, currency)
            value = convert_money(result.value, currency, cny_per_usd) / divisor
        else:
            value, unit = result.value, labels("h2f_unit_buses_per_station")
        name = wrap_label(f"{labels.city(place)}{_district(numerator_id, labels)}", labels.lang, 24)
        used |= plot_bounded_points(ax, [name], [value], [result.bound])
        text = format_ratio(result, ratio, labels, currency, cny_per_usd)
        ax.annotate(text, (value, 0), xytext=(0, -18), textcoords="offset points", ha="center", fontsize=9)
        ax.set_xlim(0, value * 2)
        ax.set_ylim(-0.6, 0.6)
        ax.set_xlabel(unit)
        ax.set_title(labels("h2f_ratio_panel_title", ratio=labels(f"h2f_ratio_{ratio}"),
                            bound=labels(f"h2f_bound_{_bound_key(result.bound)}")), fontsize=10, loc="left")  # fmt: skip
        parts.append(labels(f"h2f_ratio_part_{ratio}", city=name.replace("\n", " "), value=text))
    fig.suptitle(labels("h2f_separator").join(parts), fontsize=12)
    fig.legend(handles=bound_legend_handles(labels, used), loc="outside lower right", ncols=2, fontsize=8)
    return fig, [fact_id for ratio in results for fact_id in RATIOS[ratio]]


def ratio_sentence(
    dataset: Dataset,
    labels: Labels,
    ratio: str,
    currency: str = "CNY",
    cny_per_usd: float = 7.19,
    cities: list[str] | None = None,
) -> str:
    """One derived ratio as a line of prose: inputs with their bounds, the result, and what the bound allows;
    or why it is not shown when the chosen cities leave out its facts."""
    numerator_id, denominator_id = RATIOS[ratio]
    result = derive_ratio(dataset, ratio, cities)
    if result is None:
        return f"{labels(f'h2f_ratio_{ratio}')}: not shown, the chosen cities leave out its facts"
    facts = dataset.facts.set_index("fact_id")

    def figure(fact_id: str) -> str:
        fact = facts.loc[fact_id]
        return format_figure(fact["value"], fact["bound"], fact["unit"], labels, currency, cny_per_usd)

    return (
        f"{labels(f'h2f_ratio_{ratio}')}: {figure(numerator_id)} / {figure(denominator_id)} = "
        f"{format_ratio(result, ratio, labels, currency, cny_per_usd)} ({labels(f'h2f_bound_{_bound_key(result.bound)}')})"
    )

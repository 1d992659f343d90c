"""Brain-computer interfaces (notebook 04): the national market's implied growth, scenario projections, and the
cities by technology route and application.

The market series is whatever the sources give for the nation (selected by sector, place and measure): its
latest actual and furthest forecast fix the implied growth, with its bound; every year after the forecast is the
package's assumption (data/assumptions.yml), and the figures say so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from helpers.analysis.common import (
    join_names,
    money_divisor,
    plain_log_ticks,
    wrap_label,
)

# Generic helpers shared with notebook 03, re-exported so notebook 04 imports one module.
from helpers.analysis.common import roles_table as roles_table
from helpers.analysis.common import save_cited as save_cited
from helpers.data import Dataset
from helpers.i18n import Labels
from helpers.indicators import cagr, convert_money, project, ratio_bound
from helpers.plots import KIND_MARKERS, new_figure, no_data_figure
from helpers.quantity import format_bound
from helpers.selection import observations
from helpers.tables import format_money

SECTOR = "bci"
ROUTES: tuple[str, ...] = ("invasive", "semi_invasive", "non_invasive")
APPLICATIONS: tuple[str, ...] = ("medical_rehabilitation", "mental_health", "emotion_recognition")
PLATFORMS: tuple[str, ...] = ("pilot_platform", "policy", "cluster")
TAG_GROUPS: dict[str, tuple[str, ...]] = {"route": ROUTES, "application": APPLICATIONS, "platform": PLATFORMS}
SCENARIOS: tuple[str, ...] = ("low", "base", "high")
SCENARIO_COLOURS: dict[str, str] = {"low": "#85c1e9", "base": "#2e86c1", "high": "#1b4f72"}
SOURCED_COLOUR = "#222222"


@dataclass(frozen=True)
class MarketPath:
    """The national market as the sources give it: its latest actual, the furthest forecast after it, every
    sourced point of the same series, and the growth the actual and the forecast imply, with its bound."""

    start_year: int
    start_value_cny: float
    end_year: int
    end_value_cny: float
    fact_ids: tuple[str, str]
    start_bound: str = "="
    end_bound: str = "="
    points: pd.DataFrame = field(default_factory=pd.DataFrame)  # every observation of the series, by year

    @property
    def implied_rate(self) -> float:
        """Compound annual growth rate from the actual to the forecast."""
        return cagr(self.start_value_cny, self.end_value_cny, self.end_year - self.start_year)

    @property
    def rate_bound(self) -> str:
        """The rate's bound: that of forecast ÷ actual (a lower-bound forecast over an exact actual gives at
        least that growth)."""
        return ratio_bound(self.end_bound, self.start_bound)

    @property
    def rate_text(self) -> str:
        """The implied rate with its bound: ">19.8%"."""
        return f"{format_bound(self.rate_bound)}{self.implied_rate:.1%}"


def market_series(dataset: Dataset) -> pd.DataFrame:
    """The national market of the sector: observations of the market-size indicator the sources give most
    often for the nation (each figure once), by year."""
    frame = observations(dataset, sector=SECTOR, place="china", measure="market_size")
    frame = frame[frame["year"].notna()]
    if frame.empty:
        return frame
    indicator = frame["indicator"].value_counts(sort=True).index[0]
    return frame[frame["indicator"] == indicator].sort_values("year", kind="stable").reset_index(drop=True)


def market_path(dataset: Dataset) -> MarketPath:
    """The latest actual of the national market and the furthest forecast (or target) after it.

    Raises:
        LookupError: the sources give no actual, or no later forecast, of the national market.
    """
    series = market_series(dataset)
    actuals = series[series["kind"] == "actual"]
    if actuals.empty:
        raise LookupError(
            "market_path: the sources give no actual of the national BCI market (data/facts.csv)"
        )
    start = actuals.iloc[-1]
    later = series[series["kind"].isin(["forecast", "target"]) & (series["year"] > start["year"])]
    if later.empty:
        raise LookupError(f"market_path: no forecast of the national BCI market after {int(start['year'])}")
    end = later.iloc[-1]
    return MarketPath(
        int(start["year"]), float(start["value"]), int(end["year"]), float(end["value"]),
        (start["fact_id"], end["fact_id"]), start["bound"], end["bound"], series,
    )  # fmt: skip


def stated_rates(dataset: Dataset) -> pd.DataFrame:
    """Growth rates of the sector that the sources print themselves (measure growth_rate), each once."""
    return observations(dataset, sector=SECTOR, measure="growth_rate")


def stated_rates_table(dataset: Dataset, path: MarketPath, labels: Labels) -> pd.DataFrame:
    """The sources' own growth rates beside the rate the market's actual and forecast imply."""
    rows = [{labels("indicator"): labels("bci_implied", start_year=path.start_year, end_year=path.end_year),
             labels("year"): f"{path.start_year}–{path.end_year}", labels("kind"): labels("bci_rate_implied"),
             labels("bci_col_rate"): path.rate_text, labels("fact_id"): " / ".join(path.fact_ids)}]  # fmt: skip
    for _, rate in stated_rates(dataset).iterrows():
        rows.append({labels("indicator"): labels.fact(rate["fact_id"]),
                     labels("year"): "" if pd.isna(rate["year"]) else str(int(rate["year"])),
                     labels("kind"): labels.kind(rate["kind"]),
                     labels("bci_col_rate"): f"{format_bound(rate['bound'])}{float(rate['value']):.1%}",
                     labels("fact_id"): rate["fact_id"]})  # fmt: skip
    return pd.DataFrame(rows)


def scenario_rates(base_rate: float, assumptions: dict) -> dict[str, float]:
    """Annual growth per scenario: `base_rate` times each scenario's growth_multiplier (data/assumptions.yml)."""
    return {
        name: base_rate * float(spec["growth_multiplier"]) for name, spec in assumptions["scenarios"].items()
    }


def project_scenarios(path: MarketPath, assumptions: dict, horizon_year: int) -> pd.DataFrame:
    """The market from the forecast year to `horizon_year` under every scenario, one row per scenario and year.

    Columns: scenario, year, rate, value_cny. Empty (same columns) when `horizon_year` is not after the
    forecast year: there is then nothing to project.
    """
    columns = ["scenario", "year", "rate", "value_cny"]
    if horizon_year <= path.end_year:
        return pd.DataFrame(columns=columns)
    frames = []
    for name, rate in scenario_rates(path.implied_rate, assumptions).items():
        values = project(path.end_value_cny, rate, path.end_year, horizon_year)
        frames.append(
            pd.DataFrame({"scenario": name, "year": values.index, "rate": rate, "value_cny": values.values})
        )
    return pd.concat(frames, ignore_index=True)[columns]


def doubling_time(rate: float) -> float:
    """Years for a quantity growing at `rate` a year to double: ln 2 / ln(1 + rate).

    Raises:
        ValueError: `rate` is not positive (the quantity never doubles).
    """
    if rate <= 0:
        raise ValueError(f"doubling_time needs a positive growth rate; got {rate}")
    return math.log(2) / math.log(1 + rate)


def market_table(
    path: MarketPath,
    projections: pd.DataFrame,
    labels: Labels,
    currency: str = "CNY",
    cny_per_usd: float = 7.19,
) -> pd.DataFrame:
    """One row per year: the sourced figure (actual or forecast) and each scenario's projection, as text."""
    points = path.points if len(path.points) else pd.DataFrame(
        {"year": [path.start_year, path.end_year], "kind": ["actual", "forecast"],
         "value": [path.start_value_cny, path.end_value_cny], "bound": [path.start_bound, path.end_bound]}
    )  # fmt: skip
    rows = [{"year": int(p["year"]), "kind": labels.kind(p["kind"]), "sourced": float(p["value"]),
             "bound": p["bound"]} for _, p in points.iterrows()]  # fmt: skip
    wide = (
        projections.pivot(index="year", columns="scenario", values="value_cny") if len(projections) else None
    )
    for year in [] if wide is None else wide.index:
        if year in set(points["year"].astype(int)):
            continue
        rows.append({"year": int(year), "kind": labels("bci_kind_projection")} | dict(wide.loc[year]))
    money = {"sourced": labels("bci_col_sourced")} | {
        s: labels("bci_col_scenario", scenario=labels.scenario(s)) for s in SCENARIOS
    }
    table = pd.DataFrame(rows)
    for column in money:
        if column not in table:
            table[column] = float("nan")
        bounds = table["bound"].fillna("=") if column == "sourced" else ["="] * len(table)
        table[column] = [
            "" if pd.isna(v) else format_bound(b) + format_money(float(v), labels, currency, cny_per_usd)
            for v, b in zip(table[column], bounds, strict=True)
        ]
    table = table.rename(columns={"year": labels("year"), "kind": labels("kind")} | money)
    return table[[labels("year"), labels("kind"), *money.values()]]


def rates_table(path: MarketPath, assumptions: dict, labels: Labels) -> pd.DataFrame:
    """The growth rate implied by the source and each scenario's rate, with its multiplier and basis."""
    rows = [{"scenario": labels("bci_implied", start_year=path.start_year, end_year=path.end_year),
             "multiplier": "", "rate": path.rate_text, "basis": labels("bci_rate_implied")}]  # fmt: skip
    for name, rate in scenario_rates(path.implied_rate, assumptions).items():
        multiplier = f"{float(assumptions['scenarios'][name]['growth_multiplier']):g}"
        rows.append({"scenario": labels.scenario(name), "multiplier": multiplier, "rate": f"{rate:.1%}",
                     "basis": labels("bci_rate_assumed", multiplier=multiplier, source=assumptions["source_id"])})  # fmt: skip
    headers = {"scenario": labels("scenario"), "multiplier": labels("bci_col_multiplier"),
               "rate": labels("bci_col_rate"), "basis": labels("bci_col_basis")}  # fmt: skip
    return pd.DataFrame(rows).rename(columns=headers)


def route_application_matrix(dataset: Dataset, cities: list[str] | None = None) -> pd.DataFrame:
    """Cities of the sector (rows, in file order) by focus tag (columns, grouped as TAG_GROUPS):
    True where data/city_roles.csv tags the city with it. Tags outside TAG_GROUPS are ignored."""
    roles = dataset.city_roles[dataset.city_roles["sector"] == SECTOR]
    if cities:
        roles = roles[roles["place"].isin(cities)]
    tags = [tag for group in TAG_GROUPS.values() for tag in group]
    matrix = pd.DataFrame(
        [[tag in set(row["focus_tags"].split(";")) for tag in tags] for _, row in roles.iterrows()],
        index=pd.Index(list(roles["place"]), name="place"),
        columns=tags,
        dtype=bool,
    )
    return matrix


def matrix_table(matrix: pd.DataFrame, labels: Labels) -> pd.DataFrame:
    """The matrix for reading and CSV: city names, one column per tag headed "group: tag", "✓" where stated."""
    table = pd.DataFrame({labels("city"): [labels.city(p) for p in matrix.index]})
    for group, tags in TAG_GROUPS.items():
        for tag in tags:
            header = labels(
                "bci_matrix_column", group=labels(f"bci_group_{group}"), tag=labels(f"focus_{tag}")
            )
            table[header] = ["✓" if v else "" for v in matrix[tag]] if len(matrix) else []
    return table


def matrix_title(matrix: pd.DataFrame, labels: Labels) -> str:
    """The matrix's finding: the most common technology route and the cities that cover all three."""
    routes = matrix[list(ROUTES)]
    counts = routes.sum()
    if counts.max() == 0:
        return labels("bci_matrix_title_no_route", n=len(matrix))
    top = [labels(f"focus_{r}") for r in ROUTES if counts[r] == counts.max()]
    every = [labels.city(p) for p in routes.index[routes.all(axis=1)]]
    return labels(
        "bci_matrix_title",
        route=join_names(top, labels.lang),
        k=int(counts.max()),
        n=len(matrix),
        every=join_names(every, labels.lang) if every else labels("bci_none"),
    )


# --------------------------------------------------------------------------------------------------- figures
def _money_axis(labels: Labels, currency: str) -> tuple[float, str]:
    return money_divisor(labels.lang), labels(f"bci_money_unit_{currency}")


def plot_market_fan(
    path: MarketPath,
    projections: pd.DataFrame,
    labels: Labels,
    scenario: str = "base",
    currency: str = "CNY",
    cny_per_usd: float = 7.19,
    *,
    assumptions_source: str,
):
    """The market: the sourced actual and forecast, the growth path they imply, and the scenario fan after the
    forecast year with the chosen `scenario` drawn bold. Log scale when the fan spans more than tenfold.
    `assumptions_source` is the source id the note names for the projections (data/assumptions.yml's).

    Returns:
        (figure, ids of the two market facts).
    """
    divisor, unit = _money_axis(labels, currency)

    def scaled(value_cny: float) -> float:
        return convert_money(value_cny, currency, cny_per_usd) / divisor

    fig, ax = new_figure(8.5, 5.2)
    start, end = scaled(path.start_value_cny), scaled(path.end_value_cny)
    implied = project(path.start_value_cny, path.implied_rate, path.start_year, path.end_year)
    ax.plot(implied.index, [scaled(v) for v in implied], linestyle=":", color=SOURCED_COLOUR, linewidth=1.5)
    points = path.points if len(path.points) else pd.DataFrame(
        {"year": [path.start_year, path.end_year], "kind": ["actual", "forecast"],
         "value": [path.start_value_cny, path.end_value_cny], "bound": [path.start_bound, path.end_bound]}
    )  # fmt: skip
    for _, point in points.iterrows():
        actual = point["kind"] == "actual"
        value = scaled(float(point["value"]))
        ax.plot([point["year"]], [value], marker=KIND_MARKERS["actual" if actual else "forecast"], markersize=10,
                color=SOURCED_COLOUR, markerfacecolor=SOURCED_COLOUR if actual else "white", markeredgewidth=2,
                linestyle="none", zorder=4)  # fmt: skip
        text = format_bound(point["bound"]) + format_money(
            float(point["value"]), labels, currency, cny_per_usd
        )
        first = point["year"] == points["year"].min()  # right of the first point: clear of the y tick labels
        ax.annotate(text, (point["year"], value), xytext=(8, -12) if first else (-8, 8), textcoords="offset points",
                    ha="left" if first else "right", fontsize=9)  # fmt: skip
    handles = [
        Line2D([], [], marker=KIND_MARKERS["actual"], color=SOURCED_COLOUR, linestyle="none", label=labels("bci_legend_actual")),
        Line2D([], [], marker=KIND_MARKERS["forecast"], color=SOURCED_COLOUR, markerfacecolor="white",
               markeredgewidth=2, linestyle="none", label=labels("bci_legend_forecast")),
        Line2D([], [], linestyle=":", color=SOURCED_COLOUR, label=labels("bci_legend_implied")),
    ]  # fmt: skip
    values = [start, end, *(scaled(float(v)) for v in points["value"])]
    if len(projections):
        wide_cny = projections.pivot(index="year", columns="scenario", values="value_cny")
        wide = wide_cny.map(scaled)
        values += list(wide.to_numpy().ravel())
        ax.fill_between(wide.index, wide["low"], wide["high"], color="#d6eaf8", alpha=0.6, linewidth=0)
        handles.append(Patch(color="#d6eaf8", label=labels("bci_legend_fan")))
        for name in SCENARIOS:
            chosen = name == scenario
            ax.plot(wide.index, wide[name], color=SCENARIO_COLOURS[name], linewidth=3 if chosen else 1.2,
                    linestyle="-" if chosen else "--", zorder=3 if chosen else 2)  # fmt: skip
            money = format_money(float(wide_cny[name].iloc[-1]), labels, currency, cny_per_usd)
            key = "bci_legend_projection_chosen" if chosen else "bci_legend_projection"
            label = labels(key, scenario=labels.scenario(name)) + labels(
                "bci_fan_end_value", year=int(wide.index[-1]), value=money
            )
            handles.append(Line2D([], [], color=SCENARIO_COLOURS[name], linewidth=3 if chosen else 1.2,
                                  linestyle="-" if chosen else "--", label=label))  # fmt: skip
        ax.axvspan(path.end_year, wide.index[-1], color="#f2f3f4", zorder=0)
        note = labels("bci_projection_note", end_year=path.end_year, source=assumptions_source)
    else:
        note = labels("bci_no_projection", end_year=path.end_year)
    ax.axvline(path.end_year, color="#888888", linewidth=1, linestyle="-")
    ax.text(0.99, 0.02, wrap_label(note, labels.lang, 90), transform=ax.transAxes, ha="right", va="bottom",
            fontsize=8, color="#333333", bbox={"facecolor": "white", "edgecolor": "#bbbbbb", "boxstyle": "round"})  # fmt: skip
    is_log = max(values) / min(values) > 10
    if is_log:
        ax.set_yscale("log")
        plain_log_ticks(ax.yaxis)
    else:
        ax.set_ylim(0, max(values) * 1.12)
    last_year = int(projections["year"].max()) if len(projections) else path.end_year
    first_year = int(points["year"].min())
    ax.set_xlim(first_year - 0.6, last_year + 0.6)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel(labels("year"))
    ax.set_ylabel(labels("bci_axis_market_log" if is_log else "bci_axis_market", unit=unit))
    ax.set_title(
        labels(
            "bci_fan_title",
            start=format_money(path.start_value_cny, labels, currency, cny_per_usd),
            end=format_money(path.end_value_cny, labels, currency, cny_per_usd),
            start_year=path.start_year,
            end_year=path.end_year,
            rate=path.rate_text,
        )
    )
    ax.legend(handles=handles, loc="upper left", fontsize=8)
    return fig, list(path.fact_ids)


def plot_scenarios(
    path: MarketPath,
    projections: pd.DataFrame,
    labels: Labels,
    assumptions: dict,
    scenario: str = "base",
    currency: str = "CNY",
    cny_per_usd: float = 7.19,
):
    """Two panels: the annual growth rates (the implied one, from the sources, and each scenario's, an
    assumption) and the market each scenario gives in the horizon year; the chosen scenario is filled.

    Returns:
        (figure, ids of the two market facts).
    """
    rates = scenario_rates(path.implied_rate, assumptions)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
    names = [labels("bci_implied", start_year=path.start_year, end_year=path.end_year)] + [
        labels("bci_scenario_rate", scenario=labels.scenario(s), multiplier=f"{assumptions['scenarios'][s]['growth_multiplier']:g}")
        for s in SCENARIOS
    ]  # fmt: skip
    values = [path.implied_rate * 100] + [rates[s] * 100 for s in SCENARIOS]
    colours = [SOURCED_COLOUR] + [SCENARIO_COLOURS[s] for s in SCENARIOS]
    filled = [True] + [s == scenario for s in SCENARIOS]
    positions = list(range(len(names)))[::-1]
    for y, value, colour, is_filled in zip(positions, values, colours, filled, strict=True):
        left.plot([0, value], [y, y], color=colour, linewidth=1)
        left.plot([value], [y], marker="o", markersize=10, color=colour, markeredgewidth=2,
                  markerfacecolor=colour if is_filled else "white", linestyle="none")  # fmt: skip
        left.annotate(
            f"{value:.1f}%", (value, y), xytext=(8, 0), textcoords="offset points", va="center", fontsize=9
        )
    left.set_yticks(positions, names)
    left.set_xlim(0, max(values) * 1.3)
    left.set_xlabel(labels("bci_axis_rate"))
    left.set_title(labels("bci_rates_panel"), fontsize=10, loc="left")
    if len(projections):
        horizon = int(projections["year"].max())
        last = projections[projections["year"] == horizon].set_index("scenario")["value_cny"]
        divisor, unit = _money_axis(labels, currency)
        shown = [convert_money(float(last[s]), currency, cny_per_usd) / divisor for s in SCENARIOS]
        ys = list(range(len(SCENARIOS)))[::-1]
        for y, s, value in zip(ys, SCENARIOS, shown, strict=True):
            right.plot([0, value], [y, y], color=SCENARIO_COLOURS[s], linewidth=1)
            right.plot([value], [y], marker="o", markersize=10, color=SCENARIO_COLOURS[s], markeredgewidth=2,
                       markerfacecolor=SCENARIO_COLOURS[s] if s == scenario else "white", linestyle="none")  # fmt: skip
            right.annotate(format_money(float(last[s]), labels, currency, cny_per_usd), (value, y), xytext=(8, 0),
                           textcoords="offset points", va="center", fontsize=9)  # fmt: skip
        right.set_yticks(ys, [labels.scenario(s) for s in SCENARIOS])
        right.set_xlim(0, max(shown) * 1.45)
        right.set_xlabel(labels("bci_axis_horizon", year=horizon, unit=unit))
        right.set_title(labels("bci_horizon_panel", year=horizon), fontsize=10, loc="left")
        title = labels(
            "bci_scenarios_title",
            year=horizon,
            low=format_money(float(last["low"]), labels, currency, cny_per_usd),
            high=format_money(float(last["high"]), labels, currency, cny_per_usd),
            scenario=labels.scenario(scenario),
            value=format_money(float(last[scenario]), labels, currency, cny_per_usd),
        )
    else:
        right.set_axis_off()
        right.text(0.5, 0.5, wrap_label(labels("bci_no_projection", end_year=path.end_year), labels.lang, 40),
                   ha="center", va="center", transform=right.transAxes, color="#555555")  # fmt: skip
        title = labels("bci_scenarios_title_no_projection", end_year=path.end_year)
    fig.suptitle(title, fontsize=12)
    return fig, list(path.fact_ids)


def plot_matrix(
    dataset: Dataset,
    labels: Labels,
    path: MarketPath,
    cities: list[str] | None = None,
    currency: str = "CNY",
    cny_per_usd: float = 7.19,
):
    """Cities × technology route / application / platform: a filled square where a source's description
    (as tagged in data/city_roles.csv) names it. A note gives the national market, the only BCI figures.

    Returns:
        (figure, ids of the market facts quoted in the note); ids empty when no chosen city is in the sector.
    """
    matrix = route_application_matrix(dataset, cities)
    if matrix.empty:
        return no_data_figure(labels, labels("bci_matrix_title_empty")), []
    tags = list(matrix.columns)
    fig, ax = new_figure(9, 1.9 + 0.55 * len(matrix))
    for i, place in enumerate(matrix.index):
        y = len(matrix) - 1 - i
        for j, tag in enumerate(tags):
            stated = bool(matrix.loc[place, tag])
            ax.scatter([j], [y], marker="s", s=260 if stated else 120, color="#1b4f72" if stated else "white",
                       edgecolor="#1b4f72" if stated else "#bbbbbb", linewidth=1.2, zorder=3)  # fmt: skip
    start = 0
    for group, group_tags in TAG_GROUPS.items():
        end = start + len(group_tags)
        if end < len(tags):
            ax.axvline(end - 0.5, color="#888888", linewidth=1)
        ax.text((start + end - 1) / 2, len(matrix) - 0.35, labels(f"bci_group_{group}"), ha="center", va="bottom",
                fontsize=9)  # fmt: skip
        start = end
    ax.set_xticks(
        range(len(tags)), [wrap_label(labels(f"focus_{t}"), labels.lang, 16) for t in tags], fontsize=8
    )
    ax.set_yticks(range(len(matrix))[::-1], [labels.city(p) for p in matrix.index])
    ax.set_xlim(-0.6, len(tags) - 0.4)
    ax.set_ylim(-0.6, len(matrix) + 0.2)
    ax.grid(False)
    ax.set_title(matrix_title(matrix, labels), pad=14)
    roles = dataset.city_roles[
        (dataset.city_roles["sector"] == SECTOR) & dataset.city_roles["place"].isin(matrix.index)
    ]
    context = labels(
        "bci_matrix_note",
        paragraphs=", ".join(str(int(p)) for p in sorted(set(roles["locator"]))),
        start=format_money(path.start_value_cny, labels, currency, cny_per_usd),
        end=format_money(path.end_value_cny, labels, currency, cny_per_usd),
        start_year=path.start_year,
        end_year=path.end_year,
    )
    ax.set_xlabel(context, loc="left", fontsize=8, color="#333333", labelpad=10)
    return fig, list(path.fact_ids)

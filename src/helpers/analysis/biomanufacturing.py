"""Biomanufacturing (生物製造) for notebook 02: the leading four and the followers, Shanghai's biomedicine scale
beside Changping's revenue, Changping's per-firm figures, and Shenzhen's share of new synthetic-biology firms.

Every derived number carries its bound (helpers.indicators.bounded_ratio); see the function docstrings.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from helpers.analysis.common import (
    BOUND_READING_KEYS,
    annotate_points,
    fact_ratio,
    figure_focus_matrix,
    focus_matrix,
    format_bounded,
    get_fact,
    is_shown,
    set_finding_title,
)
from helpers.data import Dataset
from helpers.i18n import Labels
from helpers.indicators import Bounded, convert_money
from helpers.plots import MEASURE_COLOURS, bound_legend_handles, draw_no_data, new_figure, plot_bounded_points
from helpers.quantity import format_bound
from helpers.tables import format_figure, format_money

SECTOR = "biomanufacturing"
BEIJING = "beijing"  # Changping District is in Beijing
SHENZHEN = "shenzhen"
SHANGHAI_BIOMEDICINE = "bio_shanghai_biomedicine_2024"
CHANGPING_FIRMS = "bio_changping_firms"
CHANGPING_REVENUE = "bio_changping_revenue_2024"
CHANGPING_LEADING_TARGET = "bio_changping_leading_firms_2026"
SHENZHEN_SHARE = "bio_shenzhen_synbio_share"
CHANGPING_FACTS: tuple[str, ...] = (CHANGPING_FIRMS, CHANGPING_REVENUE, CHANGPING_LEADING_TARGET)
SCALE_FACTS: tuple[str, ...] = (SHANGHAI_BIOMEDICINE, CHANGPING_REVENUE)
COMPLEMENT_BOUND: dict[str, str] = {"=": "=", ">=": "<=", "<=": ">=", "~": "~"}  # bound of 1 - x


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


def revenue_per_firm(dataset: Dataset) -> Bounded:
    """Changping's revenue divided by its firms. Both are lower bounds ("超", "餘"), so the result is only an
    approximation with no direction ("~"): more firms pull it down, more revenue pushes it up."""
    return fact_ratio(dataset, CHANGPING_REVENUE, CHANGPING_FIRMS)


def leading_firm_share(dataset: Dataset) -> Bounded:
    """Changping's 2026 leading-firm target over today's firms: exact over a lower bound, so an upper bound."""
    return fact_ratio(dataset, CHANGPING_LEADING_TARGET, CHANGPING_FIRMS)


def scale_ratio(dataset: Dataset) -> Bounded:
    """Shanghai's biomedicine scale over Changping's revenue: two lower bounds of unlike measures ("~")."""
    return fact_ratio(dataset, SHANGHAI_BIOMEDICINE, CHANGPING_REVENUE)


def complement_share(share: float, bound: str) -> Bounded:
    """1 - share, with the bound reversed: "nearly half" (<= 1/2) for Shenzhen leaves >= 1/2 for the rest.

    Raises:
        ValueError: `share` outside [0, 1].
    """
    if not 0 <= share <= 1:
        raise ValueError(f"a share must lie between 0 and 1; got {share}")
    return Bounded(1 - share, COMPLEMENT_BOUND[bound])


def shenzhen_split(dataset: Dataset) -> pd.DataFrame:
    """Shenzhen's share of China's newly founded synthetic-biology firms and the rest of China's, with bounds.

    Returns:
        Two rows (`part` = "shenzhen", "rest_of_china") with `value` and `bound`.
    """
    fact = get_fact(dataset, SHENZHEN_SHARE)
    rest = complement_share(float(fact["value"]), fact["bound"])
    return pd.DataFrame(
        [("shenzhen", float(fact["value"]), fact["bound"]), ("rest_of_china", rest.value, rest.bound)],
        columns=["part", "value", "bound"],
    )


def scale_comparison_table(dataset: Dataset, labels: Labels, figure_text) -> pd.DataFrame:
    """Shanghai's biomedicine scale and Changping's revenue side by side with what makes them unlike.

    Args:
        figure_text: a function fact_id -> figure as text (Session.figure_text).
    """
    rows = []
    for fact_id in SCALE_FACTS:
        fact = get_fact(dataset, fact_id)
        is_district = bool(fact["district_en"])
        place = labels.city(fact["place"]) + (f" · {labels.district(fact_id)}" if is_district else "")
        rows.append({
            labels("city"): place,
            labels("bio_geography"): labels("bio_geo_district" if is_district else "bio_geo_city"),
            labels("indicator"): labels.fact(fact_id),
            labels("measure"): labels.measure(fact["measure"]),
            labels("year"): str(int(fact["year"])),
            labels("figure"): figure_text(fact_id),
            labels("q_reading"): labels(BOUND_READING_KEYS[fact["bound"]]),
            labels("fact_id"): fact_id,
        })  # fmt: skip
    return pd.DataFrame(rows)


def changping_table(dataset: Dataset, labels: Labels, figure_text, money_text) -> pd.DataFrame:
    """Changping's derived figures: revenue per firm ("~", no direction) and the leading-firm share (upper bound).

    Args:
        figure_text: fact_id -> figure as text (Session.figure_text).
        money_text: CNY amount -> text in the notebook's currency (Session.money).
    """
    per_firm = revenue_per_firm(dataset)
    share = leading_firm_share(dataset)
    rows = [
        ("bio_revenue_per_firm", CHANGPING_REVENUE, CHANGPING_FIRMS,
         f"{format_bound(per_firm.bound)}{money_text(per_firm.value)}", per_firm.bound),
        ("bio_leading_share", CHANGPING_LEADING_TARGET, CHANGPING_FIRMS,
         format_figure(share.value, share.bound, "fraction", labels), share.bound),
    ]  # fmt: skip
    return pd.DataFrame(
        {
            labels("q_item"): [labels(key) for key, *_ in rows],
            labels("q_numerator"): [figure_text(n) for _, n, *_ in rows],
            labels("q_denominator"): [figure_text(d) for _, _, d, *_ in rows],
            labels("value"): [text for *_, text, _ in rows],
            labels("q_reading"): [labels(BOUND_READING_KEYS[b]) for *_, b in rows],
            labels("fact_id"): [f"{n} / {d}" for _, n, d, *_ in rows],
        }
    )


def specialisations_table(dataset: Dataset, labels: Labels, cities: list[str] | None = None) -> pd.DataFrame:
    """Each place's role and focus tags (localised); English adds the focus description of data/city_roles.csv."""
    roles = dataset.city_roles[dataset.city_roles["sector"] == SECTOR]
    if cities:
        roles = roles[roles["place"].isin(cities)]
    separator = ", " if labels.lang == "en" else "、"
    table = pd.DataFrame({
        labels("city"): [labels.city(p) for p in roles["place"]],
        labels("role"): [labels.role(r) for r in roles["role"]],
        labels("focus"): [separator.join(labels(f"focus_{t}") for t in tags.split(";")) for tags in roles["focus_tags"]],
    })  # fmt: skip
    if labels.lang == "en":
        table[labels("note")] = list(roles["focus"])
    return table


# --- figures of notebook 02 ------------------------------------------------------------------------------


def money_formatter(labels: Labels, currency: str) -> FuncFormatter:
    """Tick labels for an axis already in `currency`: "CNY 10 bn", "100 億元", "USD 1.39 bn"."""
    return FuncFormatter(lambda amount, _: format_money(amount, labels, currency, 1.0) if amount > 0 else "0")


def figure_leaders(session) -> Figure:
    """Cities x focus tags of biomanufacturing coloured by role; the title counts leaders and followers and names
    the most common focus."""
    labels, cities = session.labels, session.settings.get("cities")
    fig = figure_focus_matrix(session, SECTOR)
    groups = places_by_role(session.dataset, cities)
    if groups:
        tag, n = most_common_tag(focus_matrix(session.dataset, SECTOR, cities))
        set_finding_title(fig, labels, labels("bio_focus_title", n_lead=len(groups.get("leader", [])),
                            n_follow=len(groups.get("follower", [])), tag=labels(f"focus_{tag}"), n=n))  # fmt: skip
    return fig


def figure_scale_comparison(session) -> Figure:
    """Shanghai's biomedicine scale and Changping's revenue in separate panels on one log money axis."""
    labels, cities = session.labels, session.settings.get("cities")
    shown = [f for f in SCALE_FACTS if is_shown(get_fact(session.dataset, f)["place"], cities)]
    fig, axes = plt.subplots(max(len(shown), 1), 1, figsize=(8, 1.2 + 1.3 * max(len(shown), 1)), sharex=True,
                             layout="constrained", squeeze=False)  # fmt: skip
    axes = list(axes[:, 0])
    if not shown:
        set_finding_title(fig, labels, labels("bio_scale_title_none"))
        draw_no_data(axes[0], labels)
        return fig
    used: set[str] = set()
    for ax, fact_id in zip(axes, shown, strict=True):
        fact = get_fact(session.dataset, fact_id)
        value = convert_money(float(fact["value"]), session.currency, session.cny_per_usd)
        colour = MEASURE_COLOURS[fact["measure"]]
        name = labels.city(fact["place"]) + (f" · {labels.district(fact_id)}" if fact["district_en"] else "")
        used |= plot_bounded_points(ax, [f"{name}\n{labels.fact(fact_id)}"], [value], [fact["bound"]], colour=colour,
                                    log=True)  # fmt: skip
        annotate_points(ax, [f"{session.figure_text(fact_id)} ({labels.measure(fact['measure'])}, {int(fact['year'])})"],
                        [value])  # fmt: skip
        ax.set_ylim(-0.6, 0.8)
    axes[-1].xaxis.set_major_formatter(money_formatter(labels, session.currency))
    axes[-1].set_xlabel(labels("money_axis", currency=labels(f"currency_{session.currency}")))
    low = convert_money(1e9, session.currency, session.cny_per_usd)
    axes[-1].set_xlim(low, low * 2e3)
    axes[0].set_title(labels("bio_scale_note"), fontsize=9, color="#555555")
    axes[0].legend(handles=bound_legend_handles(labels, used), loc="upper left", bbox_to_anchor=(1.01, 1))
    if len(shown) == len(SCALE_FACTS):
        set_finding_title(
            fig, labels, labels("bio_scale_title", ratio=format_bounded(scale_ratio(session.dataset), 2))
        )
    else:
        set_finding_title(fig, labels, labels("bio_scale_title_one"))
    return fig


def figure_changping(session) -> Figure:
    """Changping's firms and leading-firm target (counts), revenue per firm (money) and leading-firm share
    (fraction), each in its own panel, or a no-data note when Beijing is not among the chosen cities."""
    labels, cities = session.labels, session.settings.get("cities")
    if not is_shown(BEIJING, cities):
        fig, ax = new_figure(8, 3)
        set_finding_title(fig, labels, labels("bio_changping_title_none"))
        draw_no_data(ax, labels)
        return fig
    data = session.dataset
    fig, (ax_count, ax_money, ax_share) = plt.subplots(3, 1, figsize=(8, 5.6), layout="constrained",
                                                       height_ratios=(2, 1, 1))  # fmt: skip
    used: set[str] = set()
    counts = [get_fact(data, f) for f in (CHANGPING_FIRMS, CHANGPING_LEADING_TARGET)]
    count_names = [
        f"{labels.fact(f['fact_id'])} ({labels.kind(f['kind'])}, {int(f['year'])})" for f in counts
    ]
    count_values = [float(f["value"]) for f in counts]
    used |= plot_bounded_points(ax_count, count_names, count_values, [f["bound"] for f in counts])
    annotate_points(ax_count, [session.figure_text(f["fact_id"]) for f in counts], count_values)
    ax_count.set_xlim(0, 160)
    ax_count.set_ylim(-0.6, 1.7)
    ax_count.set_xlabel(labels("bio_firms_axis"))

    per_firm = revenue_per_firm(data)
    per_firm_value = convert_money(per_firm.value, session.currency, session.cny_per_usd)
    used |= plot_bounded_points(ax_money, [labels("bio_revenue_per_firm")], [per_firm_value], [per_firm.bound],
                                colour=MEASURE_COLOURS["revenue"])  # fmt: skip
    per_firm_text = format_figure(
        per_firm.value, per_firm.bound, "CNY", labels, session.currency, session.cny_per_usd
    )
    annotate_points(ax_money, [per_firm_text], [per_firm_value])
    ax_money.set_xlim(0, per_firm_value * 2)
    ax_money.set_ylim(-0.6, 0.8)
    ax_money.xaxis.set_major_formatter(money_formatter(labels, session.currency))
    ax_money.set_xlabel(labels("bio_per_firm_axis", currency=labels(f"currency_{session.currency}")))

    share = leading_firm_share(data)
    share_text = format_figure(share.value, share.bound, "fraction", labels)
    used |= plot_bounded_points(ax_share, [labels("bio_leading_share")], [share.value], [share.bound])
    annotate_points(ax_share, [share_text], [share.value])
    ax_share.set_xlim(0, 1)
    ax_share.set_ylim(-0.6, 0.8)
    ax_share.set_xlabel(labels("bio_share_axis"))
    ax_count.legend(handles=bound_legend_handles(labels, used), loc="upper left", bbox_to_anchor=(1.01, 1))
    ax_count.set_title(labels("bio_changping_note"), fontsize=9, color="#555555")
    target_year = int(get_fact(data, CHANGPING_LEADING_TARGET)["year"])
    set_finding_title(
        fig, labels, labels("bio_changping_title", per_firm=per_firm_text, share=share_text, year=target_year)
    )
    return fig


def figure_shenzhen_share(session) -> Figure:
    """Shenzhen's share of new synthetic-biology firms (an upper bound) and the rest of China's (a lower bound)."""
    labels, cities = session.labels, session.settings.get("cities")
    fig, ax = new_figure(8, 2.8)
    if not is_shown(SHENZHEN, cities):
        set_finding_title(fig, labels, labels("bio_shenzhen_title_none"))
        draw_no_data(ax, labels)
        return fig
    split = shenzhen_split(session.dataset)
    names = [labels.city(SHENZHEN), labels("bio_rest_of_china")]
    values = list(split["value"])
    used = plot_bounded_points(ax, names, values, list(split["bound"]))
    texts = [format_figure(v, b, "fraction", labels) for v, b in zip(values, split["bound"], strict=True)]
    annotate_points(ax, texts, values)
    ax.axvline(0.5, color="#888888", linestyle="--", linewidth=1)
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.6, 1.7)
    ax.set_xlabel(labels("bio_share_new_firms_axis"))
    ax.legend(handles=bound_legend_handles(labels, used), loc="upper left", bbox_to_anchor=(1.01, 1))
    set_finding_title(fig, labels, labels("bio_shenzhen_title", share=texts[0]))
    return fig

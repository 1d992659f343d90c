"""The package's city index against published rankings (notebook 07, "Against published rankings").

Each published ranking of data/rankings.csv (one `ranking_id`: one edition of an index or sub-index) is compared
with the index's ranks on the cities both rank: Kendall's tau-b (scipy.stats.kendalltau) of the point ranks,
its 5-95% range over the Monte Carlo rank draws (helpers.index.rank_draws), the cities whose ranks differ most,
and the rankings that share too few cities to compare. The rankings are data, not facts: tables and figures
cite their sources (OutputSink `extra_sources`).

Raw functions return frames keyed by ids and are unit-tested by hand; `*_table` localises for display,
`figure_*` draws.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from scipy.stats import kendalltau

from helpers.analysis.common import join_names, set_finding_title, wrap_label
from helpers.i18n import Labels
from helpers.plots import new_figure, no_data_figure

MIN_COMMON = 3  # fewer common cities than this: tau is not computed (two cities give only +1 or -1)
RANGE = (0.05, 0.95)  # the range of tau over the Monte Carlo draws
COLUMNS = ["ranking_id", "index_name", "year", "source_ids", "n_ranked", "n_common", "common", "status",
           "tau", "tau_low", "tau_high", "list_order", "largest_gap", "disagree", "disagree_ours", "disagree_theirs"]  # fmt: skip


def tau_b(first, second) -> float:
    """Kendall's tau-b of two rankings of the same items (ties corrected); NaN when either is constant."""
    return float(kendalltau(np.asarray(first, dtype=float), np.asarray(second, dtype=float)).statistic)


def ranks_within(ranks: pd.Series) -> pd.Series:
    """Ranks re-counted among the items of `ranks` alone (1 = best; ties share the better rank, 1, 2, 2, 4)."""
    return ranks.rank(method="min").astype(int)


def tau_b_rows(rows, other) -> np.ndarray:
    """tau_b of each row of `rows` (draws x items) against `other` (items), all rows at once, with the
    arithmetic of scipy.stats.kendalltau: (concordant - discordant pairs) / sqrt(pairs - pairs tied in the
    row) / sqrt(pairs - pairs tied in `other`), clipped to [-1, 1]; NaN where either is constant."""
    rows = np.atleast_2d(np.asarray(rows, dtype=float))
    other = np.asarray(other, dtype=float)
    upper = np.triu_indices(len(other), k=1)  # each pair of items once
    row_signs = np.sign(rows[:, :, None] - rows[:, None, :])[:, upper[0], upper[1]]
    other_signs = np.sign(other[:, None] - other[None, :])[upper]
    pairs = len(upper[0])
    row_ties = (row_signs == 0).sum(axis=1)
    other_ties = int((other_signs == 0).sum())
    con_minus_dis = (row_signs * other_signs).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = con_minus_dis / np.sqrt(pairs - row_ties) / np.sqrt(pairs - other_ties)
    tau = np.minimum(1.0, np.maximum(-1.0, tau))
    return np.where((row_ties == pairs) | (other_ties == pairs), np.nan, tau)


def _draw_taus(draws: pd.DataFrame, published: pd.Series) -> np.ndarray:
    """tau-b of every draw's ranks of `published`'s cities against `published` (tau_b_rows)."""
    return tau_b_rows(draws[list(published.index)].to_numpy(), published.to_numpy())


def compare_rankings(
    rankings: pd.DataFrame, ranks: pd.Series, draws: pd.DataFrame, min_common: int = MIN_COMMON
) -> pd.DataFrame:
    """The index's ranking against each published ranking, on the cities both rank.

    Args:
        rankings: rows of data/rankings.csv (`ranking_id`, `index_name`, `year`, `place`, `rank`, `rank_text`,
            `source_id`).
        ranks: the index's point ranks, place id -> rank (1 = first).
        draws: the Monte Carlo ranks, index draw, one column per place id of `ranks`.
        min_common: the fewest common cities for which tau is computed.

    Returns:
        One row per ranking id (sorted by id): `index_name` and `year` (of its first row), `source_ids`
        (sorted, ';'-joined), `n_ranked` (cities it ranks), `n_common`, `common` (the common place ids, by the
        published rank), `status` ("compared" or "too_few"), `tau` (tau-b of the point ranks), `tau_low` and
        `tau_high` (the 5th and 95th percentiles over the draws, values that occurred), `list_order` (True when
        any common city's rank is only the order of a printed list, blank `rank_text`), `largest_gap` (the
        largest difference of the two ranks re-counted among the common cities), `disagree` (the cities
        with that gap, by published rank; blank when the orders agree) and their ranks among the common cities
        in the index (`disagree_ours`) and the ranking (`disagree_theirs`), ';'-joined. Numbers are NaN where
        `status` is "too_few".

    Raises:
        ValueError: a city of `ranks` that `draws` lacks, or a ranking that ranks one city twice.
    """
    missing = sorted(set(ranks.index) - set(draws.columns))
    if missing:
        raise ValueError(f"compare_rankings: the draws have no column for {missing} (parameter draws)")
    twice = rankings[rankings.duplicated(["ranking_id", "place"], keep=False)]
    if not twice.empty:
        raise ValueError(
            "compare_rankings: data/rankings.csv ranks a city twice in one ranking: "
            f"{sorted(set(zip(twice['ranking_id'], twice['place'], strict=True)))}"
        )
    rows = []
    for ranking_id, group in rankings.groupby("ranking_id", sort=True):
        group = group.sort_values(["rank", "place"], kind="stable")
        shared = group[group["place"].isin(ranks.index)]
        row = dict.fromkeys(COLUMNS, np.nan) | {
            "ranking_id": ranking_id, "index_name": group["index_name"].iloc[0], "year": group["year"].iloc[0],
            "source_ids": ";".join(sorted(set(group["source_id"]))), "n_ranked": len(group),
            "n_common": len(shared), "common": ";".join(shared["place"]), "disagree": "", "disagree_ours": "",
            "disagree_theirs": "",
            "list_order": bool(shared["rank_text"].isna().any() or (shared["rank_text"] == "").any()),
        }  # fmt: skip
        if len(shared) < min_common:
            row["status"] = "too_few"
            rows.append(row)
            continue
        published = pd.Series(shared["rank"].to_numpy(), index=shared["place"].to_numpy())
        ours = ranks[published.index]
        taus = _draw_taus(draws, published)
        gap = (ranks_within(ours) - ranks_within(published)).abs()
        row |= {
            "status": "compared", "tau": tau_b(ours.to_numpy(), published.to_numpy()),
            "tau_low": float(np.quantile(taus, RANGE[0], method="inverted_cdf")),
            "tau_high": float(np.quantile(taus, RANGE[1], method="inverted_cdf")),
            "largest_gap": int(gap.max()),
        }  # fmt: skip
        if gap.max():
            widest = list(gap.index[gap == gap.max()])
            row["disagree"] = ";".join(widest)
            row["disagree_ours"] = ";".join(str(ranks_within(ours)[p]) for p in widest)
            row["disagree_theirs"] = ";".join(str(ranks_within(published)[p]) for p in widest)
        rows.append(row)
    table = pd.DataFrame(rows, columns=COLUMNS)
    table["year"] = pd.to_numeric(table["year"]).astype("Int64")
    table["largest_gap"] = pd.to_numeric(table["largest_gap"]).astype("Int64")
    return table


def ranking_sources(comparison: pd.DataFrame) -> list[str]:
    """The source ids of the rankings in `comparison`, sorted, each once."""
    return sorted({s for ids in comparison["source_ids"] for s in ids.split(";") if s})


def _tau_text(value: float) -> str:
    return "—" if pd.isna(value) else f"{value:+.2f}"


def comparison_table(comparison: pd.DataFrame, labels: Labels) -> pd.DataFrame:
    """`compare_rankings` for display, headers in the label language: the ranking, cities ranked and common,
    tau with its range, where the two disagree most (each city with its ranks among the common cities in the
    index and in the ranking)."""

    def disagree_text(row) -> str:
        if not row["disagree"]:
            return "—"
        parts = zip(row["disagree"].split(";"), row["disagree_ours"].split(";"), row["disagree_theirs"].split(";"),
                    strict=True)  # fmt: skip
        return "; ".join(
            labels("bm_disagree_city", city=labels.city(p), ours=o, theirs=t) for p, o, t in parts
        )

    return pd.DataFrame({
        labels("bm_ranking"): list(comparison["ranking_id"]),
        labels("bm_index_name"): list(comparison["index_name"]),
        labels("year"): ["—" if pd.isna(y) else str(y) for y in comparison["year"]],
        labels("bm_n_ranked"): list(comparison["n_ranked"]),
        labels("bm_n_common"): list(comparison["n_common"]),
        labels("bm_tau"): [_tau_text(t) for t in comparison["tau"]],
        labels("bm_tau_range"): ["—" if pd.isna(lo) else f"{lo:+.2f} … {hi:+.2f}"
                                 for lo, hi in zip(comparison["tau_low"], comparison["tau_high"], strict=True)],
        labels("bm_list_order"): [labels("bm_yes") if v else labels("bm_no") for v in comparison["list_order"]],
        labels("bm_disagree"): [disagree_text(r) if r["status"] == "compared" else labels("bm_too_few")
                                for _, r in comparison.iterrows()],
        labels("source"): list(comparison["source_ids"]),
    })  # fmt: skip


def comparison_sentence(comparison: pd.DataFrame, labels: Labels) -> str:
    """What the comparison finds, in one sentence printed from the data: how many rankings could be compared,
    the lowest and highest tau and where the index and the published rankings disagree most."""
    compared = comparison[comparison["status"] == "compared"]
    if compared.empty:
        return labels("bm_sentence_none", n=len(comparison), k=MIN_COMMON)
    lowest = compared.loc[compared["tau"].idxmin()] if compared["tau"].notna().any() else compared.iloc[0]
    highest = compared.loc[compared["tau"].idxmax()] if compared["tau"].notna().any() else compared.iloc[0]
    widest = compared.sort_values(["largest_gap", "ranking_id"], ascending=[False, True], kind="stable").iloc[
        0
    ]
    cities = [labels.city(p) for p in widest["disagree"].split(";") if p]
    return labels(
        "bm_sentence", n=len(comparison), k=len(compared), min=MIN_COMMON,
        low=_tau_text(lowest["tau"]), low_id=lowest["ranking_id"],
        high=_tau_text(highest["tau"]), high_id=highest["ranking_id"],
        gap=int(widest["largest_gap"]), gap_id=widest["ranking_id"],
        cities=join_names(cities, labels.lang) if cities else "—",
        list_order=int(compared["list_order"].sum()),
    )  # fmt: skip


def caveat_sentence(comparison: pd.DataFrame, labels: Labels, indicators: Sequence[str]) -> str:
    """Why the index and a published ranking can differ, with the counts the data give; `indicators` are the
    index's indicator names (columns of helpers.index.city_indicators), named through their labels."""
    names = join_names([labels(f"syn_ind_{name}") for name in indicators], labels.lang)
    compared = comparison[comparison["status"] == "compared"]
    if compared.empty:
        return labels("bm_caveat_plain", indicators=names)
    return labels(
        "bm_caveat", k=len(compared), list_order=int(compared["list_order"].sum()), indicators=names
    )


def figure_taus(comparison: pd.DataFrame, labels: Labels) -> Figure:
    """Kendall's tau of the point ranks (dot) and its 5-95% range over the Monte Carlo (bar), one row per
    ranking compared, from -1 (reversed) to +1 (the same order)."""
    compared = comparison[comparison["status"] == "compared"].reset_index(drop=True)
    if compared.empty:
        return no_data_figure(labels, labels("bm_title_none"))
    fig, ax = new_figure(8.5, max(3.2, 2 + 0.45 * len(compared)))
    positions = list(range(len(compared)))[::-1]
    for y, (_, row) in zip(positions, compared.iterrows(), strict=True):
        if not pd.isna(row["tau_low"]):
            ax.plot([row["tau_low"], row["tau_high"]], [y, y], color="#85c1e9", linewidth=6,
                    solid_capstyle="butt")  # fmt: skip
        if not pd.isna(row["tau"]):
            ax.plot([row["tau"]], [y], marker="o", color="#1b4f72", markersize=7, linestyle="none")
    ax.axvline(0, color="#555555", linewidth=0.8)
    names = [wrap_label(labels("bm_row", id=r["ranking_id"], n=r["n_common"]), labels.lang, 48)
             for _, r in compared.iterrows()]  # fmt: skip
    ax.set_yticks(positions, names)
    ax.set_ylim(-0.7, len(compared) - 0.3)
    ax.set_xlim(-1.05, 1.05)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(labels("bm_tau_axis"))
    handles = [Line2D([], [], color="#85c1e9", linewidth=6, label=labels("bm_range_legend")),
               Line2D([], [], marker="o", color="#1b4f72", linestyle="none", label=labels("bm_point_legend"))]  # fmt: skip
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    taus = compared["tau"].dropna()
    if taus.empty:
        set_finding_title(fig, labels, labels("bm_title_none"))
    else:
        set_finding_title(fig, labels, labels("bm_title", k=len(compared), low=_tau_text(taus.min()),
                                              high=_tau_text(taus.max())))  # fmt: skip
    return fig

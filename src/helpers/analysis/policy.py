"""The list moves: which of the six future industries each national document names (notebook 07, section
"The list moves"), from data/policy_mentions.csv.

A document names a sector when a source reads one of the sector's terms among the document's future
industries (`named` true); it does not name it when a source that gives the document's full list reads the
sector as absent (`named` false); otherwise the data do not say ("not stated"). Raw functions return frames
keyed by ids and are unit-tested by hand; `*_table` localises, `figure_*` draws.
"""

from __future__ import annotations

import textwrap

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from helpers.analysis.common import join_names, set_finding_title, wrap_label
from helpers.data import Dataset
from helpers.i18n import Labels
from helpers.plots import new_figure, no_data_figure

STATES: tuple[str, ...] = ("named", "not_named", "not_stated")
STATE_STYLE: dict[str, dict] = {
    "named": {"marker": "o", "color": "#1b4f72", "markerfacecolor": "#1b4f72", "markersize": 11},
    "not_named": {"marker": "o", "color": "#943126", "markerfacecolor": "white", "markersize": 9},
    "not_stated": {"marker": ".", "color": "#aab7b8", "markerfacecolor": "#aab7b8", "markersize": 6},
}


def sector_order(dataset: Dataset) -> list[str]:
    """The six sector ids in data/sectors.csv order."""
    return list(dataset.sectors.sort_values("order")["sector_id"])


def documents(mentions: pd.DataFrame) -> pd.DataFrame:
    """One row per document: `document_id`, `title` (of its first row in file order), `date` (the earliest
    date its rows give: sources may date a document by its adoption or its publication), `source_ids`
    (sorted, ';'-joined). Ordered by date, then id."""
    rows = []
    for document_id, group in mentions.groupby("document_id", sort=True):
        rows.append({"document_id": document_id, "title": group["document_title"].iloc[0],
                     "date": min(group["document_date"]), "source_ids": ";".join(sorted(set(group["source_id"])))})  # fmt: skip
    table = pd.DataFrame(rows, columns=["document_id", "title", "date", "source_ids"])
    return table.sort_values(["date", "document_id"], kind="stable").reset_index(drop=True)


def policy_matrix(mentions: pd.DataFrame, sectors: list[str]) -> pd.DataFrame:
    """Document x sector: "named" when any source reads the sector named, else "not_named" when a source
    reads it absent from the document's full list, else "not_stated".

    Args:
        mentions: rows of data/policy_mentions.csv (`document_id`, `document_date`, `document_title`,
            `sector`, `named`, `source_id`); rows without a sector (industries outside the six) are ignored.
        sectors: the sector ids, in the columns' order.

    Returns:
        Index document_id in `documents` order, one column per sector.

    Raises:
        ValueError: a row whose `named` is not True or False.
    """
    bad = mentions[~mentions["named"].isin([True, False])]
    if not bad.empty:
        raise ValueError(
            f"data/policy_mentions.csv: `named` must be true or false; rows {list(bad.index)} are not"
        )
    order = documents(mentions)["document_id"]
    matrix = pd.DataFrame("not_stated", index=pd.Index(order, name="document_id"), columns=list(sectors))
    in_six = mentions[mentions["sector"].isin(sectors)]
    for (document_id, sector), group in in_six.groupby(["document_id", "sector"], sort=True):
        matrix.loc[document_id, sector] = "named" if group["named"].any() else "not_named"
    return matrix


def list_moves(matrix: pd.DataFrame) -> pd.DataFrame:
    """For each sector, how the list moves from the earliest to the latest document that states it either
    way: `first` (the first document naming it), `status` — "stayed" (named in every document that states
    it), "entered" (not named in the first, named in the latest that states it), "returned" (named in the
    first and the latest, not named in one between), "left" (named, then not named in the latest), "never"
    (stated but never named), "unstated" (no document states it) — and `n_named`, `n_stated`. Index: the
    sectors in `matrix` order."""
    rows = []
    for sector in matrix.columns:
        stated = matrix[sector][matrix[sector] != "not_stated"]
        named = stated[stated == "named"]
        if stated.empty:
            status = "unstated"
        elif named.empty:
            status = "never"
        elif len(named) == len(stated):
            status = "stayed"
        elif stated.iloc[-1] != "named":
            status = "left"
        else:
            status = "entered" if stated.iloc[0] != "named" else "returned"
        rows.append({"sector": sector, "status": status, "first": named.index[0] if len(named) else "",
                     "n_named": len(named), "n_stated": len(stated)})  # fmt: skip
    return pd.DataFrame(rows).set_index("sector")


def moves_sentence(moves: pd.DataFrame, labels: Labels) -> str:
    """Which sectors entered the national documents' lists, stayed in them or left, in one sentence."""
    parts = []
    for status in ("entered", "returned", "stayed", "left", "never", "unstated"):
        sectors = list(moves.index[moves["status"] == status])
        if sectors:
            parts.append(labels(f"pl_moves_{status}", sectors=join_names([labels.sector(s) for s in sectors],
                                                                           labels.lang)))  # fmt: skip
    return labels("pl_sentence", n=len(moves), parts=labels("pl_join").join(parts))


def policy_table(mentions: pd.DataFrame, matrix: pd.DataFrame, labels: Labels) -> pd.DataFrame:
    """The document x sector matrix for display: document id, date, title, one column per sector (named /
    not named / not stated, in the label language), sources."""
    docs = documents(mentions).set_index("document_id").loc[matrix.index]
    table = pd.DataFrame({
        labels("pl_document"): list(matrix.index),
        labels("pl_date"): list(docs["date"]),
        labels("pl_title"): list(docs["title"]),
    })  # fmt: skip
    for sector in matrix.columns:
        table[labels.sector(sector)] = [labels(f"pl_state_{s}") for s in matrix[sector]]
    table[labels("source")] = list(docs["source_ids"])
    return table


def column_label(text: str, lang: str) -> str:
    """A sector's name over a column: English at spaces only, about 12 characters a line (a long word stays
    whole); Chinese as helpers.analysis.common.wrap_label."""
    if lang == "en":
        return textwrap.fill(text, 12, break_long_words=False, break_on_hyphens=False)
    return wrap_label(text, lang, 14)


def figure_policy(
    mentions: pd.DataFrame, matrix: pd.DataFrame, moves: pd.DataFrame, labels: Labels
) -> Figure:
    """Dot matrix: documents by date (top to bottom), the six sectors across; a filled dot where the document
    names the sector, an open one where it does not, a small grey dot where the data do not say."""
    if matrix.empty:
        return no_data_figure(labels, labels("pl_title_none"))
    docs = documents(mentions).set_index("document_id").loc[matrix.index]
    fig, ax = new_figure(10, max(3.4, 1.9 + 0.42 * len(matrix)))
    positions = list(range(len(matrix)))[::-1]
    for y, (_, row) in zip(positions, matrix.iterrows(), strict=True):
        for x, sector in enumerate(matrix.columns):
            ax.plot([x], [y], linestyle="none", markeredgewidth=1.6, **STATE_STYLE[row[sector]])
    ax.set_yticks(positions, [f"{d} · {docs.loc[d, 'date']}" for d in matrix.index], fontsize=8)
    ax.set_xticks(
        range(len(matrix.columns)),
        [column_label(labels.sector(s), labels.lang) for s in matrix.columns],
        fontsize=8,
    )
    ax.xaxis.tick_top()
    ax.set_xlim(-0.6, len(matrix.columns) - 0.4)
    ax.set_ylim(-0.6, len(matrix) - 0.4)
    ax.grid(visible=False)
    handles = [Line2D([], [], linestyle="none", markeredgewidth=1.6, label=labels(f"pl_state_{s}"),
                      **STATE_STYLE[s]) for s in STATES]  # fmt: skip
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    stayed = [labels.sector(s) for s in moves.index[moves["status"] == "stayed"]]
    entered = [labels.sector(s) for s in moves.index[moves["status"] == "entered"]]
    set_finding_title(
        fig, labels, labels("pl_fig_title", n=len(matrix), stayed=len(stayed), entered=len(entered))
    )
    return fig

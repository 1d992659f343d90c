"""Building blocks every sector notebook shares: choosing what to show for the session's cities, titles and
labels that fit, the city-by-focus matrix, citations, and prose lines printed from the data.

Sector modules (helpers.analysis.<sector>) import from here and from helpers.analysis.targets; no sector
module imports another.
"""

from __future__ import annotations

import math
import re
import textwrap

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter

from helpers.data import Dataset
from helpers.i18n import Labels
from helpers.indicators import Bounded, bounded_ratio, convert_money
from helpers.outputs import OutputSink
from helpers.outputs import show as show  # re-exported: notebooks display a figure once, then close it
from helpers.plots import ROLE_COLOURS, draw_no_data, new_figure
from helpers.quantity import format_bound
from helpers.selection import observations
from helpers.session import Session
from helpers.tables import BOUND_READING_KEYS, format_figure, sector_facts  # noqa: F401 (re-exported: notebooks use it)


def get_fact(dataset: Dataset, fact_id: str) -> pd.Series:
    """One row of data/facts.csv.

    Raises:
        KeyError: no fact with that id.
    """
    rows = dataset.facts[dataset.facts["fact_id"] == fact_id]
    if rows.empty:
        raise KeyError(f"no fact {fact_id!r} in data/facts.csv")
    return rows.iloc[0]


def set_finding_title(fig: Figure, labels: Labels, text: str) -> None:
    """Put a figure's finding as its title, wrapped to fit (about 80 Latin or 40 Chinese characters a line)."""
    width = 80 if labels.lang == "en" else 40
    fig.suptitle(textwrap.fill(text, width=width, break_long_words=labels.lang != "en"))


def is_shown(place: str, cities: list[str] | None) -> bool:
    """True when `place` is in the notebook's `cities` subset (an empty subset shows every place)."""
    return not cities or place in cities


def format_significant(value: float, digits: int = 3) -> str:
    """A number rounded to `digits` significant digits, thousands separated, never in scientific notation."""
    if value == 0:
        return "0"
    exponent = math.floor(math.log10(abs(value)))
    decimals = max(digits - 1 - exponent, 0)
    return f"{round(value, digits - 1 - exponent):,.{decimals}f}"


def format_bounded(number: Bounded, digits: int = 3) -> str:
    """A derived ratio with its bound symbol and `digits` significant digits: ">21.5", "0.258", "~150"."""
    return f"{format_bound(number.bound)}{format_significant(number.value, digits)}"


def fact_ratio(dataset: Dataset, numerator_id: str, denominator_id: str) -> Bounded:
    """Divide one fact by another and carry both bounds (helpers.indicators.bounded_ratio)."""
    numerator, denominator = get_fact(dataset, numerator_id), get_fact(dataset, denominator_id)
    return bounded_ratio(
        float(numerator["value"]), numerator["bound"], float(denominator["value"]), denominator["bound"]
    )


def order_of_magnitude(value: float) -> int:
    """The power of ten of a positive number: 1e11 -> 11, 9e11 -> 11.

    Raises:
        ValueError: `value` is not positive.
    """
    if value <= 0:
        raise ValueError(f"order_of_magnitude needs a positive number; got {value}")
    return math.floor(math.log10(value) + 1e-12)


def focus_matrix(dataset: Dataset, sector: str, cities: list[str] | None = None) -> pd.DataFrame:
    """Cities x focus tags of one sector from data/city_roles.csv.

    Returns:
        Index: place ids in file order (only `cities` when given). Columns: `role`, then one boolean column
        per focus tag in order of first appearance among the sector's rows (the sector's full tag list, so a
        subset keeps the same columns).
    """
    roles = dataset.city_roles[dataset.city_roles["sector"] == sector]
    tags: list[str] = []
    for text in roles["focus_tags"]:
        tags += [t for t in text.split(";") if t not in tags]
    shown = roles[roles["place"].isin(cities)] if cities else roles
    matrix = pd.DataFrame(
        {tag: [tag in text.split(";") for text in shown["focus_tags"]] for tag in tags},
        index=pd.Index(shown["place"], name="place"),
    )
    matrix.insert(0, "role", list(shown["role"]))
    return matrix


def tag_counts(matrix: pd.DataFrame) -> pd.Series:
    """Number of focus tags per city of a `focus_matrix` (index: place id)."""
    return matrix.drop(columns="role").sum(axis=1).astype(int)


def widest_focus(matrix: pd.DataFrame) -> tuple[list[str], int]:
    """The cities with the most focus tags (all of them when tied) and that number; ([], 0) when empty."""
    if matrix.empty:
        return [], 0
    counts = tag_counts(matrix)
    top = int(counts.max())
    return [place for place, n in counts.items() if n == top], top


def focus_matrix_table(matrix: pd.DataFrame, labels: Labels) -> pd.DataFrame:
    """A `focus_matrix` for display: city and role names, "✓" where a city has a focus tag."""
    tags = [c for c in matrix.columns if c != "role"]
    table = pd.DataFrame({labels("city"): [labels.city(p) for p in matrix.index],
                          labels("role"): [labels.role(r) for r in matrix["role"]]})  # fmt: skip
    for tag in tags:
        table[labels(f"focus_{tag}")] = ["✓" if flag else "" for flag in matrix[tag]]
    return table


def draw_focus_matrix(ax, matrix: pd.DataFrame, labels: Labels) -> None:
    """Draw a `focus_matrix` as a grid: a filled cell, coloured by the city's role, where it has a tag.

    Cities run top to bottom in matrix order; the number of tags is written at the right of each row; a role
    legend is added for the roles shown.
    """
    tags = [c for c in matrix.columns if c != "role"]
    n_rows = len(matrix)
    for row, (_place, record) in enumerate(matrix.iterrows()):
        y = n_rows - 1 - row
        for x, tag in enumerate(tags):
            if record[tag]:
                ax.add_patch(Rectangle((x - 0.42, y - 0.38), 0.84, 0.76, facecolor=ROLE_COLOURS[record["role"]],
                                       edgecolor="#333333", linewidth=0.8))  # fmt: skip
        ax.text(len(tags) - 0.3, y, str(int(record[tags].sum())), va="center", ha="left", fontsize=9)
    ax.set_xlim(-0.6, len(tags) + 0.2)
    ax.set_ylim(-0.6, n_rows - 0.4)
    ax.set_xticks(range(len(tags)), [labels(f"focus_{t}") for t in tags], rotation=30, ha="right")
    ax.set_yticks(range(n_rows)[::-1], [labels.city(p) for p in matrix.index])
    ax.grid(False)
    ax.set_xlabel(labels("q_focus_axis"))
    roles = list(dict.fromkeys(matrix["role"]))
    handles = [Patch(facecolor=ROLE_COLOURS[r], edgecolor="#333333", label=labels.role(r)) for r in roles]
    ax.legend(handles=handles, title=labels("role"), loc="upper left", bbox_to_anchor=(1.04, 1))


def figure_focus_matrix(session, sector: str, title_key: str = "focus_title") -> Figure:
    """Cities x focus tags of `sector`, coloured by role; the title names the city with the most tags.

    `title_key` is formatted with `top` (city names), `n` (their number of tags) and `n_cities`.
    """
    labels, cities = session.labels, session.settings.get("cities")
    matrix = focus_matrix(session.dataset, sector, cities)
    fig, ax = new_figure(9, 0.9 + 0.45 * max(len(matrix), 3))
    if matrix.empty:
        set_finding_title(fig, labels, labels("q_focus_title_none"))
        draw_no_data(ax, labels)
        return fig
    draw_focus_matrix(ax, matrix, labels)
    top, n = widest_focus(matrix)
    separator = ", " if labels.lang == "en" else "、"
    set_finding_title(
        fig,
        labels,
        labels(title_key, top=separator.join(labels.city(p) for p in top), n=n, n_cities=len(matrix)),
    )
    return fig


def table_fact_ids(table: pd.DataFrame, labels: Labels, fallback: tuple[str, ...] | list[str]) -> list[str]:
    """The fact ids in a table's fact-id column, or `fallback` (the facts it was filtered from) when it has none."""
    column = labels("fact_id")
    ids = [] if column not in table else [i for text in table[column] for i in str(text).split(" / ") if i]
    return list(dict.fromkeys(ids)) or list(fallback)


def sector_fact_ids(dataset: Dataset, sector: str) -> list[str]:
    """Every fact id of one sector, in file order."""
    return list(dataset.facts.loc[dataset.facts["sector"] == sector, "fact_id"])


def annotate_points(ax, texts: list[str], values: list[float]) -> None:
    """Write each figure's text beside its marker (rows top to bottom, as plot_bounded_points draws them)."""
    for y, (text, value) in zip(range(len(texts))[::-1], zip(texts, values, strict=True), strict=True):
        ax.annotate(text, xy=(value, y), xytext=(0, 13), textcoords="offset points", ha="center", fontsize=9)


# Generic helpers, also used by helpers.analysis.bci (candidates for a shared module: see the notebooks' report)
def money_divisor(lang: str) -> float:
    """Money axes count billions (1e9) in English and 億 (1e8) in Chinese."""
    return 1e9 if lang == "en" else 1e8


def wrap_label(text: str, lang: str, width: int) -> str:
    """Wrap a label to about `width` Latin characters a line: at spaces in English; in Chinese between
    characters (a CJK character counts as two), never inside a run of Latin letters or digits (an id, a number).
    A label too long for one line that holds clauses ("; ", "；"), each short enough for a line, breaks
    between clauses instead, packed onto as few lines as fit (a clause never starts at the end of a line or ends
    at the start of one)."""
    clauses = re.split(r"(?<=; )|(?<=；)", text)
    if len(clauses) > 1 and _width(text) > width and all(_width(c.rstrip()) <= width for c in clauses):
        lines: list[str] = []
        for clause in clauses:
            if lines and _width(lines[-1] + clause.rstrip()) <= width:
                lines[-1] += clause
            else:
                lines.append(clause)
        return "\n".join(line.rstrip() for line in lines)
    return _wrap_words(text, lang, width)


def _width(text: str) -> int:
    """How many Latin characters `text` takes (a CJK character counts as two)."""
    return sum(1 if ch.isascii() else 2 for ch in text)


def _wrap_words(text: str, lang: str, width: int) -> str:
    """wrap_label without the clause rule: at spaces in English, between characters in Chinese."""
    if lang == "en":
        return textwrap.fill(text, width)
    lines, line, used = [], "", 0
    for token in re.findall(r"[A-Za-z0-9_.\-/]+|\s+|.", text):
        size = len(token) if token.isascii() else 2 * len(token)
        if used + size > width and line.strip():
            lines.append(line.rstrip())
            line, used = "", 0
            if token.isspace():
                continue
        line += token
        used += size
    lines.append(line.rstrip())
    return "\n".join(lines)


def join_names(names: list[str], lang: str) -> str:
    """ "Beijing, Shanghai" in English, "北京、上海" in Chinese."""
    return (", " if lang == "en" else "、").join(names)


def plain_log_ticks(axis) -> None:
    """Label a log-scale axis with plain numbers ("20", "1,000") instead of powers of ten ("2×10¹")."""
    formatter = FuncFormatter(lambda value, _: f"{value:,.6g}")
    axis.set_major_formatter(formatter)
    axis.set_minor_formatter(
        FuncFormatter(lambda value, _: f"{value:,.6g}" if _is_labelled_minor(value) else "")
    )


def _is_labelled_minor(value: float) -> bool:
    """Minor ticks worth a label on a log axis: 2 and 5 times a power of ten."""
    mantissa = value / 10 ** math.floor(math.log10(value)) if value > 0 else 0
    return round(mantissa, 6) in (2.0, 5.0)


def save_cited(sink: OutputSink, output, name: str, caption: str, fact_ids: list[str],
               extra_sources: tuple[str, ...] = (), roles: list[tuple[str, str]] = ()) -> None:  # fmt: skip
    """Save a figure (or a DataFrame as a table) through `sink` when it cites at least one fact or city role;
    otherwise print why it is not saved (a "no data" figure cites nothing). Check `sink.registry` to see what
    was saved."""
    if not fact_ids and not roles:
        print(sink.labels("cl_not_saved", name=name))
    elif isinstance(output, pd.DataFrame):
        sink.save_table(output, name, caption, fact_ids, roles=roles)
    else:
        sink.save_figure(output, name, caption, fact_ids, extra_sources, roles=roles)


def roles_table(
    dataset: Dataset, sector: str, labels: Labels, cities: list[str] | None = None
) -> pd.DataFrame:
    """Where the sources place each city in `sector`: city, role, source id and paragraph (data/city_roles.csv)."""
    roles = dataset.city_roles[dataset.city_roles["sector"] == sector]
    if cities:
        roles = roles[roles["place"].isin(cities)]
    return pd.DataFrame({
        labels("city"): [labels.city(p) for p in roles["place"]],
        labels("role"): [labels.role(r) for r in roles["role"]],
        labels("source"): list(roles["source_id"]),
        labels("paragraph"): [int(p) for p in roles["locator"]],
    })  # fmt: skip


BASIS_PROSE: dict[str, str] = {
    "explicit": "printed",
    "derived": "worked out from the text",
    "not_printed": "not printed (dated by its source's date)",
    "none": "none given",
}


_CJK = re.compile(r"[\u3400-\u9fff]")


def chosen_facts(session: Session, sector: str) -> pd.DataFrame:
    """The facts of `sector` for the session's chosen cities (all cities when the parameter is empty)."""
    return sector_facts(session.dataset, sector, list(session.settings.get("cities") or []))


def chosen_roles(session: Session, sector: str) -> pd.DataFrame:
    """The rows of data/city_roles.csv for `sector` and the session's chosen cities, in file order."""
    roles = session.dataset.city_roles[session.dataset.city_roles["sector"] == sector]
    cities = list(session.settings.get("cities") or [])
    if cities:
        roles = roles[roles["place"].isin(cities)]
    return roles.reset_index(drop=True)


def shown_ids(session: Session, fact_ids: list[str]) -> list[str]:
    """The `fact_ids` about the session's chosen cities or the nation (all of them when no cities are chosen):
    the facts a notebook's prose prints, for its sources table."""
    cities = list(session.settings.get("cities") or [])
    places = session.dataset.facts.set_index("fact_id")["place"]
    return [f for f in fact_ids if not cities or places[f] in [*cities, "china"]]


def year_basis(year_note: str) -> str:
    """How a fact's year is known, from its year_note in data/facts.csv.

    Returns:
        "explicit" (the year is printed), "derived" (worked out from a printed time word such as 今年 or
        5 年內, which the note quotes), "not_printed" (no year printed; taken as at its source's date) or
        "none" (no year at all).
    Raises:
        ValueError: a note that starts with none of "explicit:", "implied:" or "none:".
    """
    note = str(year_note).strip()
    if note.startswith("explicit"):
        return "explicit"
    if note.startswith("none"):
        return "none"
    if note.startswith("implied"):
        if "no year printed" in note or not _CJK.search(note):
            return "not_printed"
        return "derived"
    raise ValueError(f"year_note {year_note!r}: expected it to start with 'explicit:', 'implied:' or 'none:'")


def fact_lines(session: Session, fact_ids: list[str], with_notes: bool = False) -> list[str]:
    """One line of prose per fact: label, figure with its bound, year and how it is known, fact id and
    paragraph (and, with `with_notes`, the data's note on the next line). Facts of places outside the chosen
    cities are named as left out."""
    facts = session.dataset.facts.set_index("fact_id")
    shown = set(shown_ids(session, fact_ids))
    L = session.labels
    lines = []
    for fact_id in fact_ids:
        row = facts.loc[fact_id]
        if fact_id not in shown:
            lines.append(L("cl_fact_left_out", place=L.city(row["place"]), fact_id=fact_id))
            continue
        basis = "none" if pd.isna(row["year"]) else year_basis(row["year_note"])
        prose = L(f"cl_basis_prose_{basis}")  # BASIS_PROSE in the label language
        year = (
            prose
            if basis in ("not_printed", "none")
            else L("cl_fact_year", year=int(row["year"]), basis=prose)
        )
        lines.append(L("cl_fact_line", place=L.city(row["place"]), label=L.fact(fact_id),
                       figure=figure_text(session, row), kind_id=row["kind"], kind=L.kind(row["kind"]), year=year,
                       source_id=row["source_id"], para=L("paragraph"), locator=int(row["locator"]),
                       fact_id=fact_id))  # fmt: skip
        if (
            with_notes and row["note"] and L.lang == "en"
        ):  # the data's notes are English: Chinese runs omit them
            lines.append(f"    note: {row['note']}")
    return lines


def source_lines(session: Session, source_ids) -> list[str]:
    """One line per source of `source_ids` (data/sources.csv order): its id, title, publisher and date; in a
    Chinese run its id, kind, language and date (the titles are in the sources' own languages)."""
    L, sources = session.labels, session.dataset.sources
    return [L("cl_source_line", source_id=s["source_id"], title=s["title"], publisher=s["publisher"],
              published=s["published"], kind=L(f"cl_source_kind_{s['kind']}"),
              language_name=L(f"cl_language_{s['language']}") if isinstance(s["language"], str) else "")
            for _, s in sources[sources["source_id"].isin(set(source_ids))].iterrows()]  # fmt: skip


def citable(session: Session, sector: str, fact_ids: list[str]) -> list[str]:
    """`fact_ids` without blanks or repeats, or every fact of `sector` when none is left (a table the chosen
    cities left empty still names where its figures would come from)."""
    ids = [f for f in dict.fromkeys(fact_ids) if isinstance(f, str) and f]
    return ids or list(sector_facts(session.dataset, sector)["fact_id"])


def district_facts(session: Session, sector: str) -> pd.DataFrame:
    """The chosen cities' facts of `sector` that are for a district rather than a whole city."""
    facts = chosen_facts(session, sector)
    return facts[facts["district_en"].fillna("") != ""]


def in_currency(session: Session, value_cny: float) -> float:
    """A CNY amount in the session's currency (for axes; text goes through Session.money)."""
    return convert_money(value_cny, session.currency, session.cny_per_usd)


def figure_text(session: Session, fact: pd.Series) -> str:
    """A fact's or observation's figure with its bound, in the session's currency and language."""
    return format_figure(fact["value"], fact["bound"], fact["unit"], session.labels, session.currency,
                         session.cny_per_usd)  # fmt: skip


def places_with_figures(dataset: Dataset, sector: str, cities: list[str] | None = None) -> dict[str, int]:
    """Place -> number of the sector's observations (any measure or kind), the nation left out, places with the
    most first (file order on a tie)."""
    frame = observations(dataset, places=cities, sector=sector)
    frame = frame[frame["place"] != "china"]
    per_place = frame.groupby("place", sort=False).size()
    return {p: int(n) for p, n in per_place.sort_values(ascending=False, kind="stable").items()}


def figures_sentence(dataset: Dataset, labels: Labels, sector: str, cities: list[str] | None = None) -> str:
    """Which places carry figures, printed from the data: "Observations in the sources, by place: Hefei 3, ..."."""
    found = places_with_figures(dataset, sector, cities)
    if not found:
        return labels("figures_by_place_none")
    return labels(
        "figures_by_place",
        places=join_names([f"{labels.city(p)} {n}" for p, n in found.items()], labels.lang),
    )


def widest_indicator(facts: pd.DataFrame) -> tuple[str, pd.DataFrame] | None:
    """The indicator of `facts` given for the most places (the first in row order on a tie) and its rows;
    None when `facts` is empty. A finding for a title: "robot firms, for 8 places"."""
    if facts.empty:
        return None
    places = facts.groupby("indicator", sort=False)["place"].nunique()
    indicator = places.idxmax()
    return indicator, facts[facts["indicator"] == indicator].reset_index(drop=True)


def widest_counts(facts: pd.DataFrame) -> dict | None:
    """What a title of panels says of `facts`: `n` figures, `n_indicators`, and the indicator given for the most
    places (`widest_fact`, a fact id of it, for its label; `n_places`); None when `facts` is empty."""
    widest = widest_indicator(facts)
    if widest is None:
        return None
    _, rows = widest
    return {"n": len(facts), "n_indicators": facts["indicator"].nunique(), "widest_fact": rows["fact_id"].iloc[0],
            "n_places": rows["place"].nunique()}  # fmt: skip

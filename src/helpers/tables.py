"""Tables built from the data for notebooks and the report: figures written with their bounds, landscapes.

`format_figure` writes a number as the sources support it: ">2,000" for "over 2,000", "<1/2" for "nearly
half", money in the chosen currency and language.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import pandas as pd

from helpers.data import Dataset
from helpers.evidence import lineage, sources_of
from helpers.i18n import Labels, english_words
from helpers.indicators import convert_money
from helpers.quantity import format_bound


def exchange_rate(cny_per_usd: float | None = None) -> float:
    """`cny_per_usd`, or when None the rate of data/assumptions.yml (the one source of the package's rate)."""
    from helpers.params import resolve_assumption

    return float(resolve_assumption("cny_per_usd", cny_per_usd))


def _significant(value: float, digits: int = 3) -> str:
    """A number with at most `digits` significant digits, thousands separated, no trailing zeros."""
    if value == 0:
        return "0"
    text = f"{value:,.{digits}g}" if abs(value) < 10**digits else f"{round(value):,}"
    return text


def format_money(
    value_cny: float, labels: Labels, currency: str = "CNY", cny_per_usd: float | None = None
) -> str:
    """Money for a label: "CNY 9 bn" / "USD 1.25 bn" in English, "90 億元" / "12.5 億美元" in Chinese."""
    amount = convert_money(value_cny, currency, exchange_rate(cny_per_usd))
    if labels.lang == "en":
        if amount >= 1e9:
            return f"{currency} {_significant(amount / 1e9)} bn"
        if amount >= 1e6:
            return f"{currency} {_significant(amount / 1e6)} m"
        return f"{currency} {_significant(amount)}"
    unit = "元" if currency == "CNY" else "美元"
    if amount >= 1e8:
        return (
            f"{_significant(amount / 1e8, 4)} 億{unit}"
            if labels.lang == "zh-Hant"
            else (f"{_significant(amount / 1e8, 4)} 亿{unit}")
        )
    return (
        f"{_significant(amount / 1e4, 4)} 萬{unit}"
        if labels.lang == "zh-Hant"
        else (f"{_significant(amount / 1e4, 4)} 万{unit}")
    )


def format_fraction(value: float) -> str:
    """A share as a simple fraction when it is one (1/3, 1/2), else as a percentage."""
    fraction = Fraction(value).limit_denominator(12)
    if abs(float(fraction) - value) < 1e-9 and fraction.denominator > 1:
        return f"{fraction.numerator}/{fraction.denominator}"
    return f"{value:.0%}"


def format_figure(
    value: float,
    bound: str,
    unit: str,
    labels: Labels,
    currency: str = "CNY",
    cny_per_usd: float | None = None,
) -> str:
    """A figure as a table cell, its bound first: ">2,000", "<1/2", "CNY 6 bn", "100×", "2035"."""
    symbol = format_bound(bound)
    cny_per_usd = exchange_rate(cny_per_usd)
    if unit == "CNY":
        body = format_money(value, labels, currency, cny_per_usd)
    elif unit == "USD":  # printed in dollars: shown in dollars, never converted at the package's rate
        body = format_money(value * cny_per_usd, labels, "USD", cny_per_usd)
    elif unit == "fraction":
        body = format_fraction(value)
    elif unit == "multiple":
        body = f"{_significant(value)}×"
    elif unit == "km":
        body = (
            f"{_significant(value)} km"
            if labels.lang == "en"
            else f"{_significant(value / 1e4, 4)} {labels('km_wan')}"
        )
    elif unit == "rank":
        body = f"#{value:.0f}" if labels.lang == "en" else f"第 {value:.0f}"
    elif unit == "year":
        body = f"{value:.0f}"
    else:
        body = _significant(value, 6)
    return f"{symbol}{body}"


def unit_name(unit: str, labels: Labels) -> str:
    """A canonical unit of data/facts.csv (an allowed value of facts.unit) named in the label language: "count"
    in English, 個數 in Traditional Chinese.

    Raises:
        MissingTranslationError: the unit has no label (a new allowed unit needs its `ea_unit_` message).
    """
    return labels(f"ea_unit_{unit}")


def year_text(year: object, year_note: str) -> str:
    """A year as a table cell: "2025*" when the year is implied (not printed), "" when there is none."""
    if pd.isna(year):
        return ""
    return f"{int(year)}*" if str(year_note).startswith("implied") else str(int(year))


def sector_facts(dataset: Dataset, sector: str, cities: list[str] | None = None) -> pd.DataFrame:
    """The observations of one sector (optionally only some places): each figure once, with the fact the
    dictionary's rule chooses and every source that states it (`stated_by`), in the chosen facts' file order."""
    facts = dataset.observations[dataset.observations["sector"] == sector]
    if cities:
        facts = facts[facts["place"].isin(cities + ["china"])]
    return facts.reset_index(drop=True)


def landscape_table(
    dataset: Dataset,
    sector: str,
    labels: Labels,
    currency: str = "CNY",
    cny_per_usd: float | None = None,
    cities: list[str] | None = None,
) -> pd.DataFrame:
    """Every place the sources put in `sector`, with role, focus and each of its figures (one row per figure).

    Places with a role but no figure get one row with "—". National figures come last. Headers follow the
    label language; figures keep their bounds (">2,000").
    """
    roles = dataset.city_roles[dataset.city_roles["sector"] == sector]
    if cities:
        roles = roles[roles["place"].isin(cities)]
    facts = sector_facts(dataset, sector, cities)
    rows = []
    places = list(roles["place"]) + [p for p in facts["place"].unique() if p not in set(roles["place"])]
    for place in places:
        role_rows = roles[roles["place"] == place]
        role = labels.role(role_rows["role"].iloc[0]) if not role_rows.empty else "—"
        focus = _focus_text(role_rows, labels) if not role_rows.empty else "—"
        place_facts = facts[facts["place"] == place]
        base = {labels("city"): labels.city(place), labels("role"): role, labels("focus"): focus}
        if place_facts.empty:
            rows.append(base | {labels("district"): "", labels("indicator"): "—", labels("figure"): "—",
                                labels("year"): "", labels("kind"): "", labels("fact_id"): "",
                                labels("stated_by"): role_rows["stated_by"].iloc[0].replace(";", ", ")})  # fmt: skip
        for _, fact in place_facts.iterrows():
            rows.append(base | {
                labels("district"): labels.district(fact["fact_id"]),
                labels("indicator"): labels.fact(fact["fact_id"]),
                labels("figure"): format_figure(fact["value"], fact["bound"], fact["unit"], labels, currency, cny_per_usd),
                labels("year"): year_text(fact["year"], fact["year_note"]),
                labels("kind"): labels.kind(fact["kind"]),
                labels("fact_id"): fact["fact_id"],
                labels("stated_by"): fact["stated_by"].replace(";", ", "),
            })  # fmt: skip
    columns = [
        "city",
        "district",
        "role",
        "focus",
        "indicator",
        "figure",
        "year",
        "kind",
        "fact_id",
        "stated_by",
    ]
    return pd.DataFrame(rows, columns=[labels(c) for c in columns])


def _focus_text(role_rows: pd.DataFrame, labels: Labels) -> str:
    """English: the focus description; Chinese: the focus tags, translated."""
    if labels.lang == "en":
        return role_rows["focus"].iloc[0]
    separator = "、"
    return separator.join(labels(f"focus_{tag}") for tag in role_rows["focus_tags"].iloc[0].split(";"))


# --- citations ----------------------------------------------------------------------------------------------


def role_pairs(
    dataset: Dataset, sectors: Sequence[str] | None = None, places: Sequence[str] | None = None
) -> list[tuple[str, str]]:
    """The (sector, place) pairs of data/city_roles.csv in `sectors` and `places` (None or empty: all), in file
    order: what OutputSink.save_figure / save_table take as `roles=` for an output drawn from city roles."""
    roles = dataset.city_roles
    if sectors:
        roles = roles[roles["sector"].isin(list(sectors))]
    if places:
        roles = roles[roles["place"].isin(list(places))]
    return list(zip(roles["sector"], roles["place"], strict=True))


def cited_in(registry: dict) -> tuple[list[str], list[tuple[str, str]]]:
    """The fact ids (first-use order) and (sector, place) city roles that an OutputSink registry's figures and
    tables cite."""
    entries = registry["figures"] + registry["tables"]
    fact_ids = list(dict.fromkeys(f for entry in entries for f in entry["fact_ids"]))
    roles = list(
        dict.fromkeys((r["sector"], r["place"]) for entry in entries for r in entry.get("roles", []))
    )
    return fact_ids, roles


def cited_sources(registry: dict) -> list[str]:
    """The source ids that an OutputSink registry's figures and tables cite directly (`extra_sources`: sources
    of rows that are not facts or city roles, such as published rankings), in first-use order."""
    entries = registry["figures"] + registry["tables"]
    return list(dict.fromkeys(s for entry in entries for s in entry.get("sources", [])))


def _paragraph(locator: object) -> object:
    """A locator as a table cell: the paragraph number, or missing when it could not be counted."""
    return pd.NA if pd.isna(locator) else int(locator)


BOUND_READING_KEYS: dict[str, str] = {
    "=": "q_bound_exact",
    ">=": "q_bound_lower",
    "<=": "q_bound_upper",
    "~": "q_bound_approx",
}
"""The label key of what each bound lets a reader conclude."""


def _in_label_language(text: object, labels: Labels | None, fallback) -> str:
    """`text` as it is, unless the labels are Chinese and it holds English words: then `fallback()` (a text in
    the label language, e.g. the figure written from its value, bound and unit)."""
    text = "" if pd.isna(text) else str(text)
    if labels is None or labels.lang == "en" or not english_words(text):
        return text
    return fallback()


def printed_text(dataset: Dataset, fact_id: str, labels: Labels | None) -> str:
    """A fact's quantity as printed; in a Chinese run, a quantity printed in English is written from its value,
    bound and unit instead (the same figure, in the label language)."""
    return row_printed_text(dataset.facts.set_index("fact_id").loc[fact_id], labels)


def row_printed_text(fact: pd.Series, labels: Labels | None) -> str:
    """printed_text of a row of data/facts.csv (or of the observations) that is at hand: its `quantity_text`,
    or in a Chinese run, when that is English, the figure written from its `value`, `bound` and `unit`."""
    return _in_label_language(fact["quantity_text"], labels,
                              lambda: format_figure(fact["value"], fact["bound"], fact["unit"], labels))  # fmt: skip


def sources_table(
    dataset: Dataset,
    registry: dict,
    extra_fact_ids: Sequence[str] = (),
    labels: Labels | None = None,
) -> pd.DataFrame:
    """Where everything a notebook cites comes from: the facts its saved figures and tables cite (first-use
    order), then `extra_fact_ids` not yet listed (facts printed in the prose), then the city roles they cite
    (data/city_roles.csv order), then the sources cited directly (`extra_sources`) that no fact or role lists.

    Returns:
        One row per fact, role or source: `used_as` ("fact", "city role" or "source"), `id` (fact id,
        sector:place or source id), `quantity_text` (as printed; empty for a role or source), `source_id`,
        `paragraph` (missing for a source). With `labels`, the headers and the `used_as` values are in the label
        language.

    Raises:
        KeyError: an extra fact id that is not in data/facts.csv.
    """
    fact_ids, roles = cited_in(registry)
    fact_ids = list(dict.fromkeys([*fact_ids, *extra_fact_ids]))
    known = set(dataset.facts["fact_id"])
    unknown = [f for f in fact_ids if f not in known]
    if unknown:
        raise KeyError(f"fact ids not in data/facts.csv: {unknown}")
    # every source that states a cited figure: all the facts of each cited observation
    fact_ids = sources_of(dataset.observations, fact_ids) if len(dataset.observations) else fact_ids
    facts = dataset.facts.set_index("fact_id").loc[fact_ids].reset_index()
    rows = [
        ("fact", f.fact_id, f.quantity_text, f.source_id, _paragraph(f.locator)) for f in facts.itertuples()
    ]
    wanted = set(roles)
    statements = dataset.role_statements if len(dataset.role_statements) else dataset.city_roles
    rows += [("city role", f"{r.sector}:{r.place}", "", r.source_id, _paragraph(r.locator))
             for r in statements.itertuples() if (r.sector, r.place) in wanted]  # fmt: skip
    listed = {row[3] for row in rows}
    rows += [("source", s, "", s, pd.NA) for s in cited_sources(registry) if s not in listed]
    table = pd.DataFrame(rows, columns=["used_as", "id", "quantity_text", "source_id", "paragraph"])
    table["paragraph"] = table["paragraph"].astype("Int64")
    if labels is None:
        return table
    table["used_as"] = table["used_as"].map(
        {
            "fact": labels("used_as_fact"),
            "city role": labels("used_as_role"),
            "source": labels("used_as_source"),
        }
    )
    if labels.lang != "en":  # a quantity printed in English written in the label language; roles by name
        table["quantity_text"] = [printed_text(dataset, i, labels) if text else text
                                  for i, text in zip(table["id"], table["quantity_text"], strict=True)]  # fmt: skip
        roles = table["used_as"] == labels("used_as_role")
        table.loc[roles, "id"] = ["：".join([labels.sector(i.split(":")[0]), labels.city(i.split(":")[1])])
                                  for i in table.loc[roles, "id"]]  # fmt: skip
    return table.rename(columns={"used_as": labels("used_as"), "id": labels("cited_id"),
                                 "quantity_text": labels("as_printed"), "source_id": labels("source"),
                                 "paragraph": labels("paragraph")})  # fmt: skip


def disagreements_table(
    dataset: Dataset, registry: dict, extra_fact_ids: Sequence[str] = (), labels: Labels | None = None
) -> pd.DataFrame:
    """Where the sources disagree about what a notebook cites: every statement of each cited observation whose
    sources differ (value, bound, unit or scope) and of each cited city role they give differently; `used`
    marks the one the analyses use (the dictionary's rule). Empty when the cited sources agree.

    Returns: `subject` (fact or role), `key` (the observation or sector/place), `aspect`, `stated` (the
    quantity as printed, or the role and its basis), `district`, `source_id`, `used`; headers in the label
    language with `labels`.
    """
    fact_ids, roles = cited_in(registry)
    cited = (
        set(sources_of(dataset.observations, [*fact_ids, *extra_fact_ids]))
        if len(dataset.observations)
        else set()
    )
    table = dataset.disagreements
    keep = ((table["subject"] == "fact") & table["item"].isin(cited)) | (
        (table["subject"] == "role") & table["key"].isin({f"{s}/{p}" for s, p in roles})
    )
    rows = table[keep].copy()
    rows["stated"] = [
        f"{r.item} ({r.stated})" if r.subject == "role" else r.stated for r in rows.itertuples()
    ]
    out = (
        rows[["subject", "key", "aspect", "stated", "district_en", "source_id", "chosen"]]
        .rename(columns={"district_en": "district", "chosen": "used"})
        .reset_index(drop=True)
    )
    out["used"] = out["used"].map({True: "✓", False: ""})
    if labels is None:
        return out
    if labels.lang != "en":
        out = _disagreements_in_chinese(dataset, rows.reset_index(drop=True), out, labels)
    return out.rename(columns={"subject": labels("used_as"), "key": labels("cited_id"), "aspect": labels("differs_in"),
                               "stated": labels("as_printed"), "district": labels("district"),
                               "source_id": labels("source"), "used": labels("used_by_analyses")})  # fmt: skip


def role_basis_text(role_basis: str, labels: Labels) -> str:
    """A city role's basis ("stated: 領跑 (leads)", data/city_roles.csv) in the label language: as it is in English
    runs; in Chinese ones the basis named ("來源明言", "推斷"), with the source's term when it holds no English."""
    if labels.lang == "en":
        return role_basis
    basis, _, term = role_basis.partition(": ")
    term = _in_label_language(term, labels, lambda: "")
    return f"{labels(f'cl_basis_{basis}')}{'：' + term if term else ''}"


def _disagreements_in_chinese(
    dataset: Dataset, rows: pd.DataFrame, out: pd.DataFrame, labels: Labels
) -> pd.DataFrame:
    """The disagreements table's cells in a Chinese label language: subjects, aspects, roles and bases through
    the labels, the observation key with the sector, place, district, indicator and kind named in Chinese, and a
    quantity or a role's term printed in English replaced by the figure (or left out)."""
    out = out.copy()
    L = labels
    subjects, keys, stated, districts = [], [], [], []
    for r in rows.itertuples():
        if r.subject == "fact":
            parts = r.key.split("/")
            district = L.district(r.item) or "-"
            keys.append("/".join([L.sector(r.sector), L.city(r.place), district, L.fact(r.item), L.kind(parts[4]),
                                  parts[5]]))  # fmt: skip
            stated.append(printed_text(dataset, r.item, L))
            districts.append(L.district(r.item) if r.district_en else "")
            subjects.append(L("used_as_fact"))
        else:
            keys.append(f"{L.sector(r.sector)}/{L.city(r.place)}")
            basis = role_basis_text(str(r.stated).removeprefix(f"{r.item} (").removesuffix(")"), L)
            stated.append(f"{L.role(r.item)}（{basis}）")
            districts.append("")
            subjects.append(L("used_as_role"))
    aspects = ["；".join(L(f"cl_aspect_{a}") for a in str(text).split(";")) for text in rows["aspect"]]
    out[out.columns[0]], out[out.columns[1]], out[out.columns[2]] = subjects, keys, aspects
    out[out.columns[3]], out[out.columns[4]] = stated, districts
    return out


def disagreement_sources(
    dataset: Dataset, registry: dict, labels: Labels, extra_fact_ids: Sequence[str] = ()
) -> tuple[str, pd.DataFrame]:
    """The first figure the cited sources disagree on (the disagreements table's order), and who says what: a
    title line and one row per statement with the source, its kind, publication date, what it derives from and
    how many steps it stands from an independent origin, the quantity as printed, its bound and whether the
    analyses use it. What a student needs to judge which source to trust. ("", empty table) without one.
    """
    cited = set(sources_of(dataset.observations, [*cited_in(registry)[0], *extra_fact_ids]))
    table = dataset.disagreements
    rows = table[(table["subject"] == "fact") & table["item"].isin(cited)]
    columns = [labels(f"cl_ds_col_{c}") for c in
               ("source", "kind", "published", "derived_from", "steps", "stated", "bound", "used")]  # fmt: skip
    if rows.empty:
        return labels("cl_ds_none"), pd.DataFrame(columns=columns)
    key = rows["key"].iloc[0]
    rows = rows[rows["key"] == key]
    sources = dataset.sources.set_index("source_id")
    depth = lineage(dataset.sources)["depth"]
    facts = dataset.facts.set_index("fact_id")
    out = []
    for r in rows.itertuples():
        source = sources.loc[r.source_id]
        derived = source["derived_from"] if isinstance(source["derived_from"], str) else ""
        out.append([r.source_id, labels(f"cl_source_kind_{source['kind']}"), str(source["published"])[:10],
                    derived or labels("cl_ds_origin"), int(depth[r.source_id]), printed_text(dataset, r.item, labels),
                    labels(BOUND_READING_KEYS[facts.loc[r.item, "bound"]]), "✓" if r.chosen else ""])  # fmt: skip
    aspects = "；".join(labels(f"cl_aspect_{a}") for a in rows["aspect"].iloc[0].split(";"))
    fact = rows["item"].iloc[0]
    name = (
        f"{labels.sector(rows['sector'].iloc[0])}, {labels.city(rows['place'].iloc[0])}, {labels.fact(fact)}"
    )
    return labels("cl_ds_title", subject=name, aspects=aspects), pd.DataFrame(out, columns=columns)

"""From facts to evidence: lineage of sources, observations counted once, the value and the role an analysis
uses, and every disagreement between sources.

An **observation** is what the facts of several sources may state together: the same sector, place,
indicator, kind and year, and the same district, unless the facts come from one lineage (sources that derive
from a common origin), where a different district is a disagreement of scope about one figure (the Anue article
puts Beijing's target of 30 leading biomanufacturing firms in Changping District; other pages of the same
origin give it to Beijing as a whole). Which fact an analysis uses, and which role, follows the rule orders of
`data/dictionary.csv` (table `observations`), never row order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from helpers.records import observation_members

# Closer relations first: a republished text is the origin's own words, a summary the furthest from them.
RELATION_ORDER: tuple[str, ...] = ("", "republishes", "translates", "compiles", "reports", "summarises")
BOUND_ORDER: dict[str, int] = {"=": 0, "~": 1, ">=": 2, "<=": 2}
BASIS_ORDER: dict[str, int] = {"stated": 0, "inferred": 1}
DISAGREEMENT_COLUMNS = [
    "subject", "key", "sector", "place", "aspect", "item", "source_id", "district_en", "stated", "chosen",
]  # fmt: skip


@dataclass(frozen=True)
class Evidence:
    observations: pd.DataFrame
    city_roles: pd.DataFrame
    disagreements: pd.DataFrame


def lineage(sources: pd.DataFrame) -> pd.DataFrame:
    """Per source: `roots` (the independent origins it derives from, ';'-joined; itself for an origin),
    `depth` (0 for an origin, else 1 + the smallest depth of what it derives from) and `relation_rank`."""
    parents = {
        row.source_id: [s.strip() for s in str(row.derived_from).split(";") if s.strip()]
        for row in sources.itertuples()
    }
    relation = dict(zip(sources["source_id"], sources["relation"], strict=True))

    def walk(source: str, seen: frozenset) -> tuple[frozenset, int]:
        ups = [p for p in parents.get(source, []) if p not in seen]
        if not ups:
            return frozenset([source]), 0
        results = [walk(p, seen | {source}) for p in ups]
        return frozenset().union(*(r for r, _ in results)), 1 + min(d for _, d in results)

    rows = []
    for source in sources["source_id"]:
        roots, depth = walk(source, frozenset())
        rank = (
            RELATION_ORDER.index(relation[source])
            if relation[source] in RELATION_ORDER
            else len(RELATION_ORDER)
        )
        rows.append(
            {"source_id": source, "roots": ";".join(sorted(roots)), "depth": depth, "relation_rank": rank}
        )
    return pd.DataFrame(rows).set_index("source_id")


def independent_origins(sources: pd.DataFrame, source_ids) -> list[str]:
    """The distinct independent origins behind `source_ids` (two pages of one origin count once)."""
    table = lineage(sources)
    return sorted({root for s in source_ids for root in table.loc[s, "roots"].split(";")})


@dataclass(frozen=True)
class _Context:
    """What the rule orders need about the sources, computed once."""

    table: pd.DataFrame
    published: dict

    @classmethod
    def of(cls, sources: pd.DataFrame) -> _Context:
        return cls(lineage(sources), dict(zip(sources["source_id"], sources["published"], strict=True)))


def _sort_keys(frame: pd.DataFrame, order: tuple[str, ...], context: _Context, tail: str) -> pd.DataFrame:
    """Add the columns the rule order sorts by; return the frame sorted by them (first = chosen).

    The sort is stable, so sorting a whole table once and taking each group's rows in that order gives every
    group the order it would get sorted on its own (how build_observations and choose_roles use it).
    """
    table, published = context.table, context.published
    frame = frame.copy()
    frame["_depth"] = frame["source_id"].map(table["depth"])
    frame["_relation"] = frame["source_id"].map(table["relation_rank"])
    # Most recent first: sort on the negated date (ISO dates sort as text; inverted character by character).
    # an undated source sorts after every dated one
    frame["_published"] = frame["source_id"].map(
        lambda s: "".join(chr(0x10FFFF - ord(c)) for c in published[s]) if published[s] else "\U0010ffff"
    )
    if "bound" in frame:
        frame["_bound"] = frame["bound"].map(BOUND_ORDER)
    if "role_basis" in frame:
        frame["_basis"] = frame["role_basis"].str.split(":").str[0].map(BASIS_ORDER)
    columns = {
        "lineage_depth": "_depth", "relation": "_relation", "published_desc": "_published", "bound": "_bound",
        "role_basis": "_basis", "fact_id": "fact_id", "source_id": "source_id",
    }  # fmt: skip
    unknown = [step for step in order if step not in columns]
    if unknown:
        raise ValueError(
            f"data/dictionary.csv: unknown step(s) {unknown} in a rule order; known: {sorted(columns)}"
        )
    keys = [columns[step] for step in order]
    if tail not in keys:
        keys.append(tail)
    return frame.sort_values(keys, kind="mergesort")


def _same(a: float, b: float) -> bool:
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=0.0)


def _distinct(values) -> int:
    """How many different values, missing ones not counted (pandas' nunique)."""
    return len({v for v in values if not pd.isna(v)})


def build_observations(facts: pd.DataFrame, sources: pd.DataFrame, order: tuple[str, ...]):
    """(observations, disagreement rows): one observation per group of facts that state one figure.

    Facts are read as plain records (one dict per row) rather than indexed in pandas for every group: the
    same observations, types and disagreements, in about a twentieth of the time (431 facts: 0.5 s before).
    """
    context = _Context.of(sources)
    roots = context.table["roots"].map(lambda r: set(r.split(";"))).to_dict()
    facts = facts.reset_index(drop=True)
    records = facts.to_dict("records")  # by position: the index is 0..n-1
    year_key = ["" if pd.isna(r["year"]) else str(int(r["year"])) for r in records]
    group_key = [(r["sector"], r["place"], r["indicator"], r["kind"], year)
                 for r, year in zip(records, year_key, strict=True)]  # fmt: skip
    parent = list(range(len(facts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_group: dict[tuple, list[int]] = {}
    for i, key in enumerate(group_key):
        by_group.setdefault(key, []).append(i)
    for members in by_group.values():
        for a_pos, a in enumerate(members):
            for b in members[a_pos + 1 :]:
                same_district = records[a]["district_en"] == records[b]["district_en"]
                same_lineage = bool(roots[records[a]["source_id"]] & roots[records[b]["source_id"]])
                if same_district or same_lineage:
                    parent[find(a)] = find(b)
    clusters: dict[int, list[int]] = {}
    for i in range(len(facts)):
        clusters.setdefault(find(i), []).append(i)

    observations, disagreements = [], []
    ordered = _sort_keys(facts, order, context, "fact_id")  # once for all facts; see _sort_keys
    position = {row: rank for rank, row in enumerate(ordered.index)}
    for members in clusters.values():
        members = sorted(members, key=position.__getitem__)
        ranked = [records[i] for i in members]
        chosen = ranked[0]
        key = "/".join([chosen["sector"], chosen["place"], chosen["district_en"] or "-", chosen["indicator"],
                        chosen["kind"], year_key[members[0]] or "-"])  # fmt: skip
        aspects = []
        if _distinct(r["district_en"] for r in ranked) > 1:
            aspects.append("scope")
        if _distinct(r["unit"] for r in ranked) > 1:
            aspects.append("unit")
        same_unit = [r for r in ranked if r["unit"] == chosen["unit"]]  # values compare only in one unit
        if not all(_same(r["value"], chosen["value"]) for r in same_unit):
            aspects.append("value")
        if _distinct(r["bound"] for r in same_unit) > 1:
            aspects.append("bound")
        stated_by = list(dict.fromkeys(r["source_id"] for r in ranked))
        row = dict(chosen)
        row.update({
            "observation_id": key, "fact_ids": ";".join(r["fact_id"] for r in ranked),
            "stated_by": ";".join(stated_by), "n_sources": len(stated_by), "n_facts": len(ranked),
            "disagreement": ";".join(aspects), "_position": members[0],
        })  # fmt: skip
        observations.append(row)
        if aspects:
            for fact in ranked:
                disagreements.append({
                    "subject": "fact", "key": key, "sector": fact["sector"], "place": fact["place"],
                    "aspect": ";".join(aspects), "item": fact["fact_id"], "source_id": fact["source_id"],
                    "district_en": fact["district_en"], "stated": fact["quantity_text"],
                    "chosen": fact["fact_id"] == chosen["fact_id"],
                })  # fmt: skip
    frame = pd.DataFrame(observations)
    if frame.empty:
        frame = pd.DataFrame(columns=[*facts.columns, "observation_id", "fact_ids", "stated_by", "n_sources",
                                      "n_facts", "disagreement"])  # fmt: skip
    else:
        # shown in the order of the chosen facts in facts.csv (choosing never depends on it)
        frame = (
            frame.sort_values("_position", kind="mergesort").drop(columns="_position").reset_index(drop=True)
        )
        for column in ("year", "locator"):
            frame[column] = frame[column].astype("Int64")
        frame["value"] = frame["value"].astype("Float64")
    return frame, disagreements


def choose_roles(roles: pd.DataFrame, sources: pd.DataFrame, order: tuple[str, ...]):
    """(one row per sector and place with the chosen role, disagreement rows)."""
    chosen_rows, disagreements = [], []
    roles = roles.reset_index(drop=True)
    context = _Context.of(sources)
    ordered = _sort_keys(roles, order, context, "source_id")  # once for all roles; see _sort_keys
    position = pd.Series(range(len(ordered)), index=ordered.index)
    for (sector, place), group in roles.groupby(["sector", "place"], sort=False):
        ranked = ordered.loc[position[group.index].sort_values(kind="mergesort").index]
        chosen = ranked.iloc[0]
        row = {c: chosen[c] for c in roles.columns}
        row["stated_by"] = ";".join(ranked["source_id"])
        row["roles_stated"] = ";".join(dict.fromkeys(ranked["role"]))
        row["disagreement"] = "role" if ranked["role"].nunique() > 1 else ""
        chosen_rows.append(row)
        if row["disagreement"]:
            for _, statement in ranked.iterrows():
                disagreements.append({
                    "subject": "role", "key": f"{sector}/{place}", "sector": sector, "place": place,
                    "aspect": "role", "item": statement["role"], "source_id": statement["source_id"],
                    "district_en": "", "stated": statement["role_basis"],
                    "chosen": statement["source_id"] == chosen["source_id"],
                })  # fmt: skip
    frame = pd.DataFrame(chosen_rows, columns=[*roles.columns, "stated_by", "roles_stated", "disagreement"])
    if not frame.empty:
        frame["locator"] = frame["locator"].astype("Int64")
    return frame.reset_index(drop=True), disagreements


def build(
    frames: dict[str, pd.DataFrame], fact_order: tuple[str, ...], role_order: tuple[str, ...]
) -> Evidence:
    """Observations, chosen roles and disagreements of validated tables (see helpers.data.load_dataset)."""
    sources = frames["sources"]
    observations, fact_rows = build_observations(frames["facts"], sources, fact_order)
    city_roles, role_rows = choose_roles(frames["city_roles"], sources, role_order)
    disagreements = pd.DataFrame(fact_rows + role_rows, columns=DISAGREEMENT_COLUMNS)
    return Evidence(observations, city_roles, disagreements)


def sources_of(observations: pd.DataFrame, fact_ids) -> list[str]:
    """Every fact id of the observations that hold `fact_ids` (each observation's facts, in rule order)."""
    return observation_members(observations["fact_ids"], fact_ids)


def plain_cell(value: object) -> str:
    """A table cell as the report prints it: "" for a missing value, a whole float without its ".0"."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def evidence_records(dataset) -> dict:
    """What the report's appendix cites of `dataset` (a helpers.data.Dataset, or any object with its evidence
    tables), as plain JSON-ready values, so that the report runner reads it without pandas: the rows of `facts`,
    `role_statements`, `city_roles`, `sources` and `disagreements` (every cell text, by `plain_cell`, except a
    disagreement's `chosen`, a bool), `provenance` as (source id, status) pairs, `observations` as each
    observation's fact ids (";"-joined, in rule order) and `provenance_states` as sorted (state, meaning)
    pairs (helpers.data.PROVENANCE_STATES)."""
    from helpers.data import PROVENANCE_STATES  # here: helpers.data imports this module

    def rows(frame: pd.DataFrame) -> list[dict]:
        return [{k: plain_cell(v) for k, v in row.items()} for row in frame.to_dict("records")]

    return {
        "facts": rows(dataset.facts),
        "role_statements": rows(dataset.role_statements),
        "city_roles": rows(dataset.city_roles),
        "sources": rows(dataset.sources),
        "disagreements": [
            {k: plain_cell(v) if k != "chosen" else bool(v) for k, v in row.items()}
            for row in dataset.disagreements.to_dict("records")
        ],  # fmt: skip
        "provenance": [
            [str(s), str(status)]
            for s, status in zip(dataset.provenance["source_id"], dataset.provenance["status"], strict=True)
        ],  # fmt: skip
        "observations": [str(ids) for ids in dataset.observations["fact_ids"]],
        "provenance_states": sorted([state, text] for state, text in PROVENANCE_STATES.items()),
    }

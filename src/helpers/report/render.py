"""Collect each notebook's registered figures and tables into the run folder and render index.html (Jinja2,
autoescaped), with a "facts and sources" appendix for every fact id the captions cite.

Reads CSV with the standard library (no pandas), so a build from the cache stays fast.
"""

from __future__ import annotations

import json
import shutil
import struct
from dataclasses import dataclass, field
from pathlib import Path

from helpers.readers import ReadError, read_csv_dicts, read_csv_text
from helpers.records import observation_members
from helpers.report.config import TEMPLATES_DIR

MAX_TABLE_ROWS = 200  # rows shown on the page; the CSV has them all
REGISTRY_NAME = "outputs.json"


class OutputsError(ValueError):
    """A notebook's outputs registry is missing a file or is malformed."""


@dataclass
class Figure:
    name: str
    caption: str
    fact_ids: list[str]
    png: str | None  # path relative to the run folder
    svg: str | None
    width: int | None = None  # PNG pixels, for the page layout
    height: int | None = None
    roles: list[dict] = field(default_factory=list)  # city roles cited: {"sector", "place", "anchor"}
    sources: list[str] = field(default_factory=list)  # sources cited directly (OutputSink extra_sources)


@dataclass
class Table:
    name: str
    caption: str
    fact_ids: list[str]
    csv: str
    header: list[str]
    rows: list[list[str]]
    total_rows: int
    numeric: list[bool]
    roles: list[dict] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


@dataclass
class Section:
    """One notebook's part of the page."""

    name: str
    title: str
    ipynb: str
    html: str
    parameters: dict
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def png_size(path: Path) -> tuple[int | None, int | None]:
    """Width and height from a PNG's header, or (None, None)."""
    with open(path, "rb") as handle:
        head = handle.read(24)
    if len(head) == 24 and head[:8] == b"\x89PNG\r\n\x1a\n":
        width, height = struct.unpack(">II", head[16:24])
        return width, height
    return None, None


def is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return text.strip() != ""


def read_table(path: Path, max_rows: int = MAX_TABLE_ROWS) -> tuple[list[str], list[list[str]], int]:
    """Header, the first `max_rows` rows and the row count of a CSV file (the one reader, helpers.readers).

    Raises:
        OutputsError: the file is not UTF-8 or not well-formed CSV.
    """
    try:
        table = read_csv_text(path)
    except ReadError as error:
        raise OutputsError(str(error)) from None
    return table.header, table.records[:max_rows], len(table.records)


def read_registry(outputs_dir: Path, notebook: str) -> dict:
    """The notebook's outputs.json, or an empty registry when it saved nothing.

    Raises:
        OutputsError: the file is not JSON or its figures/tables are not lists.
    """
    path = outputs_dir / REGISTRY_NAME
    if not path.exists():
        return {"notebook": notebook, "figures": [], "tables": []}
    try:
        registry = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise OutputsError(f"{notebook}: {path} is not JSON: {error}") from None
    if not isinstance(registry.get("figures", []), list) or not isinstance(registry.get("tables", []), list):
        raise OutputsError(f"{notebook}: {path}: 'figures' and 'tables' must be lists")
    return registry


def copy_file(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def read_roles(item: dict) -> list[dict]:
    """The city roles an outputs.json entry cites, each with its anchor in the appendix."""
    roles = []
    for role in item.get("roles") or []:
        if isinstance(role, dict) and role.get("sector") and role.get("place"):
            sector, place = str(role["sector"]), str(role["place"])
            roles.append({"sector": sector, "place": place, "anchor": f"role-{sector}-{place}"})
    return roles


def read_sources(item: dict) -> list[str]:
    """The source ids an outputs.json entry cites directly (`sources`: rows that are not facts or roles)."""
    return [str(s) for s in item.get("sources") or [] if isinstance(s, str) and s]


def collect_section(entry: Path, run_dir: Path, notebook: str, title: str, parameters: dict) -> Section:
    """Copy one cached notebook's executed notebook, HTML, figures and tables into `run_dir`.

    Layout: notebooks/<nb>.ipynb and .html, figures/<nb>/<name>.png and .svg, tables/<nb>/<name>.csv.

    Raises:
        OutputsError: a registered file is missing.
    """
    outputs = entry / "outputs"
    section = Section(
        notebook, title, f"notebooks/{notebook}.ipynb", f"notebooks/{notebook}.html", parameters
    )
    copy_file(entry / "notebook.ipynb", run_dir / section.ipynb)
    if (entry / "notebook.html").exists():
        copy_file(entry / "notebook.html", run_dir / section.html)
    else:
        section.html = ""
    registry = read_registry(outputs, notebook)
    if not (outputs / REGISTRY_NAME).exists():
        section.warnings.append("registered no figures or tables (no outputs.json in its output_dir)")
    for item in registry.get("figures", []):
        files = item.get("files") or {}
        figure = Figure(str(item.get("name")), str(item.get("caption", "")), list(item.get("fact_ids") or []),
                        None, None, roles=read_roles(item), sources=read_sources(item))  # fmt: skip
        for kind in ("png", "svg"):
            if kind not in files:
                continue
            source = outputs / files[kind]
            if not source.is_file():
                raise OutputsError(
                    f"{notebook}: figure {figure.name!r} lists {files[kind]}, which it did not write"
                )
            relative = f"figures/{notebook}/{Path(files[kind]).name}"
            copy_file(source, run_dir / relative)
            setattr(figure, kind, relative)
        if figure.png:
            figure.width, figure.height = png_size(run_dir / figure.png)
        section.figures.append(figure)
    for item in registry.get("tables", []):
        files = item.get("files") or {}
        source = outputs / str(files.get("csv", ""))
        if not files.get("csv") or not source.is_file():
            raise OutputsError(
                f"{notebook}: table {item.get('name')!r} lists {files.get('csv')}, which it did not write"
            )
        relative = f"tables/{notebook}/{source.name}"
        copy_file(source, run_dir / relative)
        header, rows, total = read_table(source)
        numeric = [bool(rows) and all(is_number(r[i]) for r in rows if i < len(r) and r[i] != "") and
                   any(i < len(r) and r[i] != "" for r in rows) for i in range(len(header))]  # fmt: skip
        section.tables.append(Table(str(item.get("name")), str(item.get("caption", "")),
                                    list(item.get("fact_ids") or []), relative, header, rows, total, numeric,
                                    read_roles(item), read_sources(item)))  # fmt: skip
    return section


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV file as dicts (the one reader: a byte-order mark removed); [] when the file is missing."""
    return read_csv_dicts(path, f"data/{path.name}")


def load_evidence(data_dir: Path, cache_dir: Path | None = None) -> dict:
    """The evidence the appendix cites, as plain records (helpers.evidence.evidence_records): read from the
    build's dataset cache in `cache_dir`, where the dataset's validation stored it (helpers.dataset_cache: no
    pandas needed), else taken from the validated dataset (helpers.data.load_dataset, the one reader of every
    table).

    A data folder that does not validate (the runner's own test fixtures hold partial tables) gives the rows as
    they are, each fact its own observation, no disagreements and no provenance state."""
    if cache_dir is not None:
        from helpers.dataset_cache import read_evidence

        stored = read_evidence(cache_dir, Path(data_dir))
        if stored is not None:
            return stored
    from types import SimpleNamespace

    import pandas as pd

    from helpers.data import DataValidationError, load_dataset
    from helpers.evidence import evidence_records

    try:
        if cache_dir is not None:
            from helpers.dataset_cache import load_dataset_cached

            return evidence_records(load_dataset_cached(cache_dir, Path(data_dir)))
        return evidence_records(load_dataset(data_dir))
    except DataValidationError:
        pass

    def frame(name: str) -> pd.DataFrame:
        return pd.DataFrame(read_csv_rows(Path(data_dir) / f"{name}.csv"), dtype=str)

    facts, roles, sources = frame("facts"), frame("city_roles"), frame("sources")
    ids = facts["fact_id"] if "fact_id" in facts else pd.Series(dtype=str)
    return evidence_records(SimpleNamespace(
        facts=facts, role_statements=roles, city_roles=roles, sources=sources,
        observations=pd.DataFrame({"fact_ids": ids}),
        disagreements=pd.DataFrame(columns=["key", "aspect", "stated", "district_en", "item", "source_id", "chosen"]),
        provenance=pd.DataFrame({"source_id": sources.get("source_id", pd.Series(dtype=str)), "status": ""}),
    ))  # fmt: skip


def build_appendix(
    sections: list[Section], data_dir: Path, lang: str, evidence: dict | None = None
) -> dict[str, list]:
    """What the sections cite, in order of first citation: "facts" (every fact of each cited observation, with
    the quantity as printed, source and paragraph), "roles" (every source's statement of each cited city role),
    "sources" (with their provenance state), "disagreements" (every disagreement between sources in the data)
    and "provenance" (the state of each source). `evidence`: load_evidence's records (default: read from
    `data_dir`)."""
    evidence = evidence if evidence is not None else load_evidence(data_dir)
    facts = {row.get("fact_id", ""): row for row in evidence["facts"]}
    statements: dict[tuple[str, str], list[dict]] = {}
    for row in evidence["role_statements"]:
        statements.setdefault((row.get("sector", ""), row.get("place", "")), []).append(row)
    chosen_roles = {(r.get("sector", ""), r.get("place", "")): r.get("source_id", "")
                    for r in evidence["city_roles"]}  # fmt: skip
    sources = {row.get("source_id", ""): row for row in evidence["sources"]}
    states = dict(evidence["provenance"])
    used_facts: dict[str, list[dict]] = {}
    used_roles: dict[tuple[str, str], list[dict]] = {}
    for section in sections:
        for item, kind in [(f, "figure") for f in section.figures] + [(t, "table") for t in section.tables]:
            use = {
                "anchor": f"{kind}-{section.name}-{item.name}",
                "label": f"{section.name} {kind} {item.name}",
            }
            cited = [f for f in dict.fromkeys(item.fact_ids)]
            known = [f for f in cited if f in facts]
            for fact_id in [
                *observation_members(evidence["observations"], known),
                *[f for f in cited if f not in facts],
            ]:
                used_facts.setdefault(fact_id, []).append(use)
            for role in item.roles:
                used_roles.setdefault((role["sector"], role["place"]), []).append(use)
    label_key = "label_en" if lang == "en" else "label_zh"
    source_ids: list[str] = []

    def cite(source_id: str) -> bool:
        if source_id and source_id not in source_ids:
            source_ids.append(source_id)
        return source_id in sources

    fact_rows = []
    for fact_id, uses in used_facts.items():
        fact = facts.get(fact_id)
        if fact is None:
            fact_rows.append({"fact_id": fact_id, "missing": True, "uses": uses})
            continue
        source_id = fact.get("source_id", "")
        fact_rows.append({
            "fact_id": fact_id, "missing": False, "uses": uses, "sector": fact.get("sector", ""),
            "place": fact.get("place", ""), "indicator": fact.get(label_key) or fact.get("indicator", ""),
            "year": fact.get("year", ""), "kind": fact.get("kind", ""),
            "quantity_text": fact.get("quantity_text", ""), "source_id": source_id,
            "locator": fact.get("locator", ""), "has_source": cite(source_id),
        })  # fmt: skip
    role_rows = []
    for (sector, place), uses in used_roles.items():
        found = statements.get((sector, place))
        if not found:
            role_rows.append({"sector": sector, "place": place, "anchor": f"role-{sector}-{place}", "uses": uses,
                              "missing": True})  # fmt: skip
            continue
        for position, role in enumerate(found):
            source_id = role.get("source_id", "")
            role_rows.append({
                "sector": sector, "place": place, "uses": uses, "missing": False,
                "anchor": f"role-{sector}-{place}" + ("" if position == 0 else f"-{source_id}"),
                "role": role.get("role", ""), "focus": role.get("focus", ""), "basis": role.get("role_basis", ""),
                "source_id": source_id, "locator": role.get("locator", ""), "has_source": cite(source_id),
                "chosen": chosen_roles.get((sector, place)) == source_id,
            })  # fmt: skip
    for section in sections:  # sources cited directly (published rankings, document lists)
        for item in [*section.figures, *section.tables]:
            for source_id in item.sources:
                cite(source_id)
    disagreement_rows = [dict(row) for row in evidence["disagreements"]]
    for row in disagreement_rows:
        cite(row["source_id"])
    listed = [dict(sources[s], source_id=s, state=states.get(s, "")) for s in source_ids if s in sources]
    provenance = [{"source_id": s, "status": states[s], "kind": sources[s].get("kind", ""),
                   "url": sources[s].get("url", ""), "retrieved": sources[s].get("retrieved", "")}
                  for s in source_ids if states.get(s) and s in sources]  # fmt: skip
    return {"facts": fact_rows, "roles": role_rows, "sources": listed, "disagreements": disagreement_rows,
            "provenance": provenance, "provenance_states": [tuple(pair) for pair in evidence["provenance_states"]]}  # fmt: skip


def make_environment(bytecode_dir: Path | None = None):
    """The Jinja2 environment of the report templates: autoescaped, strict about undefined names; compiled
    templates are kept in `bytecode_dir` when given (compiling the page template costs 0.1 s)."""
    import jinja2

    cache = None
    if bytecode_dir is not None:
        bytecode_dir.mkdir(parents=True, exist_ok=True)
        cache = jinja2.FileSystemBytecodeCache(str(bytecode_dir))
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=cache,
    )


def render_index(context: dict, bytecode_dir: Path | None = None) -> str:
    """index.html for `context` (see build.assemble_report for its keys)."""
    return make_environment(bytecode_dir).get_template("index.html.j2").render(**context)

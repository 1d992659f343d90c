"""Load the tidy tables of data/ into typed DataFrames and validate them (pandera plus cross-checks).

The schema lives in `data/dictionary.csv`: every column's type and its allowed values ("values: a;b",
"ref: table.column", "refs: table.column" for ';'-separated ids, "pattern: <regex>", "range: lo..hi") are read
from there, so a new unit, measure or kind is a line of data, not a code change. A bad table raises
DataValidationError listing every problem at once: file, line, column, expected, got.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import math
import re
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from helpers.dictionary import (  # noqa: F401 - the rules and the assumptions check, re-exported here
    ASSUMPTIONS_TABLE,
    TYPES,
    DataValidationError,
    Problem,
    Rule,
    allowed_values,
    check_assumptions,
    columns,
    dictionary,
    load_assumptions,
)
from helpers.paths import DATA_DIR, find_sources_dir
from helpers.quantity import QuantityParseError, parse_quantity, unit_table, unit_words
from helpers.readers import CsvText, ReadError, decode_text, parse_csv

# Tables kept as files, in the order they are read; the optional ones may be absent from a data folder
# (an empty table of the dictionary's columns is used; units fall back to the package's data/units.csv).
TABLES: tuple[str, ...] = (
    "sources", "sectors", "cities", "units", "focus_tags", "facts", "city_roles", "context", "rankings",
    "policy_mentions", "derivations",
)  # fmt: skip
OPTIONAL_TABLES: tuple[str, ...] = (
    "context",
    "rankings",
    "policy_mentions",
    "units",
    "focus_tags",
    "derivations",
)
# Optional tables that fall back to the package's own file when a data folder has none.
SHARED_TABLES: tuple[str, ...] = ("units", "focus_tags", "derivations")
# Columns whose values must be unique together, per table.
TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "sources": ("source_id",), "sectors": ("sector_id",), "cities": ("place_id",), "facts": ("fact_id",),
    "city_roles": ("sector", "place", "source_id"), "context": ("context_id",),
    "rankings": ("ranking_id", "place"), "policy_mentions": ("document_id", "term", "source_id"), "units": ("word",),
    "focus_tags": ("tag",), "derivations": ("derivation_id",),
}  # fmt: skip
# Tables whose quantity_text is parsed and cross-checked against value, unit and bound.
QUANTITY_TABLES: tuple[str, ...] = ("facts", "context")
ID_PATTERN = r"^[a-z0-9][a-z0-9_\-]*$"


# Column name -> type of every table kept as a file, read from the dictionary.
COLUMNS: dict[str, dict[str, str]] = {table: columns(table) for table in TABLES}
# Closed lists the analyses name, read from the dictionary (so a new role or kind is a line of data).
SECTOR_IDS: tuple[str, ...] = allowed_values("sectors", "sector_id")
KINDS: tuple[str, ...] = allowed_values("facts", "kind")
ROLES: tuple[str, ...] = allowed_values("city_roles", "role")
MEASURES: tuple[str, ...] = allowed_values("facts", "measure")
UNITS: tuple[str, ...] = allowed_values("facts", "unit")
MONEY_MEASURES: tuple[str, ...] = (
    "market_size", "industry_scale", "industrial_output", "revenue", "investment", "firm_size_threshold",
)  # fmt: skip
# Source kinds that are the package's own files (reference data, stated assumptions), not evidence.
PACKAGE_KINDS: tuple[str, ...] = ("reference", "assumption")
# Measures that are thresholds by definition: "10 億元企業" (firms of 1 billion yuan) means at least that size.
THRESHOLD_MEASURES: tuple[str, ...] = ("firm_size_threshold",)


@dataclass(frozen=True)
class Dataset:
    """The validated tables, typed, and the evidence built from them (see helpers.evidence).

    `facts` holds every row of facts.csv; `observations` one row per observation (each figure counted once,
    with every source that states it); `city_roles` one row per (sector, place), the role chosen by the
    dictionary's rule, and `role_statements` every source's row; `disagreements` lists where sources differ.
    """

    sources: pd.DataFrame
    sectors: pd.DataFrame
    cities: pd.DataFrame
    facts: pd.DataFrame
    city_roles: pd.DataFrame
    context: pd.DataFrame = field(default_factory=pd.DataFrame)
    rankings: pd.DataFrame = field(default_factory=pd.DataFrame)
    policy_mentions: pd.DataFrame = field(default_factory=pd.DataFrame)
    units: pd.DataFrame = field(default_factory=pd.DataFrame)
    focus_tags: pd.DataFrame = field(default_factory=pd.DataFrame)
    derivations: pd.DataFrame = field(default_factory=pd.DataFrame)
    assumptions: dict = field(default_factory=dict)
    observations: pd.DataFrame = field(default_factory=pd.DataFrame)
    role_statements: pd.DataFrame = field(default_factory=pd.DataFrame)
    disagreements: pd.DataFrame = field(default_factory=pd.DataFrame)
    provenance: pd.DataFrame = field(default_factory=pd.DataFrame)


def per_dataset(function):
    """Decorate `function(dataset, *args)` to compute once per Dataset object and arguments, for work that
    several calls on one notebook's dataset repeat. A Dataset is frozen, so its result cannot go stale; the
    cache is keyed on the object (a weak reference: a new dataset at a reused address is not served an old
    result) and dropped when the dataset is."""
    caches: dict[int, tuple[weakref.ref, dict]] = {}

    @functools.wraps(function)
    def cached(dataset: Dataset, *args):
        entry = caches.get(id(dataset))
        if entry is None or entry[0]() is not dataset:
            key = id(dataset)
            entry = (weakref.ref(dataset, lambda _ref: caches.pop(key, None)), {})
            caches[key] = entry
        if args not in entry[1]:
            entry[1][args] = function(dataset, *args)
        return entry[1][args]

    return cached


def _line(index: object) -> int | None:
    """CSV line of a DataFrame row: the header is line 1."""
    return int(index) + 2 if isinstance(index, (int,)) or str(index).isdigit() else None


def _shape_problems(label: str, table: CsvText) -> list[Problem]:
    """Rows whose field count differs from the header's, blank lines between rows, a repeated column name.

    Lines are where each record starts (a quoted newline inside a cell does not shift the ones after it).
    """
    problems: list[Problem] = []
    repeated = sorted({c for c in table.header if table.header.count(c) > 1})
    problems += [Problem(label, 1, c, "each column named once", "a repeated column name") for c in repeated]
    blank_lines: list[int] = []
    for record, line in zip(table.records, table.lines, strict=True):
        if not record:
            blank_lines.append(line)
            continue
        problems += [Problem(label, blank, None, "a data row", "a blank line") for blank in blank_lines]
        blank_lines = []
        if len(record) != len(table.header):
            expected = f"{len(table.header)} comma-separated fields, as in the header"
            problems.append(Problem(label, line, None, expected, f"{len(record)} fields"))
    return problems


def read_table_text(path: Path, label: str) -> tuple[CsvText | None, list[Problem]]:
    """A table file parsed by the one CSV reader (helpers.readers: UTF-8, a byte-order mark removed, the line
    each record starts on); or the problem found."""
    if not path.is_file():
        return None, [Problem(label, None, None, "the file to exist", f"no file at {path}")]
    raw = path.read_bytes()
    try:
        return parse_csv(decode_text(raw, label), label), []
    except ReadError as error:
        where, _, what = str(error).partition(": expected ")
        line = int(where.rsplit("line ", 1)[1]) if "line " in where else None
        expected, _, got = what.partition("; got ")
        return None, [Problem(label, line, None, expected or "a readable table", got or str(error))]


class FileLines(tuple):
    """The file line each row of a table starts on, kept in `frame.attrs["lines"]`.

    Immutable, so a deep copy may return the same object: pandas deep-copies `attrs` into every frame derived
    from a table (each selection, each column), and copying a list of a few hundred ints element by element
    made loading the data about twenty times slower.
    """

    __slots__ = ()

    def __deepcopy__(self, memo: dict) -> FileLines:
        return self


def read_raw_table(name: str, data_dir: Path = DATA_DIR) -> tuple[pd.DataFrame, list[Problem]]:
    """Read data/<name>.csv as text and convert its typed columns; return the frame and the problems found.

    This is the one reader of every table: the loader and the report runner both use it (the runner, which
    must not import pandas, through the same helpers.readers parser). `frame.attrs["lines"]` holds the file
    line each row starts on; problems name those lines.
    """
    path = Path(data_dir) / f"{name}.csv"
    label = f"data/{name}.csv"
    spec = columns(name, data_dir)
    if name in OPTIONAL_TABLES and not path.is_file():
        if name in SHARED_TABLES:
            path = DATA_DIR / f"{name}.csv"
        else:
            return pd.DataFrame({c: pd.Series(dtype=_dtype(k)) for c, k in spec.items()}), []
    table, problems = read_table_text(path, label)
    if table is None:
        return pd.DataFrame(), problems
    if not table.text.strip():
        return pd.DataFrame(), [Problem(label, None, None, "a header and at least one row", "an empty file")]
    shape_problems = _shape_problems(label, table)
    if shape_problems:
        return pd.DataFrame(), shape_problems
    kept = [i for i, record in enumerate(table.records) if record]  # blank lines at the end of the file
    table = CsvText(
        table.header, [table.records[i] for i in kept], [table.lines[i] for i in kept], table.text
    )
    frame, problems = _convert_columns(label, table, spec, name)
    frame.attrs["lines"] = FileLines(table.lines)
    return frame, [_at_file_line(p, table.lines) for p in problems]


def _at_file_line(problem: Problem, lines: list[int]) -> Problem:
    """`problem` with its row number (index + 2) turned into the file line that row starts on."""
    if problem.line is None or problem.line < 2 or problem.line - 2 >= len(lines):
        return problem
    return dataclasses.replace(problem, line=lines[problem.line - 2])


def _convert_columns(
    label: str, table: CsvText, spec: dict[str, str], name: str
) -> tuple[pd.DataFrame, list[Problem]]:
    """Typed frame of a well-shaped table, with the problems of its header and cells (lines as index + 2)."""
    problems: list[Problem] = []
    frame = pd.DataFrame(table.records, columns=table.header, dtype=str)
    if frame.empty and name not in OPTIONAL_TABLES:
        return frame, [Problem(label, None, None, "at least one data row", "only a header")]
    missing = [c for c in spec if c not in frame.columns]
    unknown = [c for c in frame.columns if c not in spec]
    for column in missing:
        problems.append(Problem(label, 1, column, "this column in the header", "no such column"))
    for column in unknown:
        problems.append(Problem(label, 1, column, f"only the columns {', '.join(spec)}", "an extra column"))
    if missing:
        return frame, problems
    frame = frame[list(spec)]
    for column, kind in spec.items():
        values = frame[column].str.strip()
        optional = kind.endswith("?")
        base = kind.rstrip("?")
        blank = values == ""
        if not optional:
            for index in frame.index[blank]:
                problems.append(Problem(label, _line(index), column, "a value", "a blank cell"))
        if base in ("int", "float"):
            numbers = pd.to_numeric(values.where(~blank), errors="coerce")
            bad = (numbers.isna() & ~blank) | ~numbers.map(lambda x: pd.isna(x) or math.isfinite(x))
            if base == "int":
                bad |= numbers.notna() & (numbers % 1 != 0)
            for index in frame.index[bad]:
                problems.append(
                    Problem(label, _line(index), column, f"a finite number ({base})", repr(values[index]))
                )
            frame[column] = numbers.where(~bad).astype("Int64" if base == "int" else "Float64")
        elif base == "bool":
            bad = ~values.isin(["true", "false"])
            for index in frame.index[bad]:
                problems.append(Problem(label, _line(index), column, "true or false", repr(values[index])))
            frame[column] = values == "true"
        else:
            frame[column] = values
    return frame, problems


def _dtype(kind: str) -> str:
    base = kind.rstrip("?")
    return {"int": "Int64", "float": "Float64", "bool": "bool"}.get(base, "object")


def _rule_check(rule: Rule, frames: dict[str, pd.DataFrame], data_dir: Path):
    """(pandera check, description) for one dictionary rule, or None for free text."""
    import pandera.pandas as pa

    kind, argument = rule.kind, rule.argument
    if rule.type.rstrip("?") == "bool":  # the reader already checked true/false
        return None
    if kind == "values":
        values = allowed_values(rule.table, rule.column, data_dir)
        blank = [""] if rule.type.endswith("?") else []
        return pa.Check.isin(
            [*values, *blank], error=f"one of: {', '.join(values)}" + (" or blank" if blank else "")
        )
    if kind in ("ref", "refs"):
        parts = argument.split(".")
        if parts[0] == "dictionary":  # the allowed values of another column
            known = list(allowed_values(parts[1], parts[2], data_dir))
        else:
            frame = frames.get(parts[0], pd.DataFrame())
            known = list(frame[parts[1]]) if parts[1] in frame else []
        where = f"a value of {argument}"
        if kind == "refs":
            known_set = set(known)

            def every_id(series: pd.Series) -> pd.Series:
                return series.map(lambda s: all(i.strip() in known_set for i in s.split(";") if i.strip()))

            return pa.Check(every_id, element_wise=False, error=f"';'-separated ids of {argument}")
        return pa.Check(lambda s: s.eq("") | s.isin(known), error=where)
    if kind == "pattern":
        return pa.Check(lambda s: s.eq("") | s.str.fullmatch(argument.removeprefix("^").removesuffix("$")),
                        error=f"text matching {argument}")  # fmt: skip
    if kind == "range":
        low, _, high = argument.partition("..")
        lo = float(low) if low.strip() else -math.inf
        hi = float(high) if high.strip() else math.inf
        return pa.Check(lambda s: s.isna() | ((s >= lo) & (s <= hi)), error=f"a number from {low or '-inf'} to {high or 'inf'}")  # fmt: skip
    return None


def _schema(name: str, frames: dict[str, pd.DataFrame], data_dir: Path):
    """The pandera schema of one table, built from the dictionary's rules."""
    import pandera.pandas as pa

    spec = {}
    for rule in dictionary(data_dir):
        if rule.table != name:
            continue
        check = _rule_check(rule, frames, data_dir)
        spec[rule.column] = pa.Column(
            _dtype(rule.type) if rule.type.rstrip("?") != "str" else str,
            [check] if check is not None else [],
            nullable=rule.type.endswith("?") and rule.type.rstrip("?") != "str",
            unique=TABLE_KEYS.get(name) == (rule.column,),
        )
    keys = TABLE_KEYS.get(name, ())
    return pa.DataFrameSchema(spec, unique=list(keys) if len(keys) > 1 else None, strict=False)


def _pandera_problems(name: str, frame: pd.DataFrame, schema) -> list[Problem]:
    import pandera.pandas as pa

    if frame.empty:
        return []
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        problems = []
        for case in errors.failure_cases.itertuples():
            column = case.column if isinstance(case.column, str) else None
            check = str(case.check)
            if check == "field_uniqueness" or check.startswith("multiple_fields_uniqueness"):
                keys = ", ".join(TABLE_KEYS.get(name, ()))
                check = f"no other row with the same {keys}"
            got = case.failure_case
            got = f"{got:g}" if isinstance(got, (int, float)) and not isinstance(got, bool) else repr(got)
            problems.append(Problem(f"data/{name}.csv", _line(case.index), column, check, got))
        return problems
    return []


def check_quantities(
    frame: pd.DataFrame,
    table: str = "facts",
    units: pd.DataFrame | None = None,
    sources: pd.DataFrame | None = None,
) -> list[Problem]:
    """Parse every `quantity_text` independently and compare with the row's value, unit and bound.

    A year printed relative to the source's date (今年) is resolved with the year of `sources.published`; a
    threshold measure (THRESHOLD_MEASURES) printed without a qualifier is a lower bound.
    """
    words = _unit_words(units)
    years = (
        {}
        if sources is None
        else {
            s: int(p[:4])
            for s, p in zip(sources["source_id"], sources["published"], strict=True)
            if p[:4].isdigit()
        }
    )
    problems = []
    label = f"data/{table}.csv"
    for index, row in frame.iterrows():
        line = _line(index)
        try:
            parsed = parse_quantity(row["quantity_text"], words, years.get(row.get("source_id")))
        except QuantityParseError as error:
            problems.append(Problem(label, line, "quantity_text", "a parseable quantity", str(error)))
            continue
        if row.get("measure") in THRESHOLD_MEASURES and parsed.bound == "=":
            parsed = dataclasses.replace(parsed, bound=">=")
        value = row["value"]
        if pd.isna(value) or not math.isclose(parsed.value, float(value), rel_tol=1e-9):
            problems.append(
                Problem(
                    label,
                    line,
                    "value",
                    f"{parsed.value:g} (parsed from {row['quantity_text']!r})",
                    str(value),
                )
            )
        if parsed.bound != row["bound"]:
            problems.append(
                Problem(
                    label,
                    line,
                    "bound",
                    f"{parsed.bound} (parsed from {row['quantity_text']!r})",
                    row["bound"],
                )
            )
        if parsed.unit is None:
            if not row["is_unit_implied"]:
                problems.append(
                    Problem(
                        label,
                        line,
                        "is_unit_implied",
                        f"true: {row['quantity_text']!r} prints no unit",
                        "false",
                    )
                )
        elif parsed.unit != row["unit"] or row["is_unit_implied"]:
            problems.append(
                Problem(label, line, "unit", f"{parsed.unit} (printed in {row['quantity_text']!r})",
                        f"{row['unit']}" + (" marked as implied" if row["is_unit_implied"] else ""))
            )  # fmt: skip
    return problems


def _unit_words(units: pd.DataFrame | None):
    """The parser's unit table from a loaded units.csv (the package's own when none is given)."""
    if units is None or units.empty:
        return unit_words()
    return unit_table(units.to_dict("records"))


def check_sources(sources: pd.DataFrame) -> list[Problem]:
    """Lineage holds together: a relation exactly when derived_from is set, no source derived from itself,
    no cycle; a kept text has its hash."""
    label, problems = "data/sources.csv", []
    parents = {
        row.source_id: [s.strip() for s in row.derived_from.split(";") if s.strip()]
        for row in sources.itertuples()
    }
    for index, row in sources.iterrows():
        line = _line(index)
        if bool(row["derived_from"]) != bool(row["relation"]):
            problems.append(Problem(label, line, "relation", "a relation exactly when derived_from is set",
                                    repr(row["relation"])))  # fmt: skip
        if row["source_id"] in parents[row["source_id"]]:
            problems.append(Problem(label, line, "derived_from", "other sources' ids", "the source itself"))
        if bool(row["file_name"]) != bool(row["sha256"]):
            problems.append(Problem(label, line, "sha256", "a SHA-256 exactly when file_name is set",
                                    repr(row["sha256"])))  # fmt: skip
    for start in parents:
        seen, stack = set(), list(parents[start])
        while stack:
            node = stack.pop()
            if node == start:
                line = _line(sources.index[sources["source_id"] == start][0])
                problems.append(
                    Problem(
                        label, line, "derived_from", "no cycle of derivation", f"{start} derives from itself"
                    )
                )
                break
            if node not in seen:
                seen.add(node)
                stack += parents.get(node, [])
    return problems


def check_locators(frames: dict[str, pd.DataFrame]) -> list[Problem]:
    """A blank locator is allowed only for a source whose text is not kept (a page whose paragraph could not
    be counted), and then the note must say so."""
    kept = set(frames["sources"].loc[frames["sources"]["file_name"] != "", "source_id"])
    problems = []
    for table in ("facts", "context", "city_roles", "rankings", "policy_mentions"):
        frame = frames.get(table)
        if frame is None or frame.empty or "locator" not in frame:
            continue
        for index in frame.index[frame["locator"].isna()]:
            source = frame.at[index, "source_id"]
            if source in kept:
                problems.append(Problem(f"data/{table}.csv", _line(index), "locator",
                                        f"a paragraph number ({source}'s text is kept)", "a blank cell"))  # fmt: skip
            elif "note" in frame and "locator" not in str(frame.at[index, "note"]):
                problems.append(Problem(f"data/{table}.csv", _line(index), "note",
                                        "a note saying why the locator is blank", repr(frame.at[index, "note"])))  # fmt: skip
    return problems


def check_rankings(rankings: pd.DataFrame) -> list[Problem]:
    """A printed rank parses to the row's rank."""
    problems = []
    for index, row in rankings.iterrows():
        if not row["rank_text"]:
            continue
        try:
            parsed = parse_quantity(row["rank_text"])
        except QuantityParseError as error:
            problems.append(
                Problem("data/rankings.csv", _line(index), "rank_text", "a parseable rank", str(error))
            )
            continue
        if parsed.unit != "rank" or pd.isna(row["rank"]) or int(parsed.value) != int(row["rank"]):
            problems.append(Problem("data/rankings.csv", _line(index), "rank",
                                    f"{parsed.value:g} (parsed from {row['rank_text']!r})", str(row["rank"])))  # fmt: skip
    return problems


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs of a source text: blocks separated by one or more blank lines; the date line is number 1."""
    return [block.strip() for block in re.split(r"\n\s*\n", text.strip()) if block.strip()]


PROVENANCE_STATES: dict[str, str] = {
    "checked": "text kept beside the project; every figure found in the paragraph its locator names",
    "text missing": "text recorded in sources.csv but not found beside the project: NOT checked",
    "page": "a public page whose text is not kept: its figures rest on the recorded quantity, paragraph, URL "
    "and retrieval date",
    "origin not read": "an origin known from the sources that derive from it: no figure rests on it alone",
    "package": "the package's own reference data or stated assumptions",
}


def provenance_status(sources: pd.DataFrame, sources_dir: Path | None) -> pd.DataFrame:
    """One row per source: `status` (a key of PROVENANCE_STATES) and what it means."""
    rows = []
    for source in sources.itertuples():
        if source.kind in PACKAGE_KINDS:
            status = "package"
        elif not source.file_name:
            status = "page" if source.url else "origin not read"
        elif sources_dir is not None and (Path(sources_dir) / source.file_name).is_file():
            status = "checked"
        else:
            status = "text missing"
        rows.append({"source_id": source.source_id, "status": status, "meaning": PROVENANCE_STATES[status]})
    return pd.DataFrame(rows, columns=["source_id", "status", "meaning"])


def check_provenance(facts: pd.DataFrame, sources: pd.DataFrame, sources_dir: Path | None) -> list[Problem]:
    """Check that each fact's quantity text occurs in the paragraph its locator names.

    Only sources whose text is in `sources_dir` are checked, and a text present with another hash than the one
    recorded is itself a problem; the others are listed by `provenance_status`.
    """
    if sources_dir is None:
        return []
    problems = []
    paragraphs: dict[str, list[str]] = {}
    for index, source in sources.iterrows():
        if not source["file_name"]:
            continue
        path = Path(sources_dir) / source["file_name"]
        if not path.is_file():
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != source["sha256"]:
            problems.append(Problem("data/sources.csv", _line(index), "sha256", digest, source["sha256"]))
            continue
        paragraphs[source["source_id"]] = split_paragraphs(path.read_text(encoding="utf-8"))
    for index, fact in facts.iterrows():
        blocks = paragraphs.get(fact["source_id"])
        if blocks is None or pd.isna(fact["locator"]):
            continue
        locator = int(fact["locator"])
        if locator > len(blocks):
            problems.append(
                Problem("data/facts.csv", _line(index), "locator",
                        f"a paragraph number from 1 to {len(blocks)} of {fact['source_id']}", str(locator))
            )  # fmt: skip
        elif fact["quantity_text"] not in blocks[locator - 1]:
            problems.append(
                Problem("data/facts.csv", _line(index), "quantity_text",
                        f"text found in paragraph {locator} of {fact['source_id']}",
                        f"{fact['quantity_text']!r}, not in that paragraph")
            )  # fmt: skip
    return problems


def validate_tables(data_dir: Path = DATA_DIR, sources_dir: Path | None = None) -> tuple[dict, list[Problem]]:
    """Read and check every table; return the typed frames and every problem found (none raised)."""
    data_dir = Path(data_dir)
    try:
        dictionary(data_dir)
    except DataValidationError as error:
        return {}, list(error.problems)
    frames, problems = {}, []
    for name in TABLES:
        frames[name], found = read_raw_table(name, data_dir)
        problems += found
    if problems:
        return frames, problems
    for name in TABLES:
        problems += _pandera_problems(name, frames[name], _schema(name, frames, data_dir))
    problems += check_sources(frames["sources"])
    problems += check_locators(frames)
    for table in QUANTITY_TABLES:
        if not frames[table].empty:
            problems += check_quantities(frames[table], table, frames["units"], frames["sources"])
    problems += check_rankings(frames["rankings"])
    problems += check_provenance(frames["facts"], frames["sources"], sources_dir)
    problems += (
        check_provenance(frames["context"], frames["sources"], sources_dir)
        if not frames["context"].empty
        else []
    )
    lines = {f"data/{name}.csv": frame.attrs.get("lines", []) for name, frame in frames.items()}
    problems = [_at_file_line(p, lines.get(p.file, [])) for p in problems]
    return frames, sorted(problems, key=lambda p: (p.file, p.line or 0, p.column or ""))


def load_dataset(data_dir: Path = DATA_DIR, sources_dir: Path | None | str = "auto") -> Dataset:
    """Load and validate all tables of `data_dir`, and build the evidence (observations, chosen roles,
    disagreements, provenance states) from them.

    Args:
        data_dir: folder of the CSV tables.
        sources_dir: folder of source texts for the provenance check; "auto" looks for ../shared/sources or
            $FUTURE_INDUSTRIES_SOURCES; None skips the check (every kept text is then "text missing").

    Raises:
        DataValidationError: listing every problem in every table.
    """
    from helpers import evidence

    if sources_dir == "auto":
        sources_dir = find_sources_dir()
    frames, problems = validate_tables(Path(data_dir), sources_dir)
    if problems:
        raise DataValidationError(problems)
    built = evidence.build(frames, allowed_values("observations", "chosen_fact", Path(data_dir)),
                           allowed_values("observations", "chosen_role", Path(data_dir)))  # fmt: skip
    return Dataset(
        sources=frames["sources"], sectors=frames["sectors"], cities=frames["cities"], facts=frames["facts"],
        city_roles=built.city_roles, context=frames["context"], rankings=frames["rankings"],
        policy_mentions=frames["policy_mentions"], units=frames["units"], focus_tags=frames["focus_tags"],
        derivations=frames["derivations"], assumptions=load_assumptions(Path(data_dir)), observations=built.observations,
        role_statements=frames["city_roles"], disagreements=built.disagreements,
        provenance=provenance_status(frames["sources"], sources_dir),
    )  # fmt: skip


def rebuild(dataset: Dataset, **tables: pd.DataFrame) -> Dataset:
    """`dataset` with some tables replaced (facts, city_roles as role statements, sources ...) and its evidence
    built again: for what-if analyses (leave one source out) and tests. The tables are not validated again."""
    from helpers import evidence

    frames = {"sources": dataset.sources, "facts": dataset.facts, "city_roles": dataset.role_statements}
    frames.update(tables)
    built = evidence.build(frames, allowed_values("observations", "chosen_fact"),
                           allowed_values("observations", "chosen_role"))  # fmt: skip
    return dataclasses.replace(
        dataset, sources=frames["sources"], facts=frames["facts"].reset_index(drop=True),
        role_statements=frames["city_roles"], city_roles=built.city_roles, observations=built.observations,
        disagreements=built.disagreements,
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """`python -m helpers.data [DATA_DIR]`: validate a data folder; exit 0 when valid, 2 with its problems
    (sorted by file and line, the first 50 shown) when not."""
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    data_dir = Path(args[0]) if args else DATA_DIR
    try:
        dataset = load_dataset(data_dir)
    except DataValidationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    unchecked = sorted(dataset.provenance.loc[dataset.provenance["status"] == "text missing", "source_id"])
    if unchecked:
        print(f"warning: source texts not found, NOT checked: {', '.join(unchecked)}", file=sys.stderr)
    print(f"{data_dir}: {len(dataset.facts)} facts in {len(dataset.sources)} sources, valid")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

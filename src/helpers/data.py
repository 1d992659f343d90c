"""Load the tidy tables of data/ into typed DataFrames and validate them (pandera plus cross-checks).

A bad table raises DataValidationError listing every problem at once: file, line, column, expected, got.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import yaml

from helpers.paths import DATA_DIR, find_sources_dir
from helpers.quantity import BOUNDS, QuantityParseError, parse_quantity

SECTOR_IDS: tuple[str, ...] = ("quantum", "biomanufacturing", "hydrogen_fusion", "bci", "embodied_ai", "6g")
KINDS: tuple[str, ...] = ("actual", "target", "forecast")
ROLES: tuple[str, ...] = ("leader", "hub", "specialist", "follower")
REGIONS: tuple[str, ...] = (
    "yangtze_river_delta", "greater_bay_area", "beijing_tianjin_hebei", "chengdu_chongqing", "other", "national",
)  # fmt: skip
UNITS: tuple[str, ...] = ("CNY", "count", "fraction", "multiple", "km", "year", "years", "rank")
MEASURES: tuple[str, ...] = (
    "count", "market_size", "industry_scale", "industrial_output", "revenue", "investment", "share",
    "multiple", "distance", "rank", "milestone", "firm_size_threshold",
)  # fmt: skip
MONEY_MEASURES: tuple[str, ...] = (
    "market_size", "industry_scale", "industrial_output", "revenue", "investment", "firm_size_threshold",
)  # fmt: skip
YEAR_RANGE: tuple[int, int] = (2000, 2050)
TABLES: tuple[str, ...] = ("sources", "sectors", "cities", "facts", "city_roles")
ID_PATTERN = r"^[a-z0-9][a-z0-9_\-]*$"

# Column types per table: "str" (required text), "str?" (may be blank), "int", "int?", "float?", "bool".
COLUMNS: dict[str, dict[str, str]] = {
    "sources": {
        "source_id": "str", "kind": "str", "title": "str", "publisher": "str", "author": "str?",
        "published": "str", "language": "str", "file_name": "str?", "sha256": "str?", "url": "str?",
        "note": "str?",
    },
    "sectors": {
        "sector_id": "str", "order": "int", "name_en": "str", "name_zh": "str", "name_zh_plan": "str",
        "article_terms": "str", "locator": "int",
    },
    "cities": {
        "place_id": "str", "name_en": "str", "name_zh": "str", "province_en": "str?", "province_zh": "str?",
        "region": "str", "latitude": "float?", "longitude": "float?", "source_id": "str",
    },
    "facts": {
        "fact_id": "str", "sector": "str", "place": "str", "district_en": "str?", "district_zh": "str?",
        "indicator": "str", "label_en": "str", "label_zh": "str", "measure": "str", "kind": "str",
        "year": "int?", "year_note": "str", "value": "float", "bound": "str", "unit": "str",
        "is_unit_implied": "bool", "quantity_text": "str", "source_id": "str", "locator": "int", "note": "str?",
    },
    "city_roles": {
        "sector": "str", "place": "str", "role": "str", "role_basis": "str", "focus": "str",
        "focus_tags": "str", "source_id": "str", "locator": "int",
    },
}  # fmt: skip


@dataclass(frozen=True)
class Problem:
    """One fault in one table: where it is, what was expected and what was found."""

    file: str
    line: int | None
    column: str | None
    expected: str
    got: str

    def __str__(self) -> str:
        where = self.file + (f", line {self.line}" if self.line else "")
        where += f", column '{self.column}'" if self.column else ""
        return f"{where}: expected {self.expected}; got {self.got}"


class DataValidationError(ValueError):
    """Raised with every Problem found, one per line of the message."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{len(problems)} data problem(s):\n{lines}")


@dataclass(frozen=True)
class Dataset:
    """The validated tables, typed."""

    sources: pd.DataFrame
    sectors: pd.DataFrame
    cities: pd.DataFrame
    facts: pd.DataFrame
    city_roles: pd.DataFrame
    assumptions: dict = field(default_factory=dict)


def _line(index: object) -> int | None:
    """CSV line of a DataFrame row: the header is line 1."""
    return int(index) + 2 if isinstance(index, (int,)) or str(index).isdigit() else None


def _shape_problems(label: str, text: str) -> list[Problem]:
    """Rows whose field count differs from the header's, and blank lines between rows.

    pandas raises on a row with too many fields, pads one with too few, and skips blank lines (which shifts
    every line number reported after them), so these are caught first, all at once.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    problems: list[Problem] = []
    try:
        header = next(reader, [])
        blank_lines: list[int] = []
        for record in reader:
            if not record:
                blank_lines.append(reader.line_num)
                continue
            problems += [Problem(label, line, None, "a data row", "a blank line") for line in blank_lines]
            blank_lines = []
            if len(record) != len(header):
                expected = f"{len(header)} comma-separated fields, as in the header"
                problems.append(Problem(label, reader.line_num, None, expected, f"{len(record)} fields"))
    except csv.Error as error:
        problems.append(Problem(label, reader.line_num, None, "well-formed CSV", str(error)))
    return problems


def read_raw_table(name: str, data_dir: Path = DATA_DIR) -> tuple[pd.DataFrame, list[Problem]]:
    """Read data/<name>.csv as text and convert its typed columns; return the frame and the problems found."""
    path = Path(data_dir) / f"{name}.csv"
    label = f"data/{name}.csv"
    if not path.is_file():
        return pd.DataFrame(), [Problem(label, None, None, "the file to exist", f"no file at {path}")]
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return pd.DataFrame(), [Problem(label, line, None, "UTF-8 text", f"byte {raw[error.start]:#04x}")]
    if not text.strip():
        return pd.DataFrame(), [Problem(label, None, None, "a header and at least one row", "an empty file")]
    shape_problems = _shape_problems(label, text)
    if shape_problems:
        return pd.DataFrame(), shape_problems
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    if frame.empty:
        return frame, [Problem(label, None, None, "at least one data row", "only a header")]
    problems: list[Problem] = []
    spec = COLUMNS[name]
    missing = [c for c in spec if c not in frame.columns]
    unknown = [c for c in frame.columns if c not in spec]
    for column in missing:
        problems.append(Problem(label, 1, column, "this column in the header", "no such column"))
    for column in unknown:
        problems.append(Problem(label, 1, column, f"only the columns {', '.join(spec)}", "an extra column"))
    if missing:
        return frame, problems
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
            bad = numbers.isna() & ~blank
            if base == "int":
                bad |= numbers.notna() & (numbers % 1 != 0)
            for index in frame.index[bad]:
                problems.append(
                    Problem(label, _line(index), column, f"a number ({base})", repr(values[index]))
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


def _schema(name: str, ids: dict[str, list[str]]) -> pa.DataFrameSchema:
    """The pandera schema of one table; `ids` holds the allowed foreign keys."""
    text = pa.Column(str)
    optional = pa.Column(str, nullable=True)

    def one_of(values) -> pa.Column:
        return pa.Column(str, pa.Check.isin(list(values)))

    year_check = pa.Check.in_range(*YEAR_RANGE)
    schemas = {
        "sources": {
            "source_id": pa.Column(str, pa.Check.str_matches(ID_PATTERN), unique=True),
            "kind": one_of(["news", "report", "policy", "reference", "assumption"]),
            "sha256": pa.Column(
                str,
                pa.Check(
                    lambda s: s.eq("") | s.str.fullmatch("[0-9a-f]{64}"),
                    error="64 lower-case hex digits or blank",
                ),
            ),
        },
        "sectors": {"sector_id": pa.Column(str, pa.Check.isin(list(SECTOR_IDS)), unique=True)},
        "cities": {
            "place_id": pa.Column(str, pa.Check.str_matches(ID_PATTERN), unique=True),
            "region": one_of(REGIONS),
            "latitude": pa.Column("Float64", pa.Check.in_range(-90, 90), nullable=True),
            "longitude": pa.Column("Float64", pa.Check.in_range(-180, 180), nullable=True),
            "source_id": one_of(ids["source_id"]),
        },
        "facts": {
            "fact_id": pa.Column(str, pa.Check.str_matches(ID_PATTERN), unique=True),
            "sector": one_of(ids["sector_id"]),
            "place": one_of(ids["place_id"]),
            "measure": one_of(MEASURES),
            "kind": one_of(KINDS),
            "year": pa.Column("Int64", year_check, nullable=True),
            "value": pa.Column("Float64", pa.Check.ge(0)),
            "bound": one_of(BOUNDS),
            "unit": one_of(UNITS),
            "source_id": one_of(ids["source_id"]),
            "locator": pa.Column("Int64", pa.Check.ge(1)),
            "quantity_text": text,
            "district_en": optional,
        },
        "city_roles": {
            "sector": one_of(ids["sector_id"]),
            "place": one_of(ids["place_id"]),
            "role": one_of(ROLES),
            "source_id": one_of(ids["source_id"]),
            "locator": pa.Column("Int64", pa.Check.ge(1)),
        },
    }
    unique = ["sector", "place"] if name == "city_roles" else None
    return pa.DataFrameSchema(schemas[name], unique=unique, strict=False)


def _pandera_problems(name: str, frame: pd.DataFrame, schema: pa.DataFrameSchema) -> list[Problem]:
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        problems = []
        for case in errors.failure_cases.itertuples():
            column = case.column if isinstance(case.column, str) else None
            problems.append(
                Problem(
                    f"data/{name}.csv", _line(case.index), column, str(case.check), repr(case.failure_case)
                )
            )
        return problems
    return []


def check_quantities(facts: pd.DataFrame) -> list[Problem]:
    """Parse every `quantity_text` independently and compare with the row's value, unit and bound."""
    problems = []
    for index, row in facts.iterrows():
        line, label = _line(index), "data/facts.csv"
        try:
            parsed = parse_quantity(row["quantity_text"])
        except QuantityParseError as error:
            problems.append(Problem(label, line, "quantity_text", "a parseable quantity", str(error)))
            continue
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


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs of a source text: blocks separated by one or more blank lines; the date line is number 1."""
    return [block.strip() for block in re.split(r"\n\s*\n", text.strip()) if block.strip()]


def check_provenance(facts: pd.DataFrame, sources: pd.DataFrame, sources_dir: Path | None) -> list[Problem]:
    """Check that each fact's quantity text occurs in the paragraph its locator names.

    Only sources whose text is in `sources_dir` with the SHA-256 recorded in sources.csv are checked; a text
    present with another hash is itself a problem.
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
    frames, problems = {}, []
    for name in TABLES:
        frames[name], found = read_raw_table(name, data_dir)
        problems += found
    if problems:
        return frames, problems
    ids = {
        "source_id": frames["sources"]["source_id"].tolist(),
        "sector_id": frames["sectors"]["sector_id"].tolist(),
        "place_id": frames["cities"]["place_id"].tolist(),
    }
    for name in TABLES:
        problems += _pandera_problems(name, frames[name], _schema(name, ids))
    problems += check_quantities(frames["facts"])
    problems += check_provenance(frames["facts"], frames["sources"], sources_dir)
    return frames, problems


def load_assumptions(data_dir: Path = DATA_DIR) -> dict:
    """Read data/assumptions.yml (exchange rate and growth scenarios)."""
    path = Path(data_dir) / "assumptions.yml"
    try:
        assumptions = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        problem = Problem("data/assumptions.yml", None, None, "a readable YAML file", str(error))
        raise DataValidationError([problem]) from error
    missing = [key for key in ("exchange_rate", "scenarios") if key not in (assumptions or {})]
    if missing:
        raise DataValidationError(
            [Problem("data/assumptions.yml", None, key, "this top-level key", "missing") for key in missing]
        )
    return assumptions


def load_dataset(data_dir: Path = DATA_DIR, sources_dir: Path | None | str = "auto") -> Dataset:
    """Load and validate all tables of `data_dir`.

    Args:
        data_dir: folder of the CSV tables.
        sources_dir: folder of source texts for the provenance check; "auto" looks for ../shared/sources or
            $FUTURE_INDUSTRIES_SOURCES; None skips the check.

    Raises:
        DataValidationError: listing every problem in every table.
    """
    if sources_dir == "auto":
        sources_dir = find_sources_dir()
    frames, problems = validate_tables(Path(data_dir), sources_dir)
    if problems:
        raise DataValidationError(problems)
    return Dataset(**frames, assumptions=load_assumptions(Path(data_dir)))

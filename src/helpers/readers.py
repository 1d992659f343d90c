"""The one reader of each kind of input file: CSV tables and YAML files, standard library and PyYAML only.

The data loader (helpers.data) and the report runner both read through here, so a byte-order mark, a quoted
newline or a hostile YAML file is handled the same way everywhere. Problems name the file and the line.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import yaml

MAX_YAML_BYTES = 1_000_000  # a parameter file or data/assumptions.yml is a few hundred bytes
MAX_YAML_ALIASES = 100  # anchors are handy; an alias bomb (a billion laughs) needs thousands
MAX_YAML_DEPTH = 50
MAX_YAML_NODES = 100_000  # values once every alias is expanded (9 aliases of 9 aliases of ... blow up)
MAX_PROBLEMS_SHOWN = 50  # a message lists the first 50 problems and counts the rest


class ReadError(ValueError):
    """A file that cannot be read as the expected kind of text; the message names the file and the line."""


@dataclass(frozen=True)
class CsvText:
    """A CSV file read as text: header, records and the line each record starts on (the header is line 1)."""

    header: list[str]
    records: list[list[str]]
    lines: list[int]  # physical line of each record's first character (a quoted newline spans two lines)
    text: str


def decode_text(raw: bytes, label: str) -> str:
    """UTF-8 text of a file's bytes, a byte-order mark removed.

    Raises:
        ReadError: the bytes are not UTF-8, naming the line of the first bad byte.
    """
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ReadError(
            f"{label}, line {line}: expected UTF-8 text; got byte {raw[error.start]:#04x}"
        ) from None


def parse_csv(text: str, label: str) -> CsvText:
    """Header and records of CSV text, each record with the line it starts on.

    Raises:
        ReadError: malformed CSV (an unclosed quote, text after a closing quote), naming the line.
    """
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=True)
    header: list[str] = []
    records: list[list[str]] = []
    lines: list[int] = []
    start = 1  # the line the next record starts on
    try:
        header = next(reader, [])
        start = reader.line_num + 1
        for record in reader:
            records.append(record)
            lines.append(start)
            start = reader.line_num + 1
    except csv.Error as error:
        raise ReadError(f"{label}, line {start}: expected well-formed CSV; got {error}") from None
    return CsvText(header, records, lines, text)


def read_csv_text(path: Path, label: str | None = None) -> CsvText:
    """Read a CSV file (UTF-8, a byte-order mark removed) with the start line of every record.

    Raises:
        ReadError: unreadable, not UTF-8 or malformed, naming the file (and line).
    """
    label = label or str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise ReadError(f"{label}: cannot be read: {error.strerror or error}") from None
    return parse_csv(decode_text(raw, label), label)


def read_csv_dicts(path: Path, label: str | None = None) -> list[dict[str, str]]:
    """Rows of a CSV file as dicts keyed by the header; [] when the file does not exist.

    Raises:
        ReadError: as read_csv_text.
    """
    if not Path(path).is_file():
        return []
    table = read_csv_text(path, label)
    return [dict(zip(table.header, record, strict=False)) for record in table.records]


class _LimitedLoader(yaml.SafeLoader):
    """PyYAML's safe loader that refuses more than MAX_YAML_ALIASES aliases or nesting deeper than
    MAX_YAML_DEPTH (an alias bomb expands a few hundred bytes into gigabytes)."""

    def __init__(self, stream):
        super().__init__(stream)
        self.aliases = 0
        self.depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_YAML_ALIASES:
                mark = self.peek_event().start_mark
                raise yaml.YAMLError(
                    f"more than {MAX_YAML_ALIASES} aliases (at line {mark.line + 1}): refused as an alias bomb"
                )
        self.depth += 1
        try:
            if self.depth > MAX_YAML_DEPTH:
                mark = self.peek_event().start_mark
                raise yaml.YAMLError(f"nested deeper than {MAX_YAML_DEPTH} levels (at line {mark.line + 1})")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def expanded_size(node: yaml.Node) -> int:
    """How many values a composed YAML document holds once every alias is expanded (shared nodes counted
    as often as they are used), without expanding it."""
    sizes: dict[int, int] = {}

    def size(current: yaml.Node) -> int:
        if id(current) in sizes:
            return sizes[id(current)]
        sizes[id(current)] = 1  # a recursive alias counts once
        if isinstance(current, yaml.SequenceNode):
            total = 1 + sum(size(child) for child in current.value)
        elif isinstance(current, yaml.MappingNode):
            total = 1 + sum(size(key) + size(value) for key, value in current.value)
        else:
            total = 1
        sizes[id(current)] = total
        return total

    return size(node)


def load_yaml_text(text: str, label: str) -> object:
    """Parse YAML text safely and within limits (size, aliases, depth).

    Raises:
        ReadError: too large, too many aliases, too deep or not valid YAML, naming the file and line.
    """
    if len(text.encode("utf-8")) > MAX_YAML_BYTES:
        raise ReadError(f"{label}: larger than {MAX_YAML_BYTES:,} bytes; refused")
    loader = None
    try:
        loader = _LimitedLoader(text)
        node = loader.get_single_node()
        if node is None:
            return None
        if expanded_size(node) > MAX_YAML_NODES:
            raise ReadError(
                f"{label}: more than {MAX_YAML_NODES:,} values once its aliases are expanded; refused as an "
                "alias bomb"
            )
        return loader.construct_document(node)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        if isinstance(error, yaml.reader.ReaderError):  # a character YAML does not allow: at a position
            before = text[: error.position]
            where = f", line {before.count(chr(10)) + 1}, column {len(before) - before.rfind(chr(10))}"
            problem = f"character {error.character!r} is not allowed"
        raise ReadError(f"{label}{where}: not valid YAML: {problem}") from None
    except RecursionError:
        raise ReadError(f"{label}: nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()


def read_yaml(path: Path, label: str | None = None) -> object:
    """Read a YAML file safely and within limits; the size is checked before the file is read whole.

    Raises:
        ReadError: unreadable, too large, not UTF-8, too many aliases or not valid YAML.
    """
    label = label or str(path)
    try:
        size = Path(path).stat().st_size
        if size > MAX_YAML_BYTES:
            raise ReadError(f"{label}: {size:,} bytes, larger than {MAX_YAML_BYTES:,}; refused")
        raw = Path(path).read_bytes()
    except OSError as error:
        raise ReadError(f"{label}: cannot be read: {error.strerror or error}") from None
    return load_yaml_text(decode_text(raw, label), label)


def cap_lines(lines: list[str], limit: int = MAX_PROBLEMS_SHOWN) -> list[str]:
    """The first `limit` lines, then one line counting the rest (a message stays readable at scale)."""
    if len(lines) <= limit:
        return list(lines)
    return [*lines[:limit], f"... and {len(lines) - limit} more"]

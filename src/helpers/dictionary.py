"""The data dictionary's column rules (data/dictionary.csv) and the check of data/assumptions.yml, without pandas.

helpers.data validates the tables with these rules; the report runner checks assumptions.yml before any kernel
starts, and imports only this module for it (pandas would add about 40 MB to the runner while the kernels run).
helpers.data re-exports every name here.
"""

from __future__ import annotations

import copy
import csv
import functools
import io
import re
from dataclasses import dataclass
from pathlib import Path

from helpers.paths import DATA_DIR
from helpers.readers import ReadError, cap_lines, read_yaml

TYPES: tuple[str, ...] = ("str", "str?", "int", "int?", "float", "float?", "bool")


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
    """Raised with every Problem found, sorted by file and line; the message shows the first 50 and counts
    the rest (`problems` holds them all)."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(
            problems, key=lambda p: (p.file, p.line or 0, p.column or "", p.expected, p.got)
        )
        lines = "\n".join(cap_lines([f"  - {p}" for p in self.problems]))
        first = f", the first: {self.problems[0]}" if self.problems else ""
        super().__init__(f"{len(problems)} data problem(s){first}\n{lines}")  # the first line says where


@dataclass(frozen=True)
class Rule:
    """One column's entry in data/dictionary.csv."""

    table: str
    column: str
    type: str
    allowed: str

    @property
    def kind(self) -> str:
        return self.allowed.split(":", 1)[0] if ":" in self.allowed else ""

    @property
    def argument(self) -> str:
        return self.allowed.split(":", 1)[1].strip() if ":" in self.allowed else ""


@functools.lru_cache(maxsize=8)
def _read_dictionary(path: str) -> tuple[Rule, ...]:
    label = "data/dictionary.csv"
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise DataValidationError(
            [Problem(label, None, None, "a readable UTF-8 file", str(error))]
        ) from error
    rules, problems = [], []
    for line, row in enumerate(csv.DictReader(io.StringIO(text, newline="")), start=2):
        table, column, kind = (row.get(k) or "" for k in ("table", "column", "type"))
        if not table or not column or kind not in TYPES:
            problems.append(
                Problem(label, line, "type", f"a table, a column and a type in {TYPES}", repr(row))
            )
            continue
        rules.append(Rule(table, column, kind, (row.get("allowed") or "").strip()))
    if problems:
        raise DataValidationError(problems)
    return tuple(rules)


def dictionary(data_dir: Path = DATA_DIR) -> tuple[Rule, ...]:
    """Every column rule of data/dictionary.csv (the package's own when `data_dir` has none)."""
    path = Path(data_dir) / "dictionary.csv"
    return _read_dictionary(str(path if path.is_file() else DATA_DIR / "dictionary.csv"))


def columns(table: str, data_dir: Path = DATA_DIR) -> dict[str, str]:
    """Column name -> type of one table, in the dictionary's order."""
    return {r.column: r.type for r in dictionary(data_dir) if r.table == table}


def allowed_values(table: str, column: str, data_dir: Path = DATA_DIR) -> tuple[str, ...]:
    """The closed list ("values: a;b") of one column, or the rule order ("order: a;b") of a computed one."""
    for rule in dictionary(data_dir):
        if (rule.table, rule.column) == (table, column) and rule.kind in ("values", "order"):
            return tuple(v.strip() for v in rule.argument.split(";") if v.strip())
    raise KeyError(f"data/dictionary.csv has no list of values for {table}.{column}")


ASSUMPTIONS_TABLE = "assumptions"  # its rules in data/dictionary.csv: dotted keys, "*" for any scenario name


def check_assumptions(document: object, rules: tuple[Rule, ...]) -> list[Problem]:
    """Check data/assumptions.yml against its rules in the dictionary (table "assumptions", one dotted key per
    value, "*" standing for each scenario name): every key present, no other key, each value of its type
    (numbers finite) and in its range; at least one scenario."""
    label = "data/assumptions.yml"
    if not isinstance(document, dict):
        return [Problem(label, None, None, "a mapping of keys to values", type(document).__name__)]
    problems: list[Problem] = []
    expected_paths: set[tuple[str, ...]] = set()
    for rule in rules:
        paths: list[tuple[str, ...]] = [()]
        for part in rule.column.split("."):
            grown = []
            for path in paths:
                node = _at(document, path)
                if part != "*":
                    grown.append((*path, part))
                elif not isinstance(node, dict) or not node:
                    problems.append(Problem(label, None, ".".join(path), "a mapping with at least one entry",
                                            repr(node)))  # fmt: skip
                else:
                    grown += [(*path, str(key)) for key in node]
            paths = grown
        for path in paths:
            expected_paths.add(path)
            key = ".".join(path)
            found, value = _lookup(document, path)
            if not found or value is None:
                if not rule.type.endswith("?"):
                    problems.append(
                        Problem(label, None, key, f"a value ({rule.type.rstrip('?')})", "missing")
                    )
                continue
            why = _value_problem(value, rule)
            if why:
                problems.append(Problem(label, None, key, why, repr(value)))
    problems += [Problem(label, None, key, "only the keys data/dictionary.csv describes", "an unknown key")
                 for key in _leaf_keys(document, expected_paths)]  # fmt: skip
    return problems


def _at(document: object, path: tuple[str, ...]) -> object:
    return _lookup(document, path)[1]


def _lookup(document: object, path: tuple[str, ...]) -> tuple[bool, object]:
    node = document
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _leaf_keys(document: object, expected: set[tuple[str, ...]]) -> list[str]:
    """Dotted keys of `document` that are neither an expected path nor on the way to one."""
    prefixes = {path[:n] for path in expected for n in range(len(path) + 1)}
    unknown: list[str] = []

    def walk(node: object, path: tuple[str, ...]) -> None:
        if path and path not in prefixes:
            unknown.append(".".join(path))
            return
        if isinstance(node, dict) and path not in expected:
            for key, value in node.items():
                walk(value, (*path, str(key)))

    walk(document, ())
    return unknown


def _value_problem(value: object, rule: Rule) -> str | None:
    """Why `value` breaks `rule` (type, finiteness, range, pattern), or None."""
    from helpers.params import is_finite_number

    base = rule.type.rstrip("?")
    if base in ("int", "float"):
        if not is_finite_number(value) or (base == "int" and value != int(value)):
            return f"a finite number ({base})"
        if rule.kind == "range":
            low, _, high = rule.argument.partition("..")
            if (low.strip() and value < float(low)) or (high.strip() and value > float(high)):
                return f"a number from {low or '-inf'} to {high or 'inf'}"
    elif base == "bool":
        if not isinstance(value, bool):
            return "true or false"
    elif not isinstance(value, str) or not value.strip():
        return "non-empty text"
    elif rule.kind == "pattern" and not re.fullmatch(
        rule.argument.removeprefix("^").removesuffix("$"), value
    ):
        return f"text matching {rule.argument}"
    return None


@functools.lru_cache(maxsize=8)
def _read_assumptions(path: str, _stamp: tuple[int, int], dictionary_path: str) -> dict:
    label = "data/assumptions.yml"
    try:
        document = read_yaml(Path(path), label)
    except ReadError as error:
        raise DataValidationError([Problem(label, None, None, "a readable YAML file", str(error))]) from None
    rules = tuple(r for r in _read_dictionary(dictionary_path) if r.table == ASSUMPTIONS_TABLE)
    problems = check_assumptions(document, rules)
    if problems:
        raise DataValidationError(problems)
    return document  # type: ignore[return-value]


def load_assumptions(data_dir: Path = DATA_DIR) -> dict:
    """Read data/assumptions.yml (exchange rate and growth scenarios), validated against its rules in
    data/dictionary.csv; the one source of these values. A fresh copy each call (callers may change it).

    Raises:
        DataValidationError: unreadable, not valid YAML, or a value missing, unknown, of the wrong type,
            not finite or out of range, naming the key.
    """
    path = Path(data_dir) / "assumptions.yml"
    try:
        stat = path.stat()
    except OSError as error:
        problem = Problem("data/assumptions.yml", None, None, "a readable YAML file", str(error))
        raise DataValidationError([problem]) from None
    dictionary_path = Path(data_dir) / "dictionary.csv"
    dictionary_path = dictionary_path if dictionary_path.is_file() else DATA_DIR / "dictionary.csv"
    found = _read_assumptions(str(path.resolve()), (stat.st_mtime_ns, stat.st_size), str(dictionary_path))
    return copy.deepcopy(found)

"""data/dictionary.csv describes every column of every table, no more, and its allowed values hold.

`allowed` is one rule: "values: a;b" (a closed list), "ref: table.column" (a foreign key; "dictionary.t.c" for
the allowed values of another column), "refs: table.column" (';'-separated foreign keys), "pattern: <regex>"
(for every non-blank cell), "range: lo..hi" (either end may be open), "order: a;b" (the rule order of a
computed table), or blank (free text). Tables without a file (observations) are computed by helpers.evidence.
"""

from __future__ import annotations

import csv
import re

import pandas as pd
import pytest

from helpers.data import OPTIONAL_TABLES, TABLES
from helpers.paths import DATA_DIR

DICTIONARY_COLUMNS = ["table", "column", "type", "unit", "meaning", "allowed"]
TYPES = {"str", "str?", "int", "int?", "float", "float?", "bool"}
COMPUTED_TABLES = {"observations"}
YAML_TABLES = {"assumptions"}  # data/assumptions.yml: dotted keys, checked by helpers.data.check_assumptions


def read_header(table: str) -> list[str]:
    with open(DATA_DIR / f"{table}.csv", encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


@pytest.fixture(scope="module")
def dictionary() -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / "dictionary.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return {
        t: pd.read_csv(DATA_DIR / f"{t}.csv", dtype=str, keep_default_na=False)
        for t in TABLES
        if t not in OPTIONAL_TABLES or (DATA_DIR / f"{t}.csv").is_file()
    }


def rules(dictionary: pd.DataFrame, kind: str) -> list[tuple[str, str, str]]:
    """(table, column, argument) of every rule of one kind ("values", "ref", "pattern", "range")."""
    found = []
    for row in dictionary.itertuples():
        if row.allowed.startswith(f"{kind}: ") and row.table not in YAML_TABLES:
            found.append((row.table, row.column, row.allowed.removeprefix(f"{kind}: ")))
    return found


def test_dictionary_has_its_columns_and_no_duplicates(dictionary):
    assert list(dictionary.columns) == DICTIONARY_COLUMNS
    assert not dictionary.duplicated(["table", "column"]).any()


def test_dictionary_and_headers_agree_both_ways(dictionary):
    for table in [t for t in TABLES if (DATA_DIR / f"{t}.csv").is_file()]:
        described = dictionary.loc[dictionary["table"] == table, "column"].tolist()
        assert described == read_header(table), table  # same columns, in the file's order
    assert set(dictionary["table"]) == set(TABLES) | COMPUTED_TABLES | YAML_TABLES


def test_every_column_has_a_type_and_a_meaning(dictionary):
    assert set(dictionary["type"]) <= TYPES
    assert (dictionary["meaning"].str.len() > 10).all()
    known = ("values: ", "ref: ", "refs: ", "pattern: ", "range: ", "order: ")
    assert all(a == "" or a.startswith(known) for a in dictionary["allowed"])


def test_values_are_allowed(dictionary, tables):
    for table, column, argument in rules(dictionary, "values"):
        cells = set(tables[table][column]) - {""}
        assert cells <= set(argument.split(";")), (table, column, cells - set(argument.split(";")))


def test_references_resolve(dictionary, tables):
    for table, column, argument in rules(dictionary, "ref"):
        parts = argument.split(".")
        if parts[0] == "dictionary":
            row = dictionary[(dictionary["table"] == parts[1]) & (dictionary["column"] == parts[2])].iloc[0]
            known = set(row.allowed.removeprefix("values: ").split(";"))
        else:
            known = set(tables[parts[0]][parts[1]])
        assert set(tables[table][column]) - {""} <= known, (table, column)
    for table, column, argument in rules(dictionary, "refs"):
        target_table, target_column = argument.split(".")
        ids = {i for cell in tables[table][column] for i in cell.split(";") if i}
        assert ids <= set(tables[target_table][target_column]), (table, column)


def test_patterns_hold(dictionary, tables):
    for table, column, argument in rules(dictionary, "pattern"):
        pattern = re.compile(argument)
        bad = [v for v in tables[table][column] if v and not pattern.fullmatch(v)]
        assert bad == [], (table, column)


def test_ranges_hold(dictionary, tables):
    for table, column, argument in rules(dictionary, "range"):
        low, high = argument.split("..")
        numbers = pd.to_numeric(tables[table][column].replace("", None)).dropna()
        if low:
            assert (numbers >= float(low)).all(), (table, column)
        if high:
            assert (numbers <= float(high)).all(), (table, column)


def test_bool_columns_are_true_or_false(dictionary, tables):
    for row in dictionary[dictionary["type"] == "bool"].itertuples():
        assert set(tables[row.table][row.column]) <= {"true", "false"}

"""Tests of helpers.data: the real tables load, and every kind of bad input is reported where it is.

Each bad-input test corrupts one cell or line of a temporary copy of data/ (fixture `data_copy`) and expects a
DataValidationError naming the file, the line, the column where there is one, and what was expected.
"""

from __future__ import annotations

import csv
import hashlib
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from helpers.data import (
    COLUMNS,
    SECTOR_IDS,
    TABLES,
    DataValidationError,
    Problem,
    load_dataset,
    read_raw_table,
    validate_tables,
)

# --- helpers to corrupt a copy ------------------------------------------------------------------------------


def read_rows(data_dir: Path, table: str) -> list[list[str]]:
    with open(data_dir / f"{table}.csv", encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_rows(data_dir: Path, table: str, rows: list[list[str]]) -> None:
    with open(data_dir / f"{table}.csv", "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def line_of(data_dir: Path, table: str, key: str) -> int:
    """The CSV line (header = 1) of the row whose first column is `key`."""
    keys = [row[0] for row in read_rows(data_dir, table)]
    return keys.index(key) + 1


def set_cell(data_dir: Path, table: str, line: int, column: str, value: str) -> None:
    rows = read_rows(data_dir, table)
    rows[line - 1][rows[0].index(column)] = value
    write_rows(data_dir, table, rows)


def load_error(data_dir: Path, sources_dir: Path | None = None) -> DataValidationError:
    with pytest.raises(DataValidationError) as caught:
        load_dataset(data_dir, sources_dir=sources_dir)
    return caught.value


def assert_reported(error: DataValidationError, *fragments: str) -> None:
    """One problem (a line of the message, which shows the first 50) holds every fragment."""
    lines = str(error).splitlines() + [str(p) for p in error.problems]
    assert any(all(f in line for f in fragments) for line in lines), (
        f"{fragments} not in one line of:\n{error}"
    )


@pytest.fixture
def synthetic_sources(data_copy: Path, tmp_path: Path) -> tuple[Path, int]:
    """A stand-in for each source text: paragraph k holds the quantity texts of the facts located in it.

    Keeps these tests independent of ../shared/sources; the copy's sources.csv gets the stand-in's SHA-256.
    Returns the folder and the number of paragraphs.
    """
    rows = read_rows(data_copy, "facts")
    header = rows[0]
    by_paragraph: dict[int, list[str]] = defaultdict(list)
    for row in rows[1:]:
        by_paragraph[int(row[header.index("locator")])].append(row[header.index("quantity_text")])
    count = max(by_paragraph) + 1
    text = "\n\n".join(" / ".join(by_paragraph[k]) or f"paragraph {k}" for k in range(1, count + 1)) + "\n"
    folder = tmp_path / "sources"
    folder.mkdir()
    sources = read_rows(data_copy, "sources")
    for line, row in enumerate(sources[1:], start=2):
        file_name = row[sources[0].index("file_name")]
        if file_name:
            (folder / file_name).write_text(text, encoding="utf-8")
            set_cell(data_copy, "sources", line, "sha256", hashlib.sha256(text.encode("utf-8")).hexdigest())
    return folder, count


# --- the real data ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


def test_real_data_loads(dataset):
    assert set(TABLES) <= set(vars(dataset))
    assert dataset.facts["year"].dtype == "Int64"
    assert dataset.facts["value"].dtype == "Float64"
    assert dataset.facts["is_unit_implied"].dtype == bool
    assert dataset.assumptions["exchange_rate"]["cny_per_usd"] > 0


def test_facts_cover_all_six_sectors(dataset):
    assert len(dataset.facts) > 30
    assert set(dataset.facts["sector"]) == set(SECTOR_IDS) == set(dataset.sectors["sector_id"])


def test_roles_belong_to_cities_provinces_or_regions(dataset):
    levels = dict(zip(dataset.cities["place_id"], dataset.cities["level"], strict=True))
    assert {levels[p] for p in dataset.role_statements["place"]} <= {"city", "province", "region"}


def test_fact_ids_are_unique(dataset):
    assert dataset.facts["fact_id"].is_unique


def test_every_sector_has_city_roles(dataset):
    # Not every sector has a "leader": the article names none for hydrogen and fusion (Beijing, Shanghai: hubs).
    assert set(dataset.city_roles["sector"]) == set(SECTOR_IDS)


def test_clean_copy_has_no_problem(data_copy, synthetic_sources):
    folder, _ = synthetic_sources
    _, problems = validate_tables(data_copy, folder)
    assert problems == []


def test_provenance_is_skipped_without_sources(data_copy):
    set_cell(data_copy, "facts", line_of(data_copy, "facts", "quantum_hefei_patents"), "locator", "7")
    assert len(load_dataset(data_copy, sources_dir=None).facts) > 30


def test_problem_reads_file_line_column_expected_got():
    problem = Problem("data/facts.csv", 3, "bound", "one of =, >=, <=, ~", "'>'")
    assert str(problem) == "data/facts.csv, line 3, column 'bound': expected one of =, >=, <=, ~; got '>'"
    assert str(Problem("data/cities.csv", None, None, "UTF-8 text", "byte 0xff")) == (
        "data/cities.csv: expected UTF-8 text; got byte 0xff"
    )


# --- one test per kind of bad input -------------------------------------------------------------------------


def test_missing_column(data_copy):
    rows = read_rows(data_copy, "facts")
    drop = rows[0].index("bound")
    write_rows(data_copy, "facts", [row[:drop] + row[drop + 1 :] for row in rows])
    error = load_error(data_copy)
    assert_reported(error, "data/facts.csv, line 1, column 'bound'", "expected this column in the header")


def test_unknown_sector(data_copy):
    line = line_of(data_copy, "facts", "quantum_hefei_firms")
    set_cell(data_copy, "facts", line, "sector", "quantum_computing")
    error = load_error(data_copy)
    assert_reported(
        error,
        f"data/facts.csv, line {line}, column 'sector'",
        "a value of sectors.sector_id",
        "quantum_computing",
    )


def test_unknown_place(data_copy):
    line = line_of(data_copy, "facts", "quantum_hefei_firms")
    set_cell(data_copy, "facts", line, "place", "atlantis")
    error = load_error(data_copy)
    assert_reported(
        error, f"data/facts.csv, line {line}, column 'place'", "cities.place_id", "got 'atlantis'"
    )


def test_unknown_place_in_city_roles(data_copy):
    set_cell(data_copy, "city_roles", 2, "place", "atlantis")
    assert_reported(load_error(data_copy), "data/city_roles.csv, line 2, column 'place'", "got 'atlantis'")


def test_duplicate_fact_id(data_copy):
    first = line_of(data_copy, "facts", "quantum_hefei_firms")
    second = line_of(data_copy, "facts", "quantum_hefei_rd_platforms")
    set_cell(data_copy, "facts", second, "fact_id", "quantum_hefei_firms")
    error = load_error(data_copy)
    for line in (first, second):
        assert_reported(
            error,
            f"data/facts.csv, line {line}, column 'fact_id'",
            "no other row with the same fact_id",
            "quantum_hefei_firms",
        )


def test_duplicate_sector_and_place_in_city_roles(data_copy):
    rows = read_rows(data_copy, "city_roles")
    write_rows(data_copy, "city_roles", rows + [rows[1]])
    error = load_error(data_copy)
    assert_reported(
        error,
        "data/city_roles.csv, line 2, column 'sector'",
        "no other row with the same sector, place, source_id",
    )
    assert_reported(
        error,
        f"data/city_roles.csv, line {len(rows) + 1}, column 'place'",
        "no other row with the same sector, place, source_id",
    )


def test_negative_value(data_copy):
    line = line_of(data_copy, "facts", "quantum_hefei_firms")
    set_cell(data_copy, "facts", line, "value", "-93")
    error = load_error(data_copy)
    assert_reported(error, f"data/facts.csv, line {line}, column 'value'", "a number from 0 to inf", "-93")


def test_value_not_a_number(data_copy):
    line = line_of(data_copy, "facts", "quantum_hefei_firms")
    set_cell(data_copy, "facts", line, "value", "ninety-three")
    error = load_error(data_copy)
    assert_reported(
        error, f"data/facts.csv, line {line}, column 'value'", "a finite number (float)", "'ninety-three'"
    )


def test_unknown_bound(data_copy):
    line = line_of(data_copy, "facts", "quantum_hefei_patents")
    set_cell(data_copy, "facts", line, "bound", ">")
    error = load_error(data_copy)
    assert_reported(error, f"data/facts.csv, line {line}, column 'bound'", "one of: =, >=, <=, ~", "'>'")


def test_unknown_kind(data_copy):
    line = line_of(data_copy, "facts", "quantum_hefei_firms")
    set_cell(data_copy, "facts", line, "kind", "estimate")
    error = load_error(data_copy)
    assert_reported(
        error, f"data/facts.csv, line {line}, column 'kind'", "one of: actual, target, forecast", "estimate"
    )


@pytest.mark.parametrize("year", ["1999", "2051"])
def test_year_out_of_range(data_copy, year):
    line = line_of(data_copy, "facts", "quantum_hefei_firms")
    set_cell(data_copy, "facts", line, "year", year)
    error = load_error(data_copy)
    assert_reported(error, f"data/facts.csv, line {line}, column 'year'", "a number from 2000 to 2050", year)


def test_year_not_an_integer(data_copy):
    line = line_of(data_copy, "facts", "quantum_hefei_firms")
    set_cell(data_copy, "facts", line, "year", "2025.5")
    assert_reported(load_error(data_copy), f"line {line}, column 'year'", "a finite number (int)", "'2025.5'")


@pytest.mark.parametrize(
    ("column", "bad", "expected"),
    [
        # quantum_hefei_firms prints "93 家": 93, a count, exact
        ("value", "94", "expected 93 (parsed from '93 家'); got 94"),
        ("quantity_text", "94 家", "expected 94 (parsed from '94 家'); got 93"),
        ("bound", ">=", "expected = (parsed from '93 家'); got >="),
        ("unit", "CNY", "expected count (printed in '93 家'); got CNY"),
        ("is_unit_implied", "true", "expected count (printed in '93 家'); got count marked as implied"),
    ],
)
def test_quantity_text_disagrees_with_the_row(data_copy, column, bad, expected):
    line = line_of(data_copy, "facts", "quantum_hefei_firms")
    set_cell(data_copy, "facts", line, column, bad)
    assert_reported(load_error(data_copy), f"data/facts.csv, line {line}", expected)


def test_unparseable_quantity_text(data_copy):
    line = line_of(data_copy, "facts", "quantum_hefei_firms")
    set_cell(data_copy, "facts", line, "quantity_text", "很多家")
    error = load_error(data_copy)
    assert_reported(error, f"line {line}, column 'quantity_text'", "a parseable quantity", "'很多家'")


def test_implied_unit_must_be_marked(data_copy):
    line = line_of(data_copy, "facts", "quantum_beijing_cluster_2030")  # 千億級 prints no unit
    set_cell(data_copy, "facts", line, "is_unit_implied", "false")
    assert_reported(load_error(data_copy), f"line {line}, column 'is_unit_implied'", "prints no unit")


def test_unknown_source(data_copy):
    line = line_of(data_copy, "facts", "quantum_hefei_firms")
    set_cell(data_copy, "facts", line, "source_id", "anue-2025-10-28")
    error = load_error(data_copy)
    assert_reported(
        error,
        f"data/facts.csv, line {line}, column 'source_id'",
        "a value of sources.source_id",
        "anue-2025-10-28",
    )


def test_locator_past_the_last_paragraph(data_copy, synthetic_sources):
    folder, count = synthetic_sources
    line = line_of(data_copy, "facts", "quantum_hefei_patents")
    set_cell(data_copy, "facts", line, "locator", str(count + 1))
    error = load_error(data_copy, folder)
    expected = f"a paragraph number from 1 to {count} of anue-2025-10-27; got {count + 1}"
    assert_reported(error, f"data/facts.csv, line {line}, column 'locator'", expected)


def test_quantity_not_found_in_its_paragraph(data_copy, synthetic_sources):
    folder, _ = synthetic_sources
    line = line_of(data_copy, "facts", "quantum_hefei_patents")  # printed in paragraph 6, not 7
    set_cell(data_copy, "facts", line, "locator", "7")
    error = load_error(data_copy, folder)
    assert_reported(
        error,
        f"data/facts.csv, line {line}, column 'quantity_text'",
        "text found in paragraph 7 of anue-2025-10-27",
        "'超 2000 件', not in that paragraph",
    )


def test_source_text_with_another_checksum(data_copy, synthetic_sources):
    folder, _ = synthetic_sources
    path = next(folder.iterdir())
    path.write_text(path.read_text(encoding="utf-8") + "an edited copy\n", encoding="utf-8")
    error = load_error(data_copy, folder)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    line = line_of(data_copy, "sources", "anue-2025-10-27")
    assert_reported(error, f"data/sources.csv, line {line}, column 'sha256'", f"expected {digest}")


def test_file_not_utf8(data_copy):
    text = (data_copy / "facts.csv").read_text(encoding="utf-8")
    (data_copy / "facts.csv").write_bytes(
        text.encode("big5", errors="replace")
    )  # a Traditional-Chinese legacy
    # The header (line 1) is ASCII; the first Chinese character is on line 2 (the first fact's label_zh).
    error = load_error(data_copy)
    assert_reported(error, "data/facts.csv, line 2", "expected UTF-8 text", "got byte 0x")


def test_empty_file(data_copy):
    (data_copy / "cities.csv").write_text("", encoding="utf-8")
    assert_reported(
        load_error(data_copy), "data/cities.csv", "a header and at least one row", "an empty file"
    )


def test_header_only(data_copy):
    header = ",".join(COLUMNS["cities"]) + "\n"
    (data_copy / "cities.csv").write_text(header, encoding="utf-8")
    assert_reported(load_error(data_copy), "data/cities.csv", "at least one data row", "only a header")


def test_missing_file(data_copy):
    (data_copy / "sectors.csv").unlink()
    assert_reported(load_error(data_copy), "data/sectors.csv", "the file to exist")


def test_row_with_an_extra_field(data_copy):
    lines = (data_copy / "facts.csv").read_text(encoding="utf-8").splitlines()
    lines[2] += ",extra"  # line 3
    (data_copy / "facts.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    width = len(COLUMNS["facts"])
    expected = f"expected {width} comma-separated fields, as in the header; got {width + 1} fields"
    assert_reported(load_error(data_copy), "data/facts.csv, line 3", expected)


def test_row_with_a_missing_field(data_copy):
    lines = (data_copy / "cities.csv").read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0]  # line 4 loses its last field
    (data_copy / "cities.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    width = len(COLUMNS["cities"])
    assert_reported(load_error(data_copy), "data/cities.csv, line 4", f"got {width - 1} fields")


def test_blank_line_between_rows(data_copy):
    lines = (data_copy / "facts.csv").read_text(encoding="utf-8").splitlines()
    lines.insert(4, "")  # becomes line 5; pandas would skip it and shift every later line number
    (data_copy / "facts.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert_reported(load_error(data_copy), "data/facts.csv, line 5", "expected a data row; got a blank line")


def test_trailing_blank_lines_are_harmless(data_copy):
    path = data_copy / "facts.csv"
    path.write_text(path.read_text(encoding="utf-8") + "\n\n", encoding="utf-8")
    assert len(load_dataset(data_copy, sources_dir=None).facts) > 30


@pytest.mark.parametrize(
    ("table", "key", "column", "bad", "expected"),
    [
        ("cities", "hefei", "region", "central_china", "one of: yangtze_river_delta"),
        ("cities", "hefei", "latitude", "91", "a number from -90 to 90; got 91"),
        ("cities", "hefei", "latitude", "north", "a finite number (float)"),
        ("city_roles", "quantum", "role", "champion", "one of: leader, hub, specialist, follower, contender"),
        ("city_roles", "quantum", "locator", "0", "a number from 1 to inf"),
        ("facts", "quantum_hefei_firms", "is_unit_implied", "yes", "true or false"),
        ("facts", "quantum_hefei_firms", "label_en", "", "expected a value; got a blank cell"),
        ("sources", "anue-2025-10-27", "sha256", "ABC", "text matching ^[0-9a-f]{64}$"),
        ("sectors", "quantum", "sector_id", "quantum_tech", "one of: quantum, biomanufacturing"),
    ],
)
def test_other_bad_cells(data_copy, table, key, column, bad, expected):
    line = line_of(data_copy, table, key)
    set_cell(data_copy, table, line, column, bad)
    assert_reported(load_error(data_copy), f"data/{table}.csv, line {line}, column '{column}'", expected)


def test_every_fault_in_a_table_is_reported_at_once(data_copy):
    faults = {  # fact_id: (column, bad value)
        "quantum_hefei_firms": ("sector", "quantum_computing"),
        "quantum_hefei_rd_platforms": ("kind", "estimate"),
        "quantum_hefei_patents": ("bound", ">"),
        "bio_changping_firms": ("year", "1999"),
        "bci_china_market_2024": ("value", "33"),
    }
    lines = {}
    for fact_id, (column, bad) in faults.items():
        lines[fact_id] = line_of(data_copy, "facts", fact_id)
        set_cell(data_copy, "facts", lines[fact_id], column, bad)
    set_cell(data_copy, "city_roles", 2, "role", "champion")  # and one in another table
    error = load_error(data_copy)
    for fact_id, (column, _) in faults.items():
        assert_reported(error, f"data/facts.csv, line {lines[fact_id]}, column '{column}'")
    assert_reported(error, "data/city_roles.csv, line 2, column 'role'")
    assert str(error).startswith(f"{len(error.problems)} data problem(s), the first: data/")
    assert len(error.problems) >= len(faults) + 1


def test_validate_tables_returns_problems_without_raising(data_copy):
    set_cell(data_copy, "facts", 2, "kind", "estimate")
    frames, problems = validate_tables(data_copy)
    assert [p.column for p in problems] == ["kind"]
    assert isinstance(frames["facts"], pd.DataFrame)


def test_row_lines_survive_derived_frames_without_copying(data_copy):
    """attrs["lines"] is immutable: frames derived from a table share it (pandas deep-copies attrs each time)."""
    import copy

    frame, problems = read_raw_table("facts", data_copy)
    assert problems == []
    lines = frame.attrs["lines"]
    assert len(lines) == len(frame)
    assert lines[0] == 2  # the header is line 1
    assert copy.deepcopy(lines) is lines
    derived = frame[frame["kind"] == "target"][["fact_id", "year"]]
    assert derived.attrs["lines"] is lines
    with pytest.raises((TypeError, AttributeError)):
        lines.append(0)

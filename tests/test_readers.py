"""helpers.readers: the one CSV reader and the limited YAML reader, on inputs small enough to check by hand."""

from __future__ import annotations

import pytest
import yaml

from helpers.readers import (
    MAX_PROBLEMS_SHOWN,
    ReadError,
    cap_lines,
    expanded_size,
    load_yaml_text,
    parse_csv,
    read_csv_dicts,
)


def test_records_carry_the_line_they_start_on():
    # line 1 header; line 2 a record whose quoted cell spans lines 2-3; line 4 blank; line 5 a record
    table = parse_csv('\ufeffa,b\n1,"x\ny"\n\n3,4\n', "t.csv")
    assert table.header == ["a", "b"]  # the byte-order mark is not part of the first name
    assert table.records == [["1", "x\ny"], [], ["3", "4"]]
    assert table.lines == [2, 4, 5]


def test_an_unclosed_quote_names_the_line_it_opens_on():
    with pytest.raises(ReadError, match=r"t.csv, line 3: expected well-formed CSV"):
        parse_csv('a,b\n1,2\n3,"open\n4,5\n', "t.csv")


def test_missing_csv_file_gives_no_rows(tmp_path):
    assert read_csv_dicts(tmp_path / "none.csv") == []
    (tmp_path / "t.csv").write_bytes(b"\xef\xbb\xbfsector_id,name\nquantum,Q\n")
    assert read_csv_dicts(tmp_path / "t.csv") == [{"sector_id": "quantum", "name": "Q"}]


def test_expanded_size_counts_every_use_of_an_alias():
    # root mapping 1 + key a 1 + list 1 + 2 items = 5 for "a"; key b 1 + list 1 + three uses of a's list (3 each)
    node = yaml.compose("a: &x [1, 2]\nb: [*x, *x, *x]\n")
    assert expanded_size(node) == 1 + (1 + 3) + (1 + 1 + 3 * 3)


def test_yaml_limits():
    assert load_yaml_text("a: &x 1\nb: *x\n", "p.yml") == {"a": 1, "b": 1}
    with pytest.raises(ReadError, match="aliases"):
        load_yaml_text("x: &x 1\n" + "".join(f"k{i}: *x\n" for i in range(101)), "p.yml")
    with pytest.raises(ReadError, match="p.yml, line 1, column 1: not valid YAML"):
        load_yaml_text("\x00", "p.yml")
    with pytest.raises(ReadError, match="not valid YAML"):
        load_yaml_text("a: !!python/name:os.system\n", "p.yml")


def test_cap_lines_counts_the_rest():
    lines = [f"problem {i}" for i in range(MAX_PROBLEMS_SHOWN + 7)]
    capped = cap_lines(lines)
    assert capped[:MAX_PROBLEMS_SHOWN] == lines[:MAX_PROBLEMS_SHOWN]
    assert capped[-1] == "... and 7 more" and len(capped) == MAX_PROBLEMS_SHOWN + 1
    assert cap_lines(lines[:3]) == lines[:3]

"""What Chinese runs show instead of English (issue 13): the sources and disagreements tables, who says what when
sources disagree, and the session's header lines and assumptions table, on the hand-made evidence fixture
(tests/fixtures/evidence) and the frozen article data. Expectations are read off the fixture's rows by hand."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.data import load_dataset
from helpers.i18n import Labels, english_words
from helpers.session import start_notebook
from helpers.tables import disagreement_sources, disagreements_table, printed_text, sources_table

FIXTURE = Path(__file__).parent / "fixtures" / "evidence"
# A registry citing the compiler's Hefei firm count and the quantum roles of Hefei
REGISTRY = {"figures": [], "tables": [{"name": "t", "fact_ids": ["q_hefei_firms_c"], "files": {},
                                        "roles": [{"sector": "quantum", "place": "hefei"}]}]}  # fmt: skip


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(FIXTURE)


def _cells(frame: pd.DataFrame) -> list[str]:
    return [str(v) for v in [*frame.columns, *frame.to_numpy().ravel()]]


def test_who_says_what_when_the_sources_disagree(dataset):
    title, table = disagreement_sources(dataset, REGISTRY, Labels("en", dataset))
    # The Hefei firm count: index-report 95 (an origin, used), compiler and summary 93 (both derived from origin,
    # one step); fixture sources.csv gives the kinds and dates
    assert "differ in value" in title
    assert table.values.tolist() == [
        ["index-report", "report", "2025-12-01", "— (an independent origin)", 0, "95家", "exact", "✓"],
        ["compiler", "news", "2025-10-27", "origin", 1, "93 家", "exact", ""],
        ["summary", "news", "2025-10-26", "origin", 1, "93家", "exact", ""],
    ]
    title, table = disagreement_sources(dataset, REGISTRY, Labels("zh-Hant", dataset))
    assert title.startswith("來源之間的分歧：量子科技, 合肥") and "數值" in title
    assert table.iloc[0, :2].tolist() == ["index-report", "報告"]
    ids = set(
        dataset.sources["source_id"]
    )  # the fixture's source ids ("origin", "compiler") are ids, not words
    assert not [w for cell in [title, *_cells(table)] for w in english_words(cell, ids)]


def test_no_disagreement_gives_a_sentence_and_an_empty_table(dataset):
    registry = {"figures": [], "tables": [{"name": "t", "fact_ids": ["q_hefei_share_s"], "files": {}}]}
    title, table = disagreement_sources(dataset, registry, Labels("en", dataset))
    assert title.startswith("The sources of what this notebook cites do not disagree") and table.empty


def test_disagreements_table_in_chinese_names_roles_and_drops_english_terms(dataset):
    table = disagreements_table(dataset, REGISTRY, labels=Labels("zh-Hant", dataset))
    stated = table[Labels("zh-Hant", dataset)("as_printed")].tolist()
    # rows: the three firm counts as printed (Chinese already), then the two role statements: "stated: 領跑 (leads)"
    # keeps no English word, so the term goes and the basis is named; "inferred: first tier with others" likewise
    assert stated == ["95家", "93 家", "93家", "領跑者（來源明言）", "樞紐（推斷）"]
    key = table[Labels("zh-Hant", dataset)("cited_id")].tolist()
    # the first row is index-report's fact, label_zh 量子企业 (Simplified), shown in Traditional in a zh-Hant run
    assert key[0] == "量子科技/合肥/-/量子企業/實際/2025" and key[3] == "量子科技/合肥"
    assert not [w for cell in _cells(table) for w in english_words(cell, set(dataset.sources["source_id"]))]


def test_sources_table_in_chinese_names_the_role_by_sector_and_city(dataset):
    table = sources_table(dataset, REGISTRY, labels=Labels("zh-Hant", dataset))
    ids = table[Labels("zh-Hant", dataset)("cited_id")].tolist()
    assert "量子科技：合肥" in ids and not any(":" in i for i in ids)
    english = sources_table(dataset, REGISTRY, labels=Labels("en", dataset))
    assert "quantum:hefei" in english["Id"].tolist()  # English runs keep the id


def test_printed_text_writes_an_english_quantity_from_its_value_in_chinese_runs():
    data = load_dataset()  # the package's data hold pages in English ("3.2 billion yuan")
    english = data.facts[data.facts["quantity_text"].map(lambda t: bool(english_words(str(t))))]
    assert len(english), "no fact printed in English left to test with"
    fact = english.iloc[0]
    assert printed_text(data, fact["fact_id"], Labels("en", data)) == fact["quantity_text"]
    chinese = printed_text(data, fact["fact_id"], Labels("zh-Hans", data))
    assert chinese and not english_words(chinese)


def test_the_session_header_and_assumptions_table_follow_the_language(tmp_path):
    from conftest import article_dataset

    data = article_dataset()
    lines, tables = {}, {}
    for lang in ("en", "zh-Hant"):
        session = start_notebook("01_quantum", dataset=data, lang=lang, cities=["hefei"], scenario="high",
                                 output_dir=str(tmp_path / lang))  # fmt: skip
        lines[lang] = [session.plan_wording("quantum"), session.run_line(), session.as_of_line()]
        tables[lang] = session.assumptions_table()
    assert lines["en"][1] == "Labels in this run: en; money in CNY; cities shown: Hefei"
    assert lines["zh-Hant"][1] == "本次執行的標籤語言：zh-Hant；金額單位：CNY；顯示的城市：合肥"
    assert tables["en"].columns.tolist() == ["assumption", "value", "basis"]
    assert tables["en"].iloc[1, 0] == "scenario=high" and tables["en"].iloc[1, 1] == 1.5  # assumptions.yml
    assert tables["zh-Hant"].columns.tolist() == ["假設", "數值", "依據"]
    for text in [*lines["zh-Hant"], *_cells(tables["zh-Hant"])]:
        assert not english_words(text, {"zh-Hant"}), text
    pd.reset_option("display.show_dimensions")  # start_notebook in Chinese hides pandas' English footer

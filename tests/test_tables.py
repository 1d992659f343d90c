"""Figures written with their bounds, and the landscape table, checked against the article by hand."""

import pytest
from conftest import article_dataset

from helpers.i18n import Labels
from helpers.tables import (
    cited_in,
    format_figure,
    format_fraction,
    format_money,
    landscape_table,
    role_pairs,
    sources_table,
)


@pytest.fixture(scope="module")
def dataset():
    return article_dataset()


@pytest.fixture(scope="module")
def labels(dataset):
    return {lang: Labels(lang, dataset) for lang in ("en", "zh-Hant", "zh-Hans")}


def test_bounds_are_written_as_bounds(labels):
    en = labels["en"]
    assert format_figure(2000, ">=", "count", en) == ">2,000"  # 超 2000 件
    assert format_figure(0.5, "<=", "fraction", en) == "<1/2"  # 近半
    assert format_figure(1 / 3, "=", "fraction", en) == "1/3"  # 三分之一
    assert format_figure(93, "=", "count", en) == "93"
    assert format_figure(100, "=", "multiple", en) == "100×"  # 百倍
    assert format_figure(2035, "=", "year", en) == "2035"
    assert format_figure(1, "=", "rank", en) == "#1"  # 全國第一


def test_money_in_each_language_and_currency(labels):
    # 超 60 億元 = 6×10^9 CNY
    assert format_figure(6e9, ">=", "CNY", labels["en"]) == ">CNY 6 bn"
    assert format_figure(6e9, ">=", "CNY", labels["zh-Hant"]) == ">60 億元"
    assert format_figure(6e9, ">=", "CNY", labels["zh-Hans"]) == ">60 亿元"
    # 7.19×10^9 CNY at 7.19 CNY per USD = USD 1 bn = 10 億美元
    assert format_money(7.19e9, labels["en"], "USD", 7.19) == "USD 1 bn"
    assert format_money(7.19e9, labels["zh-Hant"], "USD", 7.19) == "10 億美元"
    # 55.8 億元 = 5.58×10^9
    assert format_money(5.58e9, labels["en"]) == "CNY 5.58 bn"


def test_fraction_falls_back_to_percent():
    assert format_fraction(0.25) == "1/4"
    assert format_fraction(0.437) == "44%"


def test_landscape_lists_every_city_of_the_sector(dataset, labels):
    table = landscape_table(dataset, "quantum", labels["en"])
    # paragraphs 6-8 name Hefei, Beijing, Shanghai, Nanjing, Shenzhen, Jinan and Hangzhou in quantum
    assert set(table["City"]) == {"Hefei", "Beijing", "Shanghai", "Nanjing", "Shenzhen", "Jinan", "Hangzhou"}
    patents = table[table["Fact id"] == "quantum_hefei_patents"].iloc[0]
    assert patents["Figure"] == ">2,000"
    assert patents["Role"] == "leader"


def test_landscape_keeps_districts_and_subsets(dataset, labels):
    table = landscape_table(dataset, "biomanufacturing", labels["zh-Hant"], cities=["beijing"])
    assert set(table["城市"]) == {"北京"}
    assert "昌平區" in set(table["區"])  # Changping District, paragraph 9
    assert ">120" in set(table["數值"])  # 120 餘家


# --- citations: one sources table for every notebook -----------------------------------------------------

REGISTRY = {
    "figures": [
        {"fact_ids": ["quantum_hefei_patents", "quantum_beijing_cluster_2030"],
         "roles": [{"sector": "hydrogen_fusion", "place": "hefei"}, {"sector": "quantum", "place": "beijing"}]},
    ],
    "tables": [{"fact_ids": ["quantum_hefei_patents"], "roles": [{"sector": "quantum", "place": "beijing"}]}],
}  # fmt: skip


def test_role_pairs_select_sectors_and_places_in_file_order(dataset):
    # The article places seven cities in quantum (¶6-8), Hefei first; Jinan focuses on one field (¶8).
    assert role_pairs(dataset, ["quantum"], ["jinan"]) == [("quantum", "jinan")]
    assert [p for _, p in role_pairs(dataset, ["quantum"])] == [
        "hefei", "beijing", "shanghai", "nanjing", "shenzhen", "jinan", "hangzhou",
    ]  # fmt: skip
    assert role_pairs(dataset, ["quantum"], ["chongqing"]) == []
    assert len(role_pairs(dataset)) == len(dataset.city_roles)


def test_cited_in_lists_facts_in_first_use_order_and_roles_once():
    fact_ids, roles = cited_in(REGISTRY)
    assert fact_ids == ["quantum_hefei_patents", "quantum_beijing_cluster_2030"]
    assert roles == [("hydrogen_fusion", "hefei"), ("quantum", "beijing")]


def test_sources_table_lists_facts_then_extra_facts_then_roles(dataset):
    table = sources_table(
        dataset, REGISTRY, extra_fact_ids=["h2f_foshan_revenue_2024", "quantum_hefei_patents"]
    )
    assert list(table["used_as"]) == ["fact", "fact", "fact", "city role", "city role"]
    # roles in data/city_roles.csv order: quantum rows come before hydrogen_fusion rows
    assert list(table["id"]) == ["quantum_hefei_patents", "quantum_beijing_cluster_2030",
                                 "h2f_foshan_revenue_2024", "quantum:beijing", "hydrogen_fusion:hefei"]  # fmt: skip
    # as printed in the article: 超 2000 件 (¶6), 千億級 (¶7), 達 120 億元 (¶12); Beijing's quantum role ¶7,
    # Hefei's fusion role ¶13
    assert list(table["quantity_text"]) == ["超 2000 件", "千億級", "達 120 億元", "", ""]
    assert list(table["paragraph"]) == [6, 7, 12, 7, 13]
    assert set(table["source_id"]) == {"anue-2025-10-27"}


def test_sources_table_in_traditional_chinese(dataset, labels):
    table = sources_table(dataset, REGISTRY, labels=labels["zh-Hant"])
    assert list(table.columns) == ["用途", "編號", "原文", "資料來源", "段"]
    assert list(table["用途"]) == ["事實", "事實", "城市角色", "城市角色"]


def test_sources_table_names_an_unknown_extra_fact(dataset):
    with pytest.raises(KeyError, match="no_such_fact"):
        sources_table(dataset, REGISTRY, extra_fact_ids=["no_such_fact"])

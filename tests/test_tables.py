"""Figures written with their bounds, and the landscape table, checked against the article by hand."""

import pytest

from helpers.data import load_dataset
from helpers.i18n import Labels
from helpers.tables import format_figure, format_fraction, format_money, landscape_table


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


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

"""Unit tests of helpers.analysis.quantum, with expected values worked out by hand from anue-2025-10-27.

Paragraph 6: Hefei has 93 家 quantum firms (exact), 24 個 R&D platforms (exact) and 超 2000 件 patents (over
2,000: a lower bound). Paragraph 7: Beijing plans a 千億級 cluster by 2030 (千億 = 1,000 x 10^8 = 10^11 yuan,
an order of magnitude; no currency printed). Paragraphs 6-8 name seven cities: Hefei; Beijing, Shanghai,
Nanjing; Shenzhen, Jinan, Hangzhou.
"""

from __future__ import annotations

import math
import re

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from conftest import article_dataset

from helpers import plots, selection  # noqa: E402
from helpers.analysis import (
    common,
    figures,  # noqa: E402
)
from helpers.analysis import quantum as q  # noqa: E402
from helpers.i18n import Labels, load_catalogue  # noqa: E402
from helpers.indicators import Bounded  # noqa: E402
from helpers.session import start_notebook  # noqa: E402

QUANTUM_CITIES = ["hefei", "beijing", "shanghai", "nanjing", "shenzhen", "jinan", "hangzhou"]
QUANTUM_TAGS = ["computing", "communication", "metrology", "research", "chips", "cloud", "components", "funding"]  # fmt: skip


@pytest.fixture(scope="module")
def ds():
    return article_dataset()


@pytest.fixture
def session_for(tmp_path):
    def make(**params):
        return start_notebook(
            dataset=article_dataset(), notebook="01_quantum", output_dir=str(tmp_path / "out"), **params
        )

    yield make
    plt.close("all")


def test_counts_are_the_sectors_actual_counts_each_once(ds):
    frame = q.counts(ds)
    # ¶6: 93 家 firms (exact), 24 個 platforms (exact), 超 2000 件 patents (a lower bound), all Hefei's
    assert sorted(zip(frame["indicator"], frame["value"], frame["bound"], strict=True)) == [
        ("quantum_firms", 93, "="),
        ("quantum_patents", 2000, ">="),
        ("rd_platforms_provincial_or_above", 24, "="),
    ]
    assert q.count_leaders(frame) == (["hefei"], 3)
    assert q.counts(ds, ["beijing"]).empty and q.count_leaders(q.counts(ds, ["beijing"])) == ([], 0)


def test_places_with_figures_and_the_sentence_printed_from_them(ds):
    assert common.places_with_figures(ds, q.SECTOR) == {
        "hefei": 3,
        "beijing": 1,
    }  # three counts; the 2030 target
    assert (
        common.figures_sentence(ds, Labels("en", ds), q.SECTOR)
        == "Observations in the sources, by place: Hefei 3, Beijing 1"
    )
    assert common.figures_sentence(ds, Labels("en", ds), q.SECTOR, ["chengdu"]).startswith(
        "No place among the chosen cities"
    )


def test_ratios_of_the_counts_carry_bounds(ds):
    ratios = selection.derived(ds, sector="quantum").set_index("derivation_id")
    # patents / firms = 2000 / 93 = 21.505...; "over" 2,000 over an exact 93 is a lower bound
    assert math.isclose(ratios.loc["patents_per_firm", "value"], 21.50537634, rel_tol=1e-8)
    assert ratios.loc["patents_per_firm", "bound"] == ">="
    # patents / platforms = 2000 / 24 = 83.33...; again a lower bound
    assert math.isclose(ratios.loc["patents_per_platform", "value"], 83.33333333, rel_tol=1e-8)
    assert ratios.loc["patents_per_platform", "bound"] == ">="
    # platforms / firms = 24 / 93 = 0.258064...; both exact, so exact
    assert math.isclose(ratios.loc["platforms_per_firm", "value"], 0.25806452, rel_tol=1e-7)
    assert ratios.loc["platforms_per_firm", "bound"] == "="
    assert set(ratios["place"]) == {"hefei"}


def test_format_bounded_and_significant():
    assert common.format_bounded(Bounded(2000 / 93, ">=")) == ">21.5"
    assert common.format_bounded(Bounded(24 / 93, "=")) == "0.258"
    assert common.format_bounded(Bounded(2000 / 24, ">=")) == ">83.3"
    assert common.format_bounded(Bounded(150.0, "~"), 2) == "~150"  # never "1.5e+02"
    assert common.format_bounded(Bounded(0.5, "<=")) == "<0.500"
    assert common.format_significant(1_234_567, 3) == "1,230,000"
    assert common.format_significant(0, 3) == "0"


def test_order_of_magnitude():
    assert common.order_of_magnitude(1e11) == 11  # 千億 = 10^11
    assert common.order_of_magnitude(9e11) == 11  # 9000 億 = 9 x 10^11
    assert common.order_of_magnitude(6e9) == 9  # 60 億 = 6 x 10^9
    with pytest.raises(ValueError):
        common.order_of_magnitude(0)


def test_money_target_reading(ds):
    targets = q.money_targets(ds)
    assert list(targets["place"]) == ["beijing"]  # ¶7: the 千億級 cluster by 2030, the only money target
    reading = q.target_reading(targets.iloc[0], horizon_year=2030, as_of_year=2025)
    assert reading["quantity_text"] == "千億級"
    assert reading["value"] == 1e11 and reading["bound"] == ">="
    assert reading["order_of_magnitude"] == 11
    assert reading["is_currency_implied"] is True
    assert reading["year"] == 2030
    assert reading["years_left"] == 5  # 2030 - 2025
    assert reading["is_within_horizon"] is True
    assert q.target_reading(targets.iloc[0], horizon_year=2029, as_of_year=2025)["is_within_horizon"] is False


def test_target_readings_table_in_chinese(session_for):
    session = session_for(lang="zh-Hant", horizon_year=2026)
    table = q.target_readings_table(session)
    row = table.iloc[0]
    assert row["原文"] == "千億級"
    assert row["剩餘年數"] == "5"  # 2030 - 2025, the year of the fixture's latest source (Anue, 2025-10-27)
    assert row["在預測期限內"] == "否"
    assert row["幣別"].startswith("原文未載幣別")
    assert q.target_readings_table(session_for(lang="en", cities=["hefei"])).empty


def test_focus_matrix_quantum(ds):
    matrix = common.focus_matrix(ds, "quantum")
    assert list(matrix.index) == QUANTUM_CITIES
    assert list(matrix.columns) == ["role"] + QUANTUM_TAGS
    assert list(matrix.loc["hefei", QUANTUM_TAGS]) == [True, True, True, False, False, False, False, False]
    # tags per city, counted by hand from data/city_roles.csv (paragraphs 6-8)
    assert common.tag_counts(matrix).to_dict() == {
        "hefei": 3, "beijing": 1, "shanghai": 1, "nanjing": 1, "shenzhen": 2, "jinan": 2, "hangzhou": 2,
    }  # fmt: skip
    assert common.widest_focus(matrix) == (["hefei"], 3)
    assert matrix.loc["hefei", "role"] == "leader"


def test_focus_matrix_subsets(ds):
    subset = common.focus_matrix(ds, "quantum", ["shenzhen", "beijing"])
    assert list(subset.index) == ["beijing", "shenzhen"]  # file order, not the order asked
    assert list(subset.columns) == ["role"] + QUANTUM_TAGS  # same columns as the full matrix
    assert common.widest_focus(subset) == (["shenzhen"], 2)  # Beijing: research only (¶7 names no computing)
    empty = common.focus_matrix(ds, "quantum", ["chengdu"])
    assert empty.empty and common.widest_focus(empty) == ([], 0)


def test_focus_matrix_table(ds):
    table = common.focus_matrix_table(common.focus_matrix(ds, "quantum", ["jinan"]), Labels("zh-Hant", ds))
    assert table.iloc[0]["城市"] == "濟南"
    assert table.iloc[0]["量子通訊"] == "✓" and table.iloc[0]["核心零件"] == "✓"
    assert table.iloc[0]["量子運算"] == ""


def test_fact_ids_helpers(ds):
    assert common.sector_fact_ids(ds, "quantum") == list(
        ds.facts.loc[ds.facts["sector"] == "quantum", "fact_id"]
    )
    labels = Labels("en", ds)
    import pandas as pd

    table = pd.DataFrame({"Fact id": ["x / y", "", "x"]})
    assert common.table_fact_ids(table, labels, ["z"]) == ["x", "y"]
    assert common.table_fact_ids(table.iloc[0:0], labels, ["z"]) == ["z"]


def test_messages_have_prefix_and_no_latin_in_chinese():
    catalogue = load_catalogue()
    keys = [k for k in catalogue if k.startswith("q_")]
    assert len(keys) > 20
    for key in keys:
        text = re.sub(r"\{[a-z_]+\}", "", catalogue[key]["zh-Hant"])
        # allowed Latin in Chinese labels: none (numbers and symbols are fine)
        assert not re.search(r"[A-Za-z]", text.replace("data/city_roles.csv", "")), (key, text)


def test_figures_titles_state_findings(session_for):
    session = session_for(lang="en")
    title = q.figure_counts(session).fig._suptitle.get_text().replace("\n", " ")
    assert title == "Quantum counts in the sources: 3 indicators across 1 place(s); Hefei has the most (3)"
    title = figures.figure_derived(session, q.SECTOR, q.ratios_title(session)).fig._suptitle.get_text()
    assert (
        title.replace("\n", " ")
        == "Ratios of quantum counts the sources support: 3 for Hefei, each with its bound"
    )
    fig = common.figure_focus_matrix(session, q.SECTOR)
    assert "Hefei covers the most focus fields (3) of 7 cities" in fig._suptitle.get_text().replace("\n", " ")


def _draw_all(session):
    return [
        q.figure_counts(session).fig,
        figures.figure_derived(session, q.SECTOR, q.ratios_title(session)).fig,
        common.figure_focus_matrix(session, q.SECTOR),
    ]


def test_figures_without_the_cities(session_for):
    session = session_for(lang="zh-Hans", cities=["chengdu"])
    for fig in _draw_all(session):
        texts = [t.get_text() for t in fig.axes[0].texts]
        assert "所选城市无数据" in texts  # "no data for the chosen cities", in Simplified


def test_figures_in_chinese_have_no_latin_labels_and_no_layout_problem(session_for):
    session = session_for(lang="zh-Hant", currency="USD")
    for fig in _draw_all(session):
        fig.draw_without_rendering()  # tick labels are made at draw time
        assert plots.layout_problems(fig) == []
        texts = [fig._suptitle.get_text()]
        for ax in fig.axes:
            texts += [ax.get_xlabel(), ax.get_title()] + [t.get_text() for t in ax.get_yticklabels()]
            texts += [t.get_text() for t in ax.get_xticklabels()]
            legend = ax.get_legend()
            if legend is not None:
                texts += [t.get_text() for t in legend.get_texts()]
        for text in texts:  # log-axis ticks are mathtext ("$\\mathdefault{10^{1}}$"): drop them first
            assert not re.search(r"[A-Za-z]{2,}", re.sub(r"\$[^$]*\$", "", text)), text


def test_panel_axes_speak_their_unit(session_for):
    # a fraction's ticks read as the percentages written beside its markers, a multiple's with "×"; counts
    # keep plain numbers and a log axis its own ticks
    session = session_for(lang="en")
    fig, axes = plt.subplots(1, 4)
    for ax, unit in zip(axes, ["fraction", "multiple", "count", "fraction"], strict=True):
        ax.set_xlim(0, 0.5 if unit == "fraction" else 120)
        if ax is axes[3]:
            ax.set_xscale("log")
            ax.set_xlim(0.01, 1)
        figures.unit_axis(ax, session, unit)
    assert [axes[0].xaxis.get_major_formatter()(x, 0) for x in (0.0, 0.25, 0.4)] == ["0%", "25%", "40%"]
    assert [axes[1].xaxis.get_major_formatter()(x, 0) for x in (20, 2.5, 100)] == ["20×", "2.5×", "100×"]
    assert type(axes[2].xaxis.get_major_formatter()).__name__ == "ScalarFormatter"
    assert type(axes[3].xaxis.get_major_formatter()).__name__ == "LogFormatterSciNotation"
    # in a panels figure: Shenzhen's share of synthetic biology (0.5 in the article, a fraction) on a % axis
    frame = selection.observations(session.dataset, sector="biomanufacturing", unit="fraction")
    result = figures.figure_panels(session, frame, "title")
    assert result.fig.axes[0].xaxis.get_major_formatter()(0.5, 0) == "50%"

"""helpers.analysis.hydrogen_fusion: focus classes, derived ratios with their bounds, figures that survive any
subset of cities, and no English word in a Chinese figure.

Expected values are worked out by hand from the Anue article (anue-2025-10-27, paragraphs 11 to 13).
"""

from __future__ import annotations

import re
import warnings

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import pytest
from conftest import article_dataset
from matplotlib.text import Text

from helpers.analysis import common
from helpers.analysis import hydrogen_fusion as h2f
from helpers.i18n import Labels
from helpers.outputs import OutputSink
from helpers.plots import apply_theme

matplotlib.use("Agg")

# Latin tokens allowed in a Chinese figure: source ids, currency codes and units.
ALLOWED_LATIN = {"anue", "pkg", "reference", "assumptions", "CNY", "USD", "km"}


@pytest.fixture(scope="module")
def ds():
    return article_dataset()


@pytest.fixture(scope="module")
def en(ds):
    return Labels("en", ds)


def latin_words(fig) -> set[str]:
    """Latin words of three letters or more in any text of `fig`, minus the allowed ones."""
    fig.canvas.draw()  # tick labels exist only once drawn
    words = set()
    for artist in fig.findobj(Text):
        text = re.sub(r"\\[A-Za-z]+", "", artist.get_text())  # minus mathtext commands of log-scale ticks
        words |= set(re.findall(r"[A-Za-z]{3,}", text))
    return words - ALLOWED_LATIN


# ---------------------------------------------------------------------------------------------- focus classes
@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ("hydrogen;fuel_cells;infrastructure;fusion", "both"),  # Beijing, ¶11: catalysts, buses, ITER
        ("hydrogen;fuel_cells", "hydrogen"),  # Shanghai, ¶11
        ("hydrogen;policy;investment", "hydrogen"),  # Guangzhou, ¶12
        ("fusion;components", "fusion"),  # Shenzhen, ¶13
        ("fusion", "fusion"),  # Hefei's Kuafu device, ¶13
    ],
)
def test_classify_focus(tags: str, expected: str) -> None:
    assert h2f.classify_focus(tags) == expected


def test_classify_focus_rejects_tags_without_hydrogen_or_fusion() -> None:
    with pytest.raises(ValueError, match="neither hydrogen nor fusion"):
        h2f.classify_focus("policy;investment")


def test_city_focus_lists_every_city_of_paragraphs_11_to_13(ds) -> None:
    # ¶11 Beijing, Shanghai; ¶12 Guangzhou, Foshan, Chongqing; ¶13 Hefei, Chengdu, Shenzhen: eight places.
    table = h2f.city_focus(ds).set_index("place")
    assert sorted(table.index) == sorted(
        ["beijing", "shanghai", "guangzhou", "foshan", "chongqing", "hefei", "chengdu", "shenzhen"]
    )
    assert table.loc["beijing", "focus"] == "both"
    assert set(table.index[table["focus"] == "fusion"]) == {"hefei", "chengdu", "shenzhen"}
    assert table.loc["hefei", "locator"] == 13
    assert table["latitude"].notna().all() and table["longitude"].notna().all()


def test_city_focus_respects_the_subset(ds) -> None:
    assert list(h2f.city_focus(ds, ["hefei", "tianjin"])["place"]) == [
        "hefei"
    ]  # Tianjin is not in the sector
    assert h2f.city_focus(ds, ["china"]).empty


# --------------------------------------------------------------------------------------------- derived ratios
def test_buses_per_station_is_exact(ds) -> None:
    # 達 1200 輛 / 35 座, both exact: 1200 / 35 = 34 + 10/35 = 34.2857...
    result = h2f.derive_ratio(ds, "buses_per_station")
    assert result.value == pytest.approx(34.2857, abs=1e-4)
    assert result.bound == "="


def test_investment_per_project_is_an_approximation_without_direction(ds) -> None:
    # 超 40 億元 / 20 餘個: 4,000,000,000 / 20 = 200,000,000 (2 億元); two lower bounds give "~".
    result = h2f.derive_ratio(ds, "investment_per_project")
    assert result.value == pytest.approx(2e8)
    assert result.bound == "~"


def test_derive_ratio_is_none_when_the_subset_leaves_out_its_facts(ds) -> None:
    assert h2f.derive_ratio(ds, "buses_per_station", ["guangzhou"]) is None
    assert h2f.derive_ratio(ds, "investment_per_project", ["guangzhou"]) is not None
    with pytest.raises(KeyError):
        h2f.derive_ratio(ds, "stations_per_bus")


def test_format_ratio_in_each_language(ds, en) -> None:
    buses = h2f.derive_ratio(ds, "buses_per_station")
    investment = h2f.derive_ratio(ds, "investment_per_project")
    assert h2f.format_ratio(buses, "buses_per_station", en) == "34.3"
    assert h2f.format_ratio(investment, "investment_per_project", en) == "~CNY 200 m"
    assert h2f.format_ratio(investment, "investment_per_project", Labels("zh-Hant", ds)) == "~2 億元"
    assert h2f.format_ratio(investment, "investment_per_project", Labels("zh-Hans", ds)) == "~2 亿元"


def test_ratios_table_cites_both_inputs(ds, en) -> None:
    table, used = h2f.ratios_table(ds, en)
    assert list(table[en("value")]) == ["34.3", "~CNY 200 m"]
    assert list(table[en("h2f_col_inputs")]) == ["達 1200 輛 / 35 座", "超 40 億元 / 20 餘個"]
    assert used == [
        "h2f_beijing_hydrogen_buses_2025",
        "h2f_beijing_refuelling_stations_2025",
        "h2f_guangzhou_investment",
        "h2f_guangzhou_projects",
    ]
    empty, none_used = h2f.ratios_table(ds, en, cities=["hefei"])
    assert empty.empty and none_used == []


def test_ratio_sentence_states_inputs_result_and_bound(ds, en) -> None:
    text = h2f.ratio_sentence(ds, en, "investment_per_project")
    assert text.startswith("Investment per hydrogen project: >CNY 4 bn / >20 = ~CNY 200 m")
    assert "not shown" in h2f.ratio_sentence(ds, en, "buses_per_station", cities=["foshan"])


# -------------------------------------------------------------------------------------- citations and sources
def test_reference_source_names_the_coordinates_source(ds) -> None:
    assert h2f.reference_source(ds, ["beijing", "hefei"]) == "pkg-reference"  # data/cities.csv source_id


def test_roles_table_gives_paragraphs(ds, en) -> None:
    table = common.roles_table(ds, h2f.SECTOR, en, ["chengdu", "foshan"])
    assert list(table[en("city")]) == ["Foshan", "Chengdu"]  # file order
    assert list(table[en("paragraph")]) == [12, 13]


def test_save_cited_saves_only_what_cites_a_fact_or_a_role(ds, en, tmp_path, capsys) -> None:
    sink = OutputSink("03_test", tmp_path, ds, en)
    fig, _ = plt.subplots()
    common.save_cited(sink, fig, "empty_figure", "caption", [])
    assert "not saved" in capsys.readouterr().out
    common.save_cited(sink, fig, "cited_figure", "caption", ["h2f_foshan_revenue_2024"])
    common.save_cited(sink, pd.DataFrame({"a": [1]}), "cited_table", "caption", ["h2f_foshan_revenue_2024"])
    common.save_cited(
        sink, plt.subplots()[0], "role_figure", "caption", [], roles=[("hydrogen_fusion", "hefei")]
    )
    assert [e["name"] for e in sink.registry["tables"]] == ["cited_table"]
    assert [e["name"] for e in sink.registry["figures"]] == ["cited_figure", "role_figure"]
    plt.close("all")


def test_wrap_label_keeps_latin_words_whole_in_chinese() -> None:
    wrapped = h2f.wrap_label("2027 年以後：本套件之假設（pkg-assumptions），並非資料來源", "zh-Hant", 30)
    assert "pkg-assumptions" in wrapped.replace("\n", "")
    assert all("pkg-assumptions" in line or "pkg" not in line for line in wrapped.split("\n"))
    assert h2f.wrap_label("a b c", "en", 3) == "a b\nc"


# ---------------------------------------------------------------------------------------------------- figures
def test_titles_state_the_findings(ds, en) -> None:
    facts = h2f.shown_facts(ds)
    # Hydrogen: Beijing, Shanghai, Guangzhou, Foshan, Chongqing = 5; fusion: Beijing, Hefei, Chengdu, Shenzhen = 4.
    assert h2f.map_title(h2f.city_focus(ds), facts, en).split("\n") == [
        "Hydrogen in 5 cities, fusion in 4; on both: Beijing",
        "The article's figures are all about hydrogen; it gives none for the fusion sites",
    ]
    # Actuals are for 2024 (去年) and 2025 (今年); the one target is Shanghai's 2035 centre.
    assert h2f.timeline_title(facts, en) == (
        "Hydrogen figures are actuals for 2024–2025; the one dated goal is for 2035"
    )
    assert h2f.timeline_title(h2f.shown_facts(ds, ["foshan"]), en) == (
        "Hydrogen figures for the chosen cities are actuals for 2024"
    )


PLOTS = ["plot_city_map", "plot_measure_panels", "plot_timeline", "plot_ratios"]


@pytest.mark.parametrize("plot", PLOTS)
@pytest.mark.parametrize("cities", [[], ["beijing", "guangzhou"], ["hefei", "chengdu"], ["china"]])
def test_figures_survive_any_subset(ds, en, plot: str, cities: list[str]) -> None:
    function = getattr(h2f, plot)
    fig, fact_ids = (
        function(ds, en, cities=cities) if plot == "plot_city_map" else function(ds, en, "CNY", 7.19, cities)
    )
    assert set(fact_ids) <= set(h2f.shown_facts(ds, cities)["fact_id"])
    if cities in (["hefei", "chengdu"], ["china"]) and plot != "plot_city_map":
        assert fact_ids == []
        assert any(en("no_data") == t.get_text() for t in fig.findobj(Text))
    plt.close(fig)


def test_map_of_fusion_sites_has_no_fact_to_cite(ds, en) -> None:
    fig, fact_ids = h2f.plot_city_map(ds, en, ["hefei", "chengdu"])
    assert fact_ids == []  # drawn, but the sink cannot save it: no figure for these cities
    plt.close(fig)


@pytest.mark.parametrize("lang", ["zh-Hant", "zh-Hans"])
@pytest.mark.parametrize("plot", PLOTS)
def test_chinese_figures_have_no_english_words_and_no_missing_glyphs(ds, lang: str, plot: str) -> None:
    labels = Labels(lang, ds)
    apply_theme(lang)
    function = getattr(h2f, plot)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig, _ = function(ds, labels) if plot == "plot_city_map" else function(ds, labels, "USD", 7.19)
        assert latin_words(fig) == set()
    assert not [str(w.message) for w in caught if "missing from font" in str(w.message)]
    plt.close(fig)


def test_plain_log_ticks_write_plain_numbers() -> None:
    fig, ax = plt.subplots()
    ax.set_xscale("log")
    h2f.plain_log_ticks(ax.xaxis)
    major, minor = ax.xaxis.get_major_formatter(), ax.xaxis.get_minor_formatter()
    assert major(1000, 0) == "1,000" and major(10, 0) == "10"
    assert (minor(20, 0), minor(50, 0), minor(30, 0)) == ("20", "50", "")  # only 2× and 5× a power of ten
    plt.close(fig)

"""helpers.analysis.hydrogen_fusion: focus classes, derived ratios with their bounds, figures that survive any
subset of cities, and no English word in a Chinese figure.

Expected values are worked out by hand from the frozen one-article fixture (tests/fixtures/article: the Anue
article, paragraphs 11 to 13); the ratios are the rows of data/derivations.csv for the sector.
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

from helpers import selection
from helpers.analysis import common, figures
from helpers.analysis import hydrogen_fusion as h2f
from helpers.i18n import Labels
from helpers.outputs import OutputSink
from helpers.plots import apply_theme, layout_problems
from helpers.session import start_notebook

matplotlib.use("Agg")

# Latin tokens allowed in a Chinese figure: source ids, currency codes and units.
ALLOWED_LATIN = {"anue", "pkg", "reference", "assumptions", "CNY", "USD", "km"}


@pytest.fixture(scope="module")
def ds():
    return article_dataset()


@pytest.fixture(scope="module")
def en(ds):
    return Labels("en", ds)


@pytest.fixture
def session_for(tmp_path):
    def make(**params):
        return start_notebook(
            dataset=article_dataset(),
            notebook="03_hydrogen_fusion",
            output_dir=str(tmp_path / "out"),
            **params,
        )

    yield make
    plt.close("all")


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
    ratios = selection.derived(ds, sector=h2f.SECTOR).set_index("derivation_id")
    assert ratios.loc["buses_per_station", "value"] == pytest.approx(34.2857, abs=1e-4)
    assert ratios.loc["buses_per_station", "bound"] == "="


def test_investment_per_project_is_an_approximation_without_direction(ds) -> None:
    # 超 40 億元 / 20 餘個: 4,000,000,000 / 20 = 200,000,000 (2 億元); two lower bounds give "~".
    ratios = selection.derived(ds, sector=h2f.SECTOR).set_index("derivation_id")
    assert ratios.loc["investment_per_project", "value"] == pytest.approx(2e8)
    assert ratios.loc["investment_per_project", "bound"] == "~"
    assert ratios.loc["investment_per_project", "district_en"] == "Development zone"
    # the article gives no fuel-cell vehicle count: no vehicles per station
    assert "vehicles_per_station" not in ratios.index


def test_ratios_follow_the_chosen_cities(ds) -> None:
    assert list(selection.derived(ds, sector=h2f.SECTOR, places=["guangzhou"])["derivation_id"]) == [
        "investment_per_project"
    ]
    assert selection.derived(ds, sector=h2f.SECTOR, places=["hefei"]).empty


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", ["34.3", "~CNY 200 m"]), ("zh-Hant", ["34.3", "~2 億元"]), ("zh-Hans", ["34.3", "~2 亿元"])],
)
def test_ratios_table_in_each_language(session_for, lang: str, expected: list[str]) -> None:
    session = session_for(lang=lang)
    table = figures.derived_table(session, h2f.SECTOR)
    assert list(table[session.labels("value")]) == expected


# ------------------------------------------------------------------------------ what the figures measure, when
def test_measure_counts_of_the_actuals(session_for) -> None:
    # ¶11-12 actuals: buses, stations, support measures, projects (counts), Shanghai's km (distance),
    # Guangzhou's investment, Foshan's revenue: 4 counts and one each of the others, in first appearance order.
    actuals = h2f.actual_observations(session_for(lang="en"))
    assert h2f.measure_counts(actuals) == {"count": 4, "distance": 1, "investment": 1, "revenue": 1}


def test_doubtful_figures_are_the_flagged_ones(session_for) -> None:
    # Shanghai's 超計 300 萬公里 is the article's only garbled phrase (note "Garbled in the source")
    table = h2f.doubtful_table(session_for(lang="en"))
    assert list(table["As printed"]) == ["超計 300 萬公里"]
    assert list(table["Figure"]) == [">3,000,000 km"]
    assert h2f.doubtful_table(session_for(lang="en", cities=["beijing"])).empty


def test_milestones_are_to_scale_with_their_finding(session_for) -> None:
    session = session_for(lang="en")
    # the article's one dated milestone: Shanghai's 2035 hydrogen centre (a target); the article is of 2025
    assert list(h2f.milestone_observations(session)["year"]) == [2035]
    result = h2f.figure_milestones(session)
    assert result.fig._suptitle.get_text().replace("\n", " ") == (
        "1 dated milestones, 2035–2035: 0 reached, 1 goals or expectations (1 after 2025)"
    )
    low, high = result.fig.axes[0].get_xlim()
    assert low < 2025 and high > 2035  # years to scale, from the source's year to the goal and the horizon
    empty = h2f.figure_milestones(session_for(lang="en", cities=["foshan"]))
    assert not empty.has_data


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
    wrapped = common.wrap_label("2027 年以後：本套件之假設（pkg-assumptions），並非資料來源", "zh-Hant", 30)
    assert "pkg-assumptions" in wrapped.replace("\n", "")
    assert all("pkg-assumptions" in line or "pkg" not in line for line in wrapped.split("\n"))
    assert common.wrap_label("a b c", "en", 3) == "a b\nc"


def test_wrap_label_breaks_between_clauses_when_each_fits_a_line() -> None:
    # 6G's title (127 characters, width 95): plain wrapping broke "Share of / global 6G patent applications";
    # the clauses (50 and 77 characters) fit a line each
    title = ("15 6G actuals and test results in 9 indicator(s); the one given for the most places: Share of global "
             "6G patent applications (3)")  # fmt: skip
    assert common.wrap_label(title, "en", 95).split("\n") == [
        "15 6G actuals and test results in 9 indicator(s);",
        "the one given for the most places: Share of global 6G patent applications (3)",
    ]
    # packed onto as few lines as fit: "aaaa; bbbb;" is 11 > 10, "bbbb; cccc" is 10
    assert common.wrap_label("aaaa; bbbb; cccc", "en", 10) == "aaaa;\nbbbb; cccc"
    assert common.wrap_label("aa; bb", "en", 10) == "aa; bb"  # one line: nothing to break
    # a clause longer than a line: plain wrapping, as before
    assert common.wrap_label("aaaa bbbb cccc dddd; e", "en", 10) == "aaaa bbbb\ncccc dddd;\ne"
    # Chinese clauses (a CJK character counts as two): "合肥最多（3）；" is 15, with "北京次之" 23 > 16
    assert common.wrap_label("合肥最多（3）；北京次之", "zh-Hant", 16) == "合肥最多（3）；\n北京次之"


# ---------------------------------------------------------------------------------------------------- figures
def test_map_title_states_the_finding(ds, en) -> None:
    facts = h2f.shown_facts(ds)
    # Hydrogen: Beijing, Shanghai, Guangzhou, Foshan, Chongqing = 5; fusion: Beijing, Hefei, Chengdu, Shenzhen = 4.
    assert h2f.map_title(h2f.city_focus(ds), facts, en).split("\n") == [
        "Hydrogen in 5 cities, fusion in 4; on both: Beijing",
        "The sources' figures are all about hydrogen; they give none for the fusion sites",
    ]


def draw_all(session):
    """Every figure of notebook 03 for the session's cities."""
    cities = list(session.settings.get("cities") or [])
    return {
        "map": (h2f.plot_city_map(session.dataset, session.labels, cities)[0], None),
        "actuals": (h2f.figure_actuals(session).fig, h2f.figure_actuals(session).fact_ids),
        "milestones": (h2f.figure_milestones(session).fig, h2f.figure_milestones(session).fact_ids),
        "ratios": (
            figures.figure_derived(session, h2f.SECTOR, figures.derived_title(session, h2f.SECTOR)).fig,
            None,
        ),
    }


@pytest.mark.parametrize("cities", [[], ["beijing", "guangzhou"], ["hefei", "chengdu"], ["china"]])
def test_figures_survive_any_subset(session_for, ds, cities: list[str]) -> None:
    session = session_for(lang="en", cities=cities)
    shown = set(h2f.shown_facts(ds, cities)["fact_id"])
    for name, (fig, fact_ids) in draw_all(session).items():
        if fact_ids is not None and name != "milestones":
            assert set(fact_ids) <= shown, name
        if cities in (["hefei", "chengdu"], ["china"]) and name != "map":
            assert any(
                en_text == "No data for the chosen cities"
                for en_text in map(Text.get_text, fig.findobj(Text))
            )


def test_map_of_fusion_sites_has_no_fact_to_cite(ds, en) -> None:
    fig, fact_ids = h2f.plot_city_map(ds, en, ["hefei", "chengdu"])
    assert fact_ids == []  # drawn, but the sink cannot save it: no figure for these cities
    plt.close(fig)


@pytest.mark.parametrize("lang", ["en", "zh-Hant", "zh-Hans"])
def test_figures_have_no_layout_problems(session_for, lang: str) -> None:
    apply_theme(lang)
    for name, (fig, _) in draw_all(session_for(lang=lang, currency="USD")).items():
        fig.draw_without_rendering()
        assert layout_problems(fig) == [], name


@pytest.mark.parametrize("lang", ["zh-Hant", "zh-Hans"])
def test_chinese_figures_have_no_english_words_and_no_missing_glyphs(session_for, lang: str) -> None:
    apply_theme(lang)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name, (fig, _) in draw_all(session_for(lang=lang, currency="USD")).items():
            assert latin_words(fig) == set(), name
    assert not [str(w.message) for w in caught if "missing from font" in str(w.message)]


def test_plain_log_ticks_write_plain_numbers() -> None:
    fig, ax = plt.subplots()
    ax.set_xscale("log")
    common.plain_log_ticks(ax.xaxis)
    major, minor = ax.xaxis.get_major_formatter(), ax.xaxis.get_minor_formatter()
    assert major(1000, 0) == "1,000" and major(10, 0) == "10"
    assert (minor(20, 0), minor(50, 0), minor(30, 0)) == ("20", "50", "")  # only 2× and 5× a power of ten
    plt.close(fig)

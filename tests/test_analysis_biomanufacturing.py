"""Unit tests of helpers.analysis.biomanufacturing on the frozen one-article fixture (tests/fixtures/article),
with expected values worked out by hand from the Anue article's paragraphs 9 and 10.

Paragraph 9: 上海、北京、深圳、天津 lead; Shanghai's biomedicine 突破 9000 億元 in 2024 (9000 x 10^8 = 9 x 10^11
yuan, a lower bound); Changping (Beijing) 120 餘家 firms (more than 120: a lower bound), 2024 revenue 超 60 億元
(60 x 10^8 = 6 x 10^9 yuan, a lower bound), 30 家 leading firms targeted for 2026 (exact); Shenzhen drew 近半
(nearly half: an upper bound) of new synthetic-biology firms; Tianjin: chemical base, industrial applications,
multinationals. Paragraph 10: 杭州、蘇州 follow; Hangzhou plans firms of 10 億元 (1 x 10^9 yuan, a size class and a
target, no year); Suzhou's niche is biocatalysts. The ratios are the rows of data/derivations.csv for the sector.
"""

from __future__ import annotations

import math
import re

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from conftest import append_rows, article_dataset

from helpers import selection
from helpers.analysis import biomanufacturing as bio  # noqa: E402
from helpers.analysis import common, figures
from helpers.i18n import Labels, load_catalogue  # noqa: E402
from helpers.plots import layout_problems
from helpers.session import start_notebook  # noqa: E402


@pytest.fixture(scope="module")
def ds():
    return article_dataset()


@pytest.fixture
def session_for(tmp_path):
    def make(**params):
        return start_notebook(
            dataset=article_dataset(),
            notebook="02_biomanufacturing",
            output_dir=str(tmp_path / "out"),
            **params,
        )

    yield make
    plt.close("all")


def test_leaders_and_followers(ds):
    assert bio.places_by_role(ds) == {
        "leader": ["shanghai", "beijing", "shenzhen", "tianjin"],
        "follower": ["hangzhou", "suzhou"],
    }
    assert bio.places_by_role(ds, ["suzhou", "tianjin"]) == {"leader": ["tianjin"], "follower": ["suzhou"]}
    assert bio.places_by_role(ds, ["hefei"]) == {}
    assert bio.role_counts_text(bio.places_by_role(ds), Labels("en", ds)) == "leader 4, follower 2"


def test_most_common_and_distinctive_tags(ds):
    matrix = common.focus_matrix(ds, "biomanufacturing")
    # synthetic_biology: Shanghai, Beijing, Shenzhen (paragraph 9)
    assert bio.most_common_tag(matrix) == ("synthetic_biology", 3)
    assert bio.most_common_tag(common.focus_matrix(ds, "biomanufacturing", ["hefei"])) == (None, 0)
    # every other tag has one city: Tianjin two (industrial applications, multinationals), Suzhou biocatalysts
    distinct = bio.distinctive_tags(matrix)
    assert "synthetic_biology" not in distinct
    assert distinct["industrial_application"] == "tianjin" and distinct["multinationals"] == "tianjin"
    assert distinct["biocatalysts"] == "suzhou"
    assert distinct["firm_cultivation"] == "hangzhou"


def test_ratios_declared_for_the_sector(ds):
    ratios = selection.derived(ds, sector="biomanufacturing").set_index("derivation_id")
    # 60 億 / 120 = 6e9 / 120 = 5e7 (CNY 50 m); two lower bounds divided: "~"
    assert math.isclose(ratios.loc["revenue_per_firm", "value"], 5e7)
    assert ratios.loc["revenue_per_firm", "bound"] == "~"
    # 30 / 120 = 0.25; exact over "more than": at most a quarter
    assert math.isclose(ratios.loc["leading_firm_share", "value"], 0.25)
    assert ratios.loc["leading_firm_share", "bound"] == "<="
    assert set(ratios["district_en"]) == {"Changping District"}  # the article's only firm count
    # the other declared ratios need listed firms, unicorns or new firms, which the article does not give
    assert len(ratios) == 2


def test_derived_table_in_usd(session_for):
    session = session_for(lang="en", currency="USD")
    table = figures.derived_table(session, "biomanufacturing")
    # 5e7 CNY / 7.19 CNY per USD = 6,954,103 USD -> "~USD 6.95 m"; 0.25 with "<=" -> "<1/4"
    assert list(table["Value"]) == ["~USD 6.95 m", "<1/4"]
    assert figures.derived_title(session, "biomanufacturing") == (
        "2 ratio(s) the figures support (Beijing); 1 with no direction"
    )


def test_complement_share():
    rest = bio.complement_share(0.5, "<=")  # nearly half -> the rest has at least half
    assert math.isclose(rest.value, 0.5) and rest.bound == ">="
    rest = bio.complement_share(0.25, ">=")  # over a quarter -> at most three quarters
    assert math.isclose(rest.value, 0.75) and rest.bound == "<="
    with pytest.raises(ValueError):
        bio.complement_share(1.2, "=")


def test_shares_table(session_for):
    table = bio.shares_table(session_for(lang="en"))
    # one share in the article: Shenzhen 近半 (<1/2); the rest of China at least half
    assert list(table["City"]) == ["Shenzhen"]
    assert list(table["Figure"]) == ["<1/2"] and list(table["Rest of the whole"]) == [">1/2"]
    assert table["Reading"].iloc[0].startswith("lower bound")
    assert bio.shares_table(session_for(lang="en", cities=["shanghai"])).empty


def test_money_table_says_what_keeps_the_figures_apart(session_for, ds):
    session = session_for(lang="en")
    table = bio.money_table(session)
    # the article's money figures: Shanghai's biomedicine, Changping's revenue, Hangzhou's firm size (a target)
    assert list(table["City"]) == ["Shanghai", "Beijing · Changping District", "Hangzhou"]
    assert list(table["Geography"]) == ["whole city", "one district", "whole city"]
    assert list(table["Figure"]) == [">CNY 900 bn", ">CNY 6 bn", ">CNY 1 bn"]
    assert list(table["Kind"]) == ["actual", "actual", "target"]
    apart = bio.unlike_counts(ds, bio.money_observations(session))
    assert apart == {
        "measure": ["industry_scale", "revenue", "firm_size_threshold"],
        "geography": ["city", "district"],
        "kind": ["actual", "target"],
        "bound": [">="],
    }


def test_geography(ds):
    obs = ds.observations.set_index("fact_id")
    assert bio.geography(ds, obs.loc["bio_changping_revenue_2024"]) == "district"
    assert bio.geography(ds, obs.loc["bio_shanghai_biomedicine_2024"]) == "city"


def test_specialisations_tianjin_suzhou(ds):
    table = bio.specialisations_table(ds, Labels("en", ds), ["tianjin", "suzhou"]).set_index("City")
    assert table.loc["Tianjin", "Focus"] == "industrial applications, multinational firms"
    assert table.loc["Suzhou", "Focus"] == "biocatalysts"
    assert table.loc["Suzhou", "Role"] == "follower"
    zh = bio.specialisations_table(ds, Labels("zh-Hant", ds), ["suzhou"])
    assert list(zh.columns) == ["城市", "角色", "重點"]  # no English description column in Chinese
    assert zh.iloc[0]["重點"] == "生物催化劑"


def test_figure_titles_are_printed_from_the_data(session_for):
    session = session_for(lang="en")
    title = bio.figure_leaders(session)._suptitle.get_text().replace("\n", " ")
    assert title == "Roles: leader 4, follower 2; the most common focus is synthetic biology (3 cities)"
    # actuals: Shanghai's biomedicine, Changping's firms and revenue, Shenzhen's share: 4 on 4 indicators
    title = bio.figure_actuals(session).fig._suptitle.get_text().replace("\n", " ")
    assert title.startswith("4 actual figures on 4 indicators; 0 indicator(s) reported more than once")
    title = bio.figure_shares(session).fig._suptitle.get_text()
    assert title.startswith("1 shares of 1 different wholes (Shenzhen)")


@pytest.mark.parametrize("lang", ["en", "zh-Hant", "zh-Hans"])
def test_figures_have_no_layout_problems(session_for, lang):
    session = session_for(lang=lang)
    drawn = [bio.figure_leaders(session), bio.figure_actuals(session).fig, bio.figure_shares(session).fig]
    for fig in drawn:
        fig.draw_without_rendering()
        assert layout_problems(fig) == []


def test_figures_with_a_subset(session_for):
    session = session_for(lang="zh-Hans", cities=["shanghai", "tianjin"])
    result = bio.figure_shares(session)
    assert not result.has_data and result.fact_ids == []
    assert "所选城市无数据" in [t.get_text() for t in result.fig.axes[0].texts]
    result = bio.figure_actuals(session)
    assert result.fact_ids == ["bio_shanghai_biomedicine_2024"]  # Tianjin has roles but no figure
    fig = bio.figure_leaders(session)
    assert fig._suptitle.get_text().startswith("角色：领跑者 2；")


def test_messages_have_prefix_and_no_latin_in_chinese():
    catalogue = load_catalogue()
    keys = [k for k in catalogue if k.startswith("bio_")]
    assert len(keys) > 20
    for key in keys:
        text = re.sub(r"\{[a-z_]+\}", "", catalogue[key]["zh-Hant"]).replace("data/city_roles.csv", "")
        text = text.replace("data/derivations.csv", "")
        assert not re.search(r"[A-Za-z]", text), (key, text)


def test_a_new_source_flows_into_the_rooms_figures_and_ratios(data_copy, tmp_path):
    """A source not in the repository, added as data only (a row in sources.csv, two facts for Hangzhou, which
    has no firm count or revenue in data/): its figures reach the money table, the actuals figure and the ratios
    with no code change. By hand: 50 億元 = 5 x 10^9 yuan over exactly 100 firms = 5 x 10^7 (CNY 50 m), exact."""

    from helpers.data import load_dataset

    def append(name, row):
        append_rows(data_copy / f"{name}.csv", [row])

    append("sources", {"source_id": "made-up-hz", "kind": "news", "title": "杭州生物制造", "publisher": "某报",
                       "published": "2026-05-01", "language": "zh-Hans", "url": "https://example.org/hz",
                       "retrieved": "2026-12-02"})  # fmt: skip
    common_row = {"sector": "biomanufacturing", "place": "hangzhou", "kind": "actual", "year": "2025",
                  "year_note": "explicit: 2025年", "bound": "=", "is_unit_implied": "false",
                  "source_id": "made-up-hz", "locator": "2"}  # fmt: skip
    append("facts", common_row | {"fact_id": "bio_hangzhou_firms_2025_madeup", "indicator": "biomanufacturing_firms",
                                  "label_en": "Firms", "label_zh": "企业", "measure": "count", "value": "100",
                                  "unit": "count", "quantity_text": "100家"})  # fmt: skip
    append("facts", common_row | {"fact_id": "bio_hangzhou_revenue_2025_madeup",
                                  "indicator": "biomanufacturing_revenue", "label_en": "Revenue", "label_zh": "收入",
                                  "measure": "revenue", "value": "5000000000", "unit": "CNY",
                                  "quantity_text": "50亿元"})  # fmt: skip
    data = load_dataset(data_copy, sources_dir=None)
    session = start_notebook(dataset=data, notebook="02_biomanufacturing", output_dir=str(tmp_path / "out"),
                             lang="en", cities=["hangzhou"])  # fmt: skip
    ratios = selection.derived(data, sector="biomanufacturing", places=["hangzhou"]).set_index(
        "derivation_id"
    )
    assert math.isclose(ratios.loc["revenue_per_firm", "value"], 5e7)
    assert ratios.loc["revenue_per_firm", "bound"] == "="
    assert "bio_hangzhou_revenue_2025_madeup" in set(bio.money_table(session)["Fact id"])
    assert "bio_hangzhou_firms_2025_madeup" in bio.figure_actuals(session).fact_ids
    assert list(figures.derived_table(session, "biomanufacturing")["Value"])[0] == "CNY 50 m"
    plt.close("all")

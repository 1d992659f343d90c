"""Unit tests of helpers.analysis.biomanufacturing, with expected values worked out by hand from anue-2025-10-27.

Paragraph 9: 上海、北京、深圳、天津 lead; Shanghai's biomedicine 突破 9000 億元 in 2024 (9000 x 10^8 = 9 x 10^11
yuan, a lower bound); Changping (Beijing) 120 餘家 firms (more than 120: a lower bound), 2024 revenue 超 60 億元
(60 x 10^8 = 6 x 10^9 yuan, a lower bound), 30 家 leading firms targeted for 2026 (exact); Shenzhen drew 近半
(nearly half: an upper bound) of new synthetic-biology firms; Tianjin: chemical base, industrial applications,
multinationals. Paragraph 10: 杭州、蘇州 follow; Suzhou's niche is biocatalysts.
"""

from __future__ import annotations

import math
import re

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from conftest import article_dataset

from helpers.analysis import biomanufacturing as bio  # noqa: E402
from helpers.analysis import common
from helpers.i18n import Labels, load_catalogue  # noqa: E402
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


def test_revenue_per_firm_has_no_direction(ds):
    per_firm = bio.revenue_per_firm(ds)
    # 60 億 / 120 = 6e9 / 120 = 5e7 = 0.5 億 = CNY 50 m; two lower bounds divided: "~"
    assert math.isclose(per_firm.value, 5e7)
    assert per_firm.bound == "~"


def test_leading_firm_share_is_an_upper_bound(ds):
    share = bio.leading_firm_share(ds)
    # 30 / 120 = 0.25; exact over "more than": at most a quarter
    assert math.isclose(share.value, 0.25)
    assert share.bound == "<="


def test_scale_ratio(ds):
    ratio = bio.scale_ratio(ds)
    # 9000 億 / 60 億 = 9e11 / 6e9 = 150; two lower bounds: "~"
    assert math.isclose(ratio.value, 150.0)
    assert ratio.bound == "~"


def test_complement_share():
    rest = bio.complement_share(0.5, "<=")  # nearly half -> the rest has at least half
    assert math.isclose(rest.value, 0.5) and rest.bound == ">="
    rest = bio.complement_share(0.25, ">=")  # over a quarter -> at most three quarters
    assert math.isclose(rest.value, 0.75) and rest.bound == "<="
    with pytest.raises(ValueError):
        bio.complement_share(1.2, "=")


def test_shenzhen_split(ds):
    split = bio.shenzhen_split(ds).set_index("part")
    assert split.loc["shenzhen", "value"] == 0.5 and split.loc["shenzhen", "bound"] == "<="
    assert split.loc["rest_of_china", "value"] == 0.5 and split.loc["rest_of_china", "bound"] == ">="


def test_most_common_tag(ds):
    matrix = common.focus_matrix(ds, "biomanufacturing")
    # synthetic_biology: Shanghai, Beijing, Shenzhen (paragraph 9)
    assert bio.most_common_tag(matrix) == ("synthetic_biology", 3)
    assert bio.most_common_tag(common.focus_matrix(ds, "biomanufacturing", ["hefei"])) == (None, 0)


def test_changping_table_en_and_usd(ds):
    labels = Labels("en", ds)
    table = bio.changping_table(ds, labels, str, lambda v: f"CNY {v / 1e6:.0f} m")
    assert list(table["Value"]) == ["~CNY 50 m", "<1/4"]
    assert table["Reading"].iloc[0].startswith("approximation with no direction")
    assert table["Reading"].iloc[1].startswith("upper bound")


def test_changping_figure_in_usd(session_for):
    session = session_for(lang="en", currency="USD")
    fig = bio.figure_changping(session)
    title = fig._suptitle.get_text().replace("\n", " ")
    # 5e7 CNY / 7.19 CNY per USD = 6,954,103 USD -> "USD 6.95 m"
    assert "~USD 6.95 m revenue per firm" in title
    assert "by 2026: <1/4" in title


def test_scale_comparison_table(ds):
    table = bio.scale_comparison_table(ds, Labels("en", ds), str)
    assert list(table["Geography"]) == ["whole city", "one district"]
    assert list(table["Measure"]) == ["industry scale", "revenue"]
    assert list(table["City"]) == ["Shanghai", "Beijing · Changping District"]


def test_specialisations_tianjin_suzhou(ds):
    table = bio.specialisations_table(ds, Labels("en", ds), ["tianjin", "suzhou"]).set_index("City")
    assert table.loc["Tianjin", "Focus"] == "industrial applications, multinational firms"
    assert table.loc["Suzhou", "Focus"] == "biocatalysts"
    assert table.loc["Suzhou", "Role"] == "follower"
    zh = bio.specialisations_table(ds, Labels("zh-Hant", ds), ["suzhou"])
    assert list(zh.columns) == ["城市", "角色", "重點"]  # no English description column in Chinese
    assert zh.iloc[0]["重點"] == "生物催化劑"


def test_figures_titles(session_for):
    session = session_for(lang="en")
    title = bio.figure_scale_comparison(session)._suptitle.get_text().replace("\n", " ")
    assert "~150× apart as printed" in title
    title = bio.figure_shenzhen_share(session)._suptitle.get_text()
    assert "nearly half (<1/2)" in title
    title = bio.figure_leaders(session)._suptitle.get_text().replace("\n", " ")
    assert title.startswith(
        "4 cities lead and 2 follow; the most common focus is synthetic biology (3 cities)"
    )


def test_figures_with_a_subset(session_for):
    session = session_for(lang="zh-Hans", cities=["shanghai", "tianjin"])
    for draw in (bio.figure_changping, bio.figure_shenzhen_share):
        fig = draw(session)
        assert "所选城市无数据" in [t.get_text() for t in fig.axes[0].texts]
    fig = bio.figure_scale_comparison(session)
    assert len(fig.axes) == 1  # only Shanghai's panel
    fig = bio.figure_leaders(session)
    assert fig._suptitle.get_text().startswith("2 个城市领先、0 个追赶")


def test_messages_have_prefix_and_no_latin_in_chinese():
    catalogue = load_catalogue()
    keys = [k for k in catalogue if k.startswith("bio_")]
    assert len(keys) > 20
    for key in keys:
        text = re.sub(r"\{[a-z_]+\}", "", catalogue[key]["zh-Hant"]).replace("data/city_roles.csv", "")
        assert not re.search(r"[A-Za-z]", text), (key, text)

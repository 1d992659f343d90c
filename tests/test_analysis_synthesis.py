"""Synthesis helpers against counts and figures worked out by hand from the Anue article (anue-2025-10-27).

Presence (1 for naming a city in a sector + 1 per figure about it there), by paragraph:
quantum ¶6-8: Hefei 1+3, Beijing 1+1, Shanghai, Nanjing, Shenzhen, Jinan, Hangzhou 1 each = 11;
biomanufacturing ¶9-10: Shanghai 1+1, Beijing 1+3 (Changping), Shenzhen 1+1, Tianjin 1, Hangzhou 1+1, Suzhou 1 = 12;
hydrogen/fusion ¶11-13: Beijing 1+2, Shanghai 1+2, Guangzhou 1+3, Foshan 1+1, Chongqing, Hefei, Chengdu, Shenzhen 1
each = 16; BCI ¶14: five cities 1 each (the two market figures are national) = 5; embodied AI ¶15: Beijing 1+2,
Shenzhen 1+3, Shanghai 1+3, Hangzhou 1+2 = 14; 6G ¶16: Beijing 1+2, Shenzhen 1, Nanjing 1+2, Shanghai 1 = 8.
All: 66.
"""

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from conftest import article_dataset

from helpers.analysis import synthesis as syn
from helpers.data import rebuild
from helpers.i18n import Labels
from helpers.index import (
    city_indicators,
    composite_index,
    rank_cities,
    rank_draws,
    sensitivity_table,
    summarise_ranks,
)
from helpers.plots import apply_theme

LATIN_ALLOWED = {"CNY", "USD", "ITER", "ICT", "BCI", "km", "R&D"}  # as in tests/test_i18n.py


@pytest.fixture(scope="module")
def dataset():
    return article_dataset()


@pytest.fixture(scope="module")
def labels(dataset):
    return {lang: Labels(lang, dataset) for lang in ("en", "zh-Hant", "zh-Hans")}


def test_role_matrix_places_beijing_in_all_six(dataset):
    matrix = syn.role_matrix(dataset)
    # ¶7 hub (research loop), ¶9 leader, ¶11 hub, ¶14 hub, ¶15 leader, ¶16 contender (competing for the lead)
    assert matrix.loc["beijing"].tolist() == ["hub", "leader", "hub", "hub", "leader", "contender"]
    assert matrix.loc["jinan"].tolist() == ["specialist", "", "", "", "", ""]  # ¶8 only
    assert "china" not in matrix.index


def test_breadth_counts_sectors_roles_and_figures(dataset):
    table = syn.breadth(dataset)
    assert len(table) == 13
    # Beijing, Shanghai and Shenzhen are named in all six; Shanghai first (4 leader roles: ¶9, ¶14, ¶15, ¶16)
    assert list(table.index[:3]) == ["shanghai", "beijing", "shenzhen"]
    assert table.loc["beijing", "n_facts"] == 10  # 5 actuals + 5 targets (¶7, ¶9, ¶11, ¶15, ¶16)
    # named in one race only: Tianjin, Suzhou (¶9-10), Guangzhou, Foshan, Chongqing (¶12), Jinan (¶8)
    assert set(table.index[table["n_sectors"] == 1]) == {"tianjin", "suzhou", "guangzhou", "foshan", "chongqing",
                                                         "jinan"}  # fmt: skip


def test_region_summary_by_hand(dataset):
    summary = syn.region_summary(dataset)
    # Yangtze River Delta: Shanghai 6 + Hefei 2 + Nanjing 2 + Suzhou 1 + Hangzhou 4 = 15 pairs;
    # leaders: Shanghai 3 (¶9, ¶14, ¶15; a 6G contender in ¶16), Hefei 1, Hangzhou 1 = 5 (Nanjing: 6G contender)
    assert summary.loc["yangtze_river_delta", ["n_cities", "n_pairs", "leader"]].tolist() == [5, 15, 5]
    # Beijing-Tianjin-Hebei: Beijing 6 + Tianjin 1 = 7 pairs, leaders 2 + 1 = 3
    assert summary.loc["beijing_tianjin_hebei", ["n_cities", "n_pairs", "leader"]].tolist() == [2, 7, 3]
    assert summary["n_pairs"].sum() == 34  # rows of data/city_roles.csv
    assert list(summary.index) == list(syn.REGION_ORDER)


def test_presence_by_hand(dataset):
    counts = syn.presence(dataset)
    assert counts.loc["hefei", "quantum"] == 4  # named + 93 家, 24 個, 超 2000 件
    assert counts.loc["guangzhou", "hydrogen_fusion"] == 4  # named + 18 項, 20 餘個, 超 40 億元
    assert counts.loc["beijing", "biomanufacturing"] == 4  # named + Changping's three figures
    assert counts.sum().to_dict() == {
        "quantum": 11,
        "biomanufacturing": 12,
        "hydrogen_fusion": 16,
        "bci": 5,
        "embodied_ai": 14,
        "6g": 9,
    }  # fmt: skip (6G: 4 named + 2 + 1 + 2)


def test_hhi_and_top_k_share_by_hand():
    assert syn.hhi([1, 1]) == pytest.approx(0.5)
    assert syn.hhi([3, 1]) == pytest.approx(0.75**2 + 0.25**2)  # 0.625
    assert syn.top_k_share([4, 2, 1, 1, 1, 1, 1], 3) == pytest.approx(7 / 11)
    assert syn.top_k_share([2, 1], 3) == 1.0
    with pytest.raises(ValueError):
        syn.hhi([0, 0])


def test_concentration_of_the_article_by_hand(dataset):
    table = syn.concentration(syn.presence(dataset))
    # 6G: Beijing 3, Shenzhen 2 (named + ICT+ launch), Nanjing 3, Shanghai 1 of 9
    # -> HHI (9 + 4 + 9 + 1) / 81 = 23/81; top city 3/9; top three (3 + 3 + 2)/9 = 8/9; 1/n = 1/4
    six = table.loc["6g"]
    assert six["hhi"] == pytest.approx(23 / 81)
    assert six["top_share"] == pytest.approx(3 / 9)
    assert six["top_k_share"] == pytest.approx(8 / 9)
    assert six["hhi_equal"] == pytest.approx(0.25)
    assert six["top_places"] == "beijing;nanjing"
    # quantum: 4, 2, 1, 1, 1, 1, 1 of 11 -> (16 + 4 + 5) / 121 = 25/121; effective cities 121/25 = 4.84
    assert table.loc["quantum", "hhi"] == pytest.approx(25 / 121)
    assert table.loc["quantum", "effective_cities"] == pytest.approx(4.84)
    # BCI: five cities of equal presence -> HHI = 1/5 exactly
    assert table.loc["bci", "hhi"] == pytest.approx(table.loc["bci", "hhi_equal"]) == pytest.approx(0.2)


def test_specialisation_by_hand(dataset):
    counts = syn.presence(dataset)
    quotients = syn.specialisation(counts)
    # Jinan: all its presence (1) in quantum; quantum holds 11 of 67 -> LQ = 1 / (11/67) = 67/11
    assert quotients.loc["jinan", "quantum"] == pytest.approx(67 / 11)
    # Chengdu: 1 of its 2 items in BCI; BCI holds 5 of 67 -> LQ = 0.5 / (5/67) = 6.7
    assert quotients.loc["chengdu", "bci"] == pytest.approx(6.7)
    assert quotients.loc["jinan", "6g"] == 0
    # the most specialised city named in two or more races
    assert syn.specialised_city(counts, quotients)[:2] == ("chengdu", "bci")


def test_money_facts_group_measures_and_targets(dataset):
    money = syn.money_facts(dataset)
    assert len(money) == 12  # every fact in CNY
    groups = money.groupby("group", sort=False).size().to_dict()
    # targets: Nanjing 3000 億元, Beijing 千億級 twice, Hangzhou 200 億元 and 10 億元 (¶7, ¶10, ¶15, ¶16)
    assert groups == {"market_size": 2, "industry_scale": 1, "industrial_output": 1, "revenue": 2, "investment": 1,
                      "target": 5}  # fmt: skip
    # a subset keeps the national BCI figures
    assert set(syn.money_facts(dataset, ["foshan"])["place"]) == {"foshan", "china"}


def test_target_tracker_by_hand(dataset):
    tracker = syn.target_tracker(dataset).set_index("fact_id")
    assert len(tracker) == 13  # 12 targets + the 2027 BCI forecast
    # 55.8 億 / 32 億 = 1.74375 over 2024-2027: 1.74375 ** (1/3) - 1 = 0.2036 a year
    forecast = tracker.loc["bci_china_market_2027"]
    assert forecast["status"] == "forecast"
    assert forecast["baseline_fact"] == "bci_china_market_2024"
    assert forecast["required_growth"] == pytest.approx(0.2036, abs=1e-4)
    assert forecast["required_bound"] == "="
    assert tracker.loc["bio_changping_leading_firms_2026", "years_left"] == 1  # 2026 - 2025
    assert tracker.loc["h2f_shanghai_centre_2035", "status"] == "milestone"
    assert tracker.loc["h2f_shanghai_centre_2035", "years_left"] == 10
    assert tracker.loc["bio_hangzhou_firm_size", "status"] == "no_year"
    assert bool(tracker.loc["6g_nanjing_output_2030", "is_year_implied"])  # 5 年內 from 2025
    statuses = tracker["status"].value_counts().to_dict()
    assert statuses == {"no_baseline": 9, "milestone": 2, "forecast": 1, "no_year": 1}


def _with_extra_target(dataset, fact_id, value, bound="=", kind="target", year=2030):
    base = dataset.facts[dataset.facts["fact_id"] == "bci_china_market_2027"].copy()
    base["fact_id"], base["kind"], base["year"], base["value"], base["bound"] = (
        fact_id,
        kind,
        year,
        value,
        bound,
    )
    return rebuild(dataset, facts=pd.concat([dataset.facts, base], ignore_index=True))


def test_a_target_is_judged_by_observed_growth_with_its_bound(dataset):
    # a made-up national BCI target for 2030 beside the 2024 baseline (32 億元) and the 2027 forecast
    # 100 億: (100/32) ** (1/6) - 1 = 3.125 ** (1/6) - 1 = 0.2091 a year required
    tracker = syn.target_tracker(_with_extra_target(dataset, "made_up_high", 1e10)).set_index("fact_id")
    row = tracker.loc["made_up_high"]
    assert row["baseline_fact"] == "bci_china_market_2024"
    assert row["required_growth"] == pytest.approx(0.2091, abs=1e-4)
    # the 2027 forecast is someone's expectation, not an observed growth: no earlier actual, no rate
    assert row["status"] == "no_rate"
    # a made-up actual of 16 億 in 2021: observed (32/16) ** (1/3) - 1 = 0.2599 >= 0.2091 -> on track
    with_actual = _with_extra_target(dataset, "made_up_high", 1e10)
    with_actual = _with_extra_target(with_actual, "made_up_2021", 1.6e9, kind="actual", year=2021)
    row = syn.target_tracker(with_actual).set_index("fact_id").loc["made_up_high"]
    assert row["observed_growth"] == pytest.approx(0.2599, abs=1e-4)
    assert row["observed_fact"] == "made_up_2021"
    assert row["status"] == "on_track"
    # the same target printed as "over 100 億" requires at least 0.2091: no rate can declare it on track
    over = _with_extra_target(dataset, "made_up_over", 1e10, bound=">=")
    over = _with_extra_target(over, "made_up_2021", 1.6e9, kind="actual", year=2021)
    row = syn.target_tracker(over).set_index("fact_id").loc["made_up_over"]
    assert (row["required_bound"], row["status"]) == (">=", "undecided")


def test_forecast_projection_by_hand(dataset):
    tracker = syn.target_tracker(dataset)
    projection = syn.forecast_projection(dataset, tracker, 1.0, 2030)
    # 55.8 億 grown three more years at the same rate: 5.58e9 * 1.74375 = 9.7301e9
    assert projection["value"] == pytest.approx(9.7301e9, rel=1e-4)
    assert (projection["base_year"], projection["start_year"]) == (2024, 2027)
    assert syn.forecast_projection(dataset, tracker, 1.0, 2027) is None  # nothing beyond the forecast
    assert syn.forecast_projection(dataset, syn.target_tracker(dataset, ["foshan"]), 1.0, 2030) is not None


def test_robust_top():
    intervals = pd.DataFrame({"median_rank": [1, 2, 3, 4], "p05": [1, 1, 2, 4], "p95": [2, 3, 3, 4]},
                             index=list("abcd"))  # fmt: skip
    # k = 1: no city has p95 <= 1; k = 2: only a; k = 3: a, b and c, and d's p05 (4) is above 3 -> a top three
    # separated from the rest
    assert syn.robust_top(intervals) == (["a", "b", "c"], 3)
    # d's interval reaching rank 3 (p05 = 3) overlaps the group's: no k separates a top (k = 3 fails on d;
    # k = 1 and 2 lack cities)
    assert syn.robust_top(intervals.assign(p05=[1, 1, 2, 3])) == ([], 0)
    overlapping = intervals.assign(p95=[4, 4, 4, 4])
    assert syn.robust_top(overlapping) == ([], 0)


def test_citation_falls_back_to_the_paragraphs_that_name_the_city(dataset):
    assert syn.citation(dataset, ["foshan"]) == ["h2f_foshan_revenue_2024"]
    # Tianjin has no figure; it is named in ¶9, whose figures are Shanghai's, Changping's and Shenzhen's
    assert set(syn.citation(dataset, ["tianjin"])) == {
        "bio_shanghai_biomedicine_2024", "bio_changping_firms", "bio_changping_revenue_2024",
        "bio_changping_leading_firms_2026", "bio_shenzhen_synbio_share"}  # fmt: skip
    assert len(syn.citation(dataset, [])) == len(dataset.facts)


def test_join_names(labels):
    assert syn.join_names(["A", "B", "C"], labels["en"]) == "A, B and C"
    assert syn.join_names(["北京", "上海", "深圳"], labels["zh-Hant"]) == "北京、上海和深圳"
    assert syn.join_names(["A"], labels["en"]) == "A"


def _everything(dataset, label, cities):
    counts = syn.presence(dataset, cities)
    indicators = city_indicators(dataset, cities)
    ranks = rank_cities(composite_index(indicators))
    intervals = summarise_ranks(rank_draws(indicators, 50, 1).ranks)
    tracker = syn.target_tracker(dataset, cities)
    return {
        "matrix": syn.figure_matrix(dataset, label, cities),
        "regions": syn.figure_regions(syn.region_summary(dataset, cities), label),
        "network": syn.figure_network(dataset, label, cities),
        "concentration": syn.figure_concentration(syn.concentration(counts), label),
        "specialisation": syn.figure_specialisation(counts, syn.specialisation(counts), label),
        "money": syn.figure_money(syn.money_facts(dataset, cities), label, "USD", 7.19),
        "timeline": syn.figure_timeline(dataset, tracker, label),
        "intervals": syn.figure_rank_intervals(intervals, ranks, label, 50),
    }


def _texts(fig):
    """Every text of a drawn figure (tick labels exist only after drawing); math-text ticks ($10^{8}$) removed."""
    fig.canvas.draw()
    texts = [re.sub(r"\$[^$]*\$", "", t.get_text()) for t in fig.findobj(matplotlib.text.Text)]
    return [t for t in texts if t]


@pytest.mark.parametrize("cities", [[], ["hefei", "guangzhou"], ["china"]], ids=["all", "two", "none"])
def test_figures_hold_no_english_word_in_chinese(dataset, labels, cities):
    apply_theme("zh-Hant")
    for name, fig in _everything(dataset, labels["zh-Hant"], cities).items():
        words = set()
        for text in _texts(fig):
            words |= set(re.findall(r"[A-Za-z][A-Za-z&]{2,}", text))
        assert words <= LATIN_ALLOWED, f"figure {name} keeps English words {words - LATIN_ALLOWED}"
        plt.close(fig)


def test_figures_without_data_say_so(dataset, labels):
    apply_theme("en")
    figures = _everything(dataset, labels["en"], ["china"])  # a place the sources name in no sector
    for name in ("matrix", "regions", "network", "concentration", "specialisation", "intervals"):
        assert "No data for the chosen cities" in _texts(figures[name]), name
    for fig in figures.values():
        plt.close(fig)


def test_findings_from_the_full_data(dataset, labels):
    en = labels["en"]
    counts = syn.presence(dataset)
    indicators = city_indicators(dataset)
    ranks = rank_cities(composite_index(indicators))
    items = syn.findings(en, syn.breadth(dataset), syn.region_summary(dataset), syn.concentration(counts), counts,
                         syn.specialisation(counts), syn.money_facts(dataset), syn.target_tracker(dataset),
                         summarise_ranks(rank_draws(indicators, 200, 20251027).ranks), ranks,
                         sensitivity_table(indicators), 200)  # fmt: skip
    assert 5 <= len(items) <= 8
    assert all(item.evidence.startswith("syn_") and item.caveat for item in items)
    texts = " ".join(item.text for item in items)
    assert "Shanghai, Beijing and Shenzhen, named in 6 of the six races" in texts
    assert "None has a same-place, same-indicator baseline" in texts
    assert "20.4% a year" in texts  # the BCI forecast: 1.74375 ** (1/3) - 1
    table = syn.findings_table(items, labels["zh-Hant"])
    assert list(table.columns) == ["#", "發現", "依據", "注意事項"]


def test_section_findings_carry_each_section_sentence_its_output_and_its_caveat(labels):
    en = labels["en"]
    items = syn.section_findings(en, "tau sentence", "tau caveat", "documents sentence", "targets sentence")
    assert [(f.text, f.evidence) for f in items] == [
        ("tau sentence", "bm_rankings"), ("documents sentence", "pl_documents"), ("targets sentence", "sc_targets_all"),
    ]  # fmt: skip
    assert items[0].caveat == "tau caveat"
    assert items[1].caveat.startswith('"Not stated" is not "left out"')
    assert "a sum of lower bounds is a lower bound" in items[2].caveat.lower()
    zh = syn.section_findings(labels["zh-Hans"], "a", "b", "c", "d")
    assert zh[1].caveat.startswith("「数据来源未载」")  # the glossary's mainland term for 資料來源


def test_sources_sentence_counts_kinds_and_lineage_by_hand(dataset):
    # tests/fixtures/article/sources.csv: anue-2025-10-27 (news, derived_from yicai-2025-10-26, compiles),
    # yicai-2025-10-26 (news, no derived_from: an origin), pkg-reference and pkg-assumptions (the package's own).
    both = syn.sources_sentence(dataset, ["anue-2025-10-27", "yicai-2025-10-26", "pkg-assumptions"])
    assert both == (
        "2 sources (news 2); 1 derives from another source (compiles 1), 1 is an independent origin."
    )
    one = syn.sources_sentence(dataset, ["yicai-2025-10-26", "yicai-2025-10-26"])
    assert one == "1 source (news 1); none derives from another source, 1 is an independent origin."
    assert syn.sources_sentence(dataset, ["pkg-reference"]).startswith("no source")
    with pytest.raises(KeyError, match="not-a-source"):
        syn.sources_sentence(dataset, ["not-a-source"])


def _inside_its_frame(fig) -> bool:
    """Whether everything `fig` draws lies inside the figure (write_png then cuts the PNG from one drawing)."""
    fig.canvas.draw()
    box = fig.get_tightbbox(fig.canvas.get_renderer())
    return box.x0 >= 0 and box.y0 >= 0 and box.x1 <= fig.get_figwidth() and box.y1 <= fig.get_figheight()


@pytest.mark.parametrize("lang", ["en", "zh-Hant"])
def test_the_money_figure_fits_its_frame_with_long_labels(dataset, labels, lang):
    # The article's longest money labels run past 70 characters ("Guangzhou (Guangzhou Development District) ·
    # ..."): wrapped at MONEY_LABEL_WIDTH, they and the legend stay inside the 9.5-inch figure.
    apply_theme(lang)
    money = syn.money_facts(dataset, [])
    fig = syn.figure_money(money, labels[lang], "CNY", 7.19)
    rows = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
    assert lang != "en" or any("\n" in row for row in rows)  # Chinese labels are shorter here
    assert all(len(line) <= syn.MONEY_LABEL_WIDTH for row in rows for line in row.split("\n"))
    assert _inside_its_frame(fig)
    plt.close(fig)


def test_the_money_figure_draws_one_panel_per_group_and_a_row_per_figure(dataset, labels):
    apply_theme("en")
    money = syn.money_facts(dataset, [])
    drawn = money.groupby("group", sort=False).head(syn.MONEY_PER_GROUP)
    fig = syn.figure_money(money, labels["en"], "CNY", 7.19)
    assert len(fig.axes) == drawn["group"].nunique()  # a panel per group, not an axes per figure
    assert sum(len(ax.get_yticks()) for ax in fig.axes) == len(drawn)
    first = labels["en"].measure(drawn["group"].iloc[0])
    assert fig.axes[0].get_title(loc="left") == first  # groups in MONEY_GROUPS order, each titled once
    plt.close(fig)


def test_target_tracker_of_some_cities_is_the_straightforward_one(dataset):
    # the tracker of every place is computed once per dataset; a city subset is its rows of those places. The
    # straightforward definition: track each target of Foshan and the nation against all observations.
    from helpers.analysis import tracker as tracking

    observations = dataset.observations
    facts = observations[observations["kind"].isin(["target", "forecast"])]
    facts = facts[facts["place"].isin(["foshan", "china"])]
    rate = dataset.assumptions["exchange_rate"]["cny_per_usd"]
    expected = {fact["fact_id"]: tracking.track(observations, fact, rate) for _, fact in facts.iterrows()}
    subset = syn.target_tracker(dataset, ["foshan"])
    assert sorted(subset["fact_id"]) == sorted(expected)
    for _, row in subset.iterrows():
        assert (row["status"], row["baseline_fact"]) == (
            expected[row["fact_id"]]["status"], expected[row["fact_id"]]["baseline_fact"])  # fmt: skip
    full = syn.target_tracker(dataset)
    pd.testing.assert_frame_equal(
        subset, full[full["place"].isin(["foshan", "china"])].reset_index(drop=True)
    )
    assert list(syn.target_tracker(dataset, ["nowhere"]).columns) == list(full.columns)


def test_target_tracker_returns_a_new_table_each_call(dataset):
    first = syn.target_tracker(dataset)
    first["status"] = "changed"
    assert "changed" not in set(syn.target_tracker(dataset)["status"])
    # another dataset (a fact less) gets its own table, not the first one's
    fewer = rebuild(dataset, facts=dataset.facts[dataset.facts["fact_id"] != "bci_china_market_2027"])
    assert len(syn.target_tracker(fewer)) == len(first) - 1
    assert "bci_china_market_2027" not in set(syn.target_tracker(fewer)["fact_id"])

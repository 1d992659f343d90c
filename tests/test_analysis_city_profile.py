"""City-profile helpers (notebook 08) against what the Anue article (anue-2025-10-27) says, worked out by hand.

What the article gives each place (paragraph numbers from 1 = the date line):
- Hefei: quantum leader, stated (¶6: 穩坐國內量子產業頭把交椅); 93 firms, 24 platforms, over 2,000 patents (¶6, no
  year printed); the Kuafu fusion device (¶13: a specialist role the package infers). Yangtze River Delta.
- Beijing: named in all six races (¶7 hub, ¶9 leader, ¶11 hub, ¶14 hub, ¶15 leader, ¶16 leader); ten figures:
  ¶7 千億級 by 2030; ¶9 Changping District: 120 餘家 firms (no year printed), 超 60 億元 revenue 2024, 30 leading
  firms by 2026; ¶11 1,200 buses and 35 stations 今年 (2025); ¶15 百項 technologies and a 千億級 cluster by 2027;
  ¶16 an action plan in 2024 and an open test environment by 2026.
- Chongqing: named once, as catching up in hydrogen (¶12: 也在加速追趕), no figure. Chengdu-Chongqing.
- Jinan: named once, quantum communication components (¶8), no figure; region "other" in data/cities.csv.
- China (national): the BCI market, 32 億元 in 2024 and 55.8 億元 expected in 2027 (¶14).
"""

import dataclasses
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from conftest import article_dataset

from helpers.analysis import city_profile as cp
from helpers.i18n import Labels, english_words
from helpers.plots import apply_theme

LATIN_ALLOWED = {"CNY", "USD", "ITER", "ICT", "BCI", "km", "R&D"}  # as in tests/test_i18n.py
SHORT = {"tianjin", "suzhou", "chengdu", "chongqing", "jinan"}  # named in ¶9-¶13 without a single figure


@pytest.fixture(scope="module")
def dataset():
    return article_dataset()


@pytest.fixture(scope="module")
def result(dataset):
    return cp.synthesis_index(dataset, n_draws=200, seed=7)


@pytest.fixture(scope="module")
def labels(dataset):
    return {lang: Labels(lang, dataset) for lang in ("en", "zh-Hant", "zh-Hans")}


def _profile(dataset, result, place):
    return cp.build_profile(dataset, place, result=result)


def test_depth_full_short_and_national(dataset):
    assert cp.profile_depth(dataset, "hefei") == "full"  # ¶6: three figures
    assert cp.profile_depth(dataset, "chongqing") == "short"  # ¶12: named, no figure
    assert cp.profile_depth(dataset, "china") == "national"
    short = {p for p in dataset.cities["place_id"] if cp.profile_depth(dataset, p) == "short"}
    assert short == SHORT
    with pytest.raises(KeyError, match="atlantis"):
        cp.profile_depth(dataset, "atlantis")


def test_roles_in_sector_order_with_how_they_are_known(dataset):
    roles = cp.place_roles(dataset, "hefei")
    assert list(roles["sector"]) == ["quantum", "hydrogen_fusion"]
    assert list(roles["role"]) == ["leader", "specialist"]
    assert [cp.role_basis(r) for _, r in roles.iterrows()] == ["stated", "inferred"]
    assert cp.place_roles(dataset, "china").empty  # the sources give the nation no role


def test_regional_peers(dataset):
    # Yangtze River Delta in data/cities.csv order: Shanghai, Hefei, Nanjing, Suzhou, Hangzhou
    assert cp.regional_peers(dataset, "hefei") == ["shanghai", "nanjing", "suzhou", "hangzhou"]
    assert cp.regional_peers(dataset, "beijing") == ["tianjin"]
    assert cp.regional_peers(dataset, "chongqing") == ["chengdu"]
    assert cp.regional_peers(dataset, "jinan") == []  # region "other" is no cluster
    assert cp.regional_peers(dataset, "china") == []


def test_index_position_of_hefei_by_hand(dataset, result):
    # Min-max over the 13 named cities: breadth 1..6, leader roles 0..4, actual figures 0..5.
    # Hefei (2, 1, 3): (0.2 + 0.25 + 0.6) / 3 = 0.35. Above it: Beijing (1 + 0.75 + 1) / 3 = 0.917, Shanghai
    # (1 + 1 + 0.6) / 3 = 0.867, Shenzhen (1 + 0.75 + 0.8) / 3 = 0.85; next Hangzhou (0.6 + 0.25 + 0) / 3 = 0.283.
    position = cp.index_position(result, "hefei")
    assert position.rank == 4
    assert position.n_cities == 13
    assert position.p05 <= position.median_rank <= position.p95
    assert cp.index_position(result, "china") is None  # the index ranks cities only


def test_gaps_of_a_city_named_once_without_figures(dataset):
    gaps = cp.find_gaps(dataset, "chongqing")
    assert [(g.topic, g.key) for g in gaps] == [
        ("coverage", "cp_gap_not_named"),
        ("figures", "cp_gap_no_figures"),
    ]
    assert gaps[0].values["n"] == 5  # named in hydrogen and fusion only (¶12)
    assert "hydrogen_fusion" not in gaps[0].values["sectors"]


def test_gaps_of_beijing_by_hand(dataset):
    gaps = {g.key: g.values for g in cp.find_gaps(dataset, "beijing")}
    assert "cp_gap_not_named" not in gaps  # named in all six
    assert gaps["cp_gap_years"] == {"n": 1, "m": 10, "fact_ids": ["bio_changping_firms"]}  # 120 餘家: no year
    # bounds: 千億級 (¶7), 120 餘家 and 超 60 億元 (¶9), 千億級 (¶15)
    assert gaps["cp_gap_bounds"]["n"] == 4
    assert gaps["cp_gap_districts"]["n"] == 3  # Changping District (¶9)
    assert "cp_gap_no_series" in gaps  # no indicator given for two years
    assert "cp_gap_no_comparison" not in gaps  # Shenzhen's ICT+ action (¶16) shares action_plan_year
    # targets: 2030 cluster, 2026 leading firms, 2027 technologies and cluster, 2026 test environment (a dated goal)
    assert gaps["cp_gap_targets_no_baseline"]["k"] == 4 and gaps["cp_gap_targets_no_baseline"]["n"] == 5
    assert gaps["cp_gap_milestones"]["fact_ids"] == ["6g_beijing_test_environment_2026"]
    assert gaps["cp_gap_roles_inferred"]["sectors"] == ["quantum", "hydrogen_fusion", "bci"]  # the three hubs


def test_national_profile_has_the_only_sourced_growth_rate(dataset, result):
    profile = _profile(dataset, result, "china")
    assert profile.is_national and profile.peers == [] and profile.position is None
    keys = [g.key for g in profile.gaps]
    assert keys[0] == "cp_gap_national_roles" and "cp_gap_forecast_only" in keys
    # 55.8 億 / 32 億 = 1.74375 over 2024-2027; its cube root is about 1.2036: 20.36% a year
    forecast = profile.tracker.set_index("fact_id").loc["bci_china_market_2027"]
    assert forecast["baseline_fact"] == "bci_china_market_2024"
    assert forecast["required_growth"] == pytest.approx(0.2036, abs=1e-4)
    # continued 2027-2030 at the same rate: three more years, the same factor: 55.8 億 x 1.74375 = 97.30 億
    projection = cp.sourced_projection(dataset, profile, 1.0, 2030)
    assert projection["value"] == pytest.approx(9.7301e9, rel=1e-4)
    assert cp.sourced_projection(dataset, profile, 1.0, 2027) is None  # horizon not after the forecast


def test_cities_have_no_sourced_growth_rate(dataset, result):
    for place in dataset.cities["place_id"]:
        if place != "china":
            assert cp.sourced_projection(dataset, _profile(dataset, result, place), 1.0, 2035) is None, place


def test_placements_table_lists_all_six_races(dataset, result, labels):
    table = cp.placements_table(dataset, _profile(dataset, result, "hefei"), labels["en"])
    assert len(table) == 6
    quantum, h2f = table.iloc[0], table.iloc[2]
    assert (quantum["Role"], quantum["How the role is known"], quantum["Figures given"], quantum["Paragraph"]) == (
        "leader", "stated", 3, "6",
    )  # fmt: skip
    assert (h2f["Role"], h2f["How the role is known"], h2f["Figures given"], h2f["Paragraph"]) == (
        "specialist", "inferred by the package", 0, "13",
    )  # fmt: skip
    assert (table["Role"] == "not named").sum() == 4
    national = cp.placements_table(dataset, _profile(dataset, result, "china"), labels["en"])
    bci = national.iloc[3]
    assert (bci["Role"], bci["Figures given"], bci["Paragraph"]) == ("national figures only", 2, "14")


def test_figures_table_keeps_bounds_and_year_basis(dataset, result, labels):
    table = cp.figures_table(_profile(dataset, result, "hefei"), labels["en"])
    assert list(table["Figure"]) == ["93", "24", ">2,000"]  # ¶6: 93 家, 24 個, 超 2000 件
    assert list(table["As printed"]) == ["93 家", "24 個", "超 2000 件"]
    assert set(table["How the year is known"]) == {"not printed: taken as at its source's date"}
    usd = cp.figures_table(_profile(dataset, result, "foshan"), labels["en"], "USD", 7.19)
    assert list(usd["Figure"]) == ["USD 1.67 bn"]  # ¶12: 120 億元 / 7.19 = 1.669 bn


def test_figures_table_in_chinese_writes_an_english_quantity_from_its_value(dataset, result, labels):
    hefei = _profile(dataset, result, "hefei")
    # the patents of ¶6 (超 2000 件: 2,000, bound >=) as an English page would print them
    facts = hefei.facts.copy()
    facts.loc[2, "quantity_text"] = "more than 2,000 patents"
    english = dataclasses.replace(hefei, facts=facts)
    assert list(cp.figures_table(english, labels["en"])["As printed"])[2] == "more than 2,000 patents"
    zh = cp.figures_table(english, labels["zh-Hant"])  # the patents: the text of the Figure column, ">2,000"
    assert list(zh[labels["zh-Hant"]("as_printed")]) == ["93 家", "24 個", ">2,000"]


def test_timeline_rows_order_and_notes(dataset, result, labels):
    rows = cp.timeline_rows(dataset, _profile(dataset, result, "beijing"), labels["en"])
    assert len(rows) == 10
    # 2024 first (biomanufacturing before 6G), the 2030 quantum cluster last
    assert list(rows["fact_id"][:2]) == ["bio_changping_revenue_2024", "6g_beijing_action_plan_2024"]
    assert rows["fact_id"].iloc[-1] == "quantum_beijing_cluster_2030"
    notes = rows.set_index("fact_id")["note"]
    assert notes["eai_beijing_cluster_2027"] == ">CNY 100 bn · 2 yr left · no baseline in the sources"
    assert notes["6g_beijing_test_environment_2026"] == "dated goal · 1 yr left"
    assert notes["6g_beijing_action_plan_2024"] == "dated event"
    assert notes["bio_changping_revenue_2024"] == ">CNY 6 bn"
    labels_by_id = rows.set_index("fact_id")["row_label"]
    assert labels_by_id["bio_changping_firms"] == "Firms clustered (Changping District)"
    undated = cp.timeline_rows(dataset, _profile(dataset, result, "hangzhou"), labels["en"])
    assert undated["fact_id"].iloc[-1] == "bio_hangzhou_firm_size" and pd.isna(undated["year"].iloc[-1])


def test_titles_state_the_finding(dataset, result, labels):
    en = labels["en"]
    assert cp.coverage_title(dataset, _profile(dataset, result, "beijing"), en) == (
        "Beijing: named in 6 of the six races, as leader in 2"  # ¶9, ¶15 (in 6G a contender, ¶16)
    )
    assert cp.coverage_title(dataset, _profile(dataset, result, "chengdu"), en) == (
        "Chengdu: named in 2 of the six races, never as a leader"  # ¶13 and ¶14
    )
    assert cp.coverage_title(dataset, _profile(dataset, result, "china"), en).endswith(
        "national figures in Brain-computer interfaces"
    )
    hefei = _profile(dataset, result, "hefei")
    table = pd.DataFrame(
        {"n_sectors": [2, 6, 2, 1, 4]}, index=["hefei", "shanghai", "nanjing", "suzhou", "hangzhou"]
    )
    assert cp.peers_title(dataset, hefei, en, table) == (
        "Yangtze River Delta: Hefei is named in 2 of six races; Shanghai in the most (6)"
    )


def test_section_notes(dataset, result, labels):
    en, zh = labels["en"], labels["zh-Hant"]
    jinan, china = _profile(dataset, result, "jinan"), _profile(dataset, result, "china")
    # Jinan: region "other" in the fixture's cities.csv (region_other: "Other", 其他)
    assert cp.section_note(jinan, en, "peers").startswith(
        "Jinan has no regional peers: its region in data/cities.csv (Other) is not a cluster"
    )
    assert cp.section_note(jinan, zh, "peers").startswith(
        "濟南沒有區域同儕：它在本套件城市表中的區域（其他）"
    )
    assert (
        cp.section_note(china, en, "peers")
        == "China (national) has no regional peers: the nation has no region."
    )
    assert cp.section_note(jinan, en, "figures") == (
        "The sources give no figure for Jinan: there is no figures table and no timeline to draw."
    )
    assert cp.section_note(china, en, "index").endswith("the national figures belong to none.")
    # a place named in no race (none in the article: Jinan without its one role) is unranked for that reason
    unnamed = dataclasses.replace(jinan, roles=jinan.roles.iloc[:0], position=None)
    assert cp.section_note(unnamed, en, "index").endswith("and they name it in none.")
    with pytest.raises(ValueError, match="unknown section"):
        cp.section_note(jinan, en, "weather")


def test_depth_notes(dataset, result, labels):
    en, zh = labels["en"], labels["zh-Hant"]
    jinan = _profile(dataset, result, "jinan")
    # ¶8: Jinan named once, no figure; ¶6 and ¶13: Hefei named in quantum and fusion, three figures (¶6)
    assert cp.depth_note(jinan, en).startswith(
        "Jinan: a short profile. The sources name it (1 race(s)) but give"
    )
    assert cp.depth_note(_profile(dataset, result, "hefei"), en) == (
        "Hefei: a full profile. The sources name it in 2 race(s) and give it 3 figure(s)."
    )
    assert (
        cp.depth_note(_profile(dataset, result, "hefei"), zh)
        == "合肥：完整概況。資料來源在 2 個賽道中提及它，並給出 3 個數值。"
    )
    unnamed = dataclasses.replace(jinan, roles=jinan.roles.iloc[:0])
    assert "name it in no race" in cp.depth_note(unnamed, en)
    assert cp.depth_note(_profile(dataset, result, "china"), en).startswith(
        "China (national): a national profile."
    )


def test_scenario_notes(dataset, result, labels):
    en, zh = labels["en"], labels["zh-Hant"]
    china, hefei = _profile(dataset, result, "china"), _profile(dataset, result, "hefei")
    # ¶14: one rate, the BCI market from 32 億元 (2024) to the forecast 55.8 億元 (2027); high: x 1.5 (assumptions)
    assert cp.scenario_note(dataset, china, en, "high", 2030) == (
        "The sources imply 1 growth rate(s) for China (national); the first runs up to a forecast for 2027: "
        "scenario 'high' (growth x 1.5, pkg-assumptions) continues it to 2030 in section 3."
    )
    assert cp.scenario_note(dataset, china, zh, "high", 2030) == (
        "資料來源隱含中國的 1 個成長率；第一個通往 2027 年的預測值：第 3 節以「高成長」情境（成長率 × 1.5，"
        "pkg-assumptions）將它延續至 2030 年。"
    )
    assert cp.scenario_note(dataset, china, en, "base", 2027).endswith(
        "horizon 2027 is not after it, so scenario 'base' continues nothing."
    )
    assert cp.scenario_note(dataset, hefei, en, "low", 2035).startswith(
        "The sources imply no growth rate for Hefei (no indicator with a baseline and a later figure): scenario "
        "'low' and horizon 2035 change no number here"
    )


def test_note_fraction_counts_chinese_twice_and_is_capped():
    assert cp.note_fraction("ab") < cp.note_fraction("合肥")  # 2 + 2 units against 4 + 2
    assert cp.note_fraction("x" * 500) == 0.7


def _latin_words(texts) -> set[str]:
    """English words left in `texts` (file names of the data are not words to translate)."""
    cleaned = (re.sub(r"[\w/]+\.csv", "", text) for text in texts)
    return {word for text in cleaned for word in re.findall(r"[A-Za-z][A-Za-z&]{2,}", text)}


@pytest.mark.parametrize("lang", ["en", "zh-Hant", "zh-Hans"])
def test_every_place_gets_a_profile_summary_without_error(dataset, result, labels, lang):
    """Every place id of data/cities.csv, `china` included: the brief and every table, with no English word left
    in Chinese text."""
    L = labels[lang]
    for place in dataset.cities["place_id"]:
        profile = _profile(dataset, result, place)
        lines = cp.brief(dataset, profile, L)
        assert len(lines) >= 2, place
        notes = [cp.depth_note(profile, L), cp.scenario_note(dataset, profile, L, "base", 2030),
                 *(cp.section_note(profile, L, section) for section in cp.SECTIONS)]  # fmt: skip
        tables = [
            cp.placements_table(dataset, profile, L),
            cp.landscape(dataset, profile, L),
            cp.figures_table(profile, L),
            cp.targets_table(dataset, profile, L),
            cp.peers_table(dataset, profile, L),
            cp.index_table(profile, L),
            cp.gaps_table(profile, dataset, L),
        ]
        assert len(tables[0]) == 6 and len(tables[6]) >= 2, place
        assert len(tables[2]) == len(profile.facts), place
        assert len(tables[4]) == (len(profile.peers) + 1 if profile.peers else 0), place
        if lang != "en":
            texts = [*lines, *(str(c) for t in tables for c in t.columns), *tables[6].iloc[:, 1]]
            assert _latin_words(texts) <= LATIN_ALLOWED, (place, _latin_words(texts) - LATIN_ALLOWED)
            # the notes name a file of data/ only in English and the assumptions by their source id
            ids = set(dataset.sources["source_id"])
            assert not [w for note in notes for w in english_words(note, ids)], (place, notes)


@pytest.mark.parametrize("lang", ["en", "zh-Hans"])
def test_every_place_draws_its_figures_or_says_why_not(dataset, result, labels, lang):
    """Every place's figures: None exactly where a section has nothing to show (no figure: no timeline; the
    nation: no index position or peers; no cluster: no peers), and titles in the label language."""
    L = labels[lang]
    apply_theme(lang)
    for place in dataset.cities["place_id"]:
        profile = _profile(dataset, result, place)
        figures = [
            cp.figure_coverage(dataset, profile, L),
            cp.figure_timeline(dataset, profile, L, 2035, "USD", 7.19),
            cp.figure_index_position(profile, L),
            cp.figure_peers(dataset, profile, L),
            cp.figure_projection(dataset, profile, L, "high", 2035, "USD", 7.19),
        ]
        assert figures[0] is not None
        assert (figures[1] is None) == (profile.depth == "short"), place
        assert (figures[2] is None) == profile.is_national, place
        assert (figures[3] is None) == (not profile.peers), place
        assert (figures[4] is None) == (not profile.is_national), place  # the one sourced growth rate
        drawn = [f for f in figures if f is not None]
        assert len(drawn) >= (2 if place == "jinan" else 3), place  # Jinan: no figure and no region cluster
        if lang != "en":
            words = _latin_words(f.get_suptitle() for f in drawn)
            assert words <= LATIN_ALLOWED, (place, words - LATIN_ALLOWED)
        for fig in drawn:
            plt.close(fig)


def test_a_place_the_sources_name_in_no_race_meets_its_peers_at_zero() -> None:
    # Without its one role statement (hydrogen: follower, ¶8), Guangzhou is named in no race, though the article
    # gives three of its figures (18 support measures, 20+ projects, 4bn+ CNY invested: three indicators, three
    # observations). Its region's named cities are Shenzhen (named in all six races) and Foshan (one). The
    # synthesis index ranks only named cities, so Guangzhou has no rank.
    from helpers.data import ROLES, rebuild

    base = article_dataset()
    unnamed = rebuild(base, city_roles=base.role_statements[base.role_statements["place"] != "guangzhou"])
    table = cp.peer_breadth(unnamed, ["guangzhou", "shenzhen", "foshan"])
    assert list(table.index) == ["guangzhou", "shenzhen", "foshan"]
    assert table.loc["guangzhou", ["n_sectors", *ROLES]].tolist() == [0] * (1 + len(ROLES))
    assert table.loc["guangzhou", "n_facts"] == 3 and table.loc["guangzhou", "region"] == "greater_bay_area"
    assert table.loc["shenzhen", "n_sectors"] == 6 and table.loc["foshan", "n_sectors"] == 1
    profile = cp.build_profile(unnamed, "guangzhou", n_draws=50, seed=7)
    assert profile.peers == ["shenzhen", "foshan"] and profile.position is None
    en = Labels("en", unnamed)
    peers = cp.peers_table(unnamed, profile, en)
    assert peers.iloc[0].tolist()[1] == 0  # races named
    assert peers.iloc[0].tolist()[-2:] == ["not ranked", "not ranked"]
    fig = cp.figure_peers(unnamed, profile, en)
    assert "Guangzhou" in fig.texts[0].get_text() or any("Guangzhou" in t.get_text() for t in fig.texts)
    plt.close(fig)

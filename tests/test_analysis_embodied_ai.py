"""Embodied-AI analysis (helpers.analysis.embodied_ai), checked by hand against paragraph 15 of anue-2025-10-27
(the frozen one-article fixture, tests/fixtures/article) and against made-up rows added to it."""

import re

import matplotlib.pyplot as plt
import pandas as pd
import pytest
import yaml
from conftest import article_dataset

from helpers.analysis import common
from helpers.analysis import embodied_ai as eai
from helpers.analysis import targets as tgt
from helpers.data import rebuild
from helpers.i18n import MESSAGES_DIR
from helpers.plots import layout_problems
from helpers.session import start_notebook
from helpers.tables import format_money

EAI_TARGETS = [  # ¶15: 2027 年突破百項關鍵技術，培育千億級集群; 2027 年集聚百家企業、推廣百件; 2029 年 2 萬台、200 億元
    "eai_beijing_key_tech_2027",
    "eai_beijing_cluster_2027",
    "eai_shanghai_firms_2027",
    "eai_shanghai_products_2027",
    "eai_hangzhou_units_2029",
    "eai_hangzhou_core_scale_2029",
]
LATIN_ALLOWED = {"CNY", "USD"}


@pytest.fixture(scope="module")
def dataset():
    return article_dataset()


@pytest.fixture(scope="module")
def sessions(tmp_path_factory):
    """One session per language and currency, writing into a temporary folder."""
    out = tmp_path_factory.mktemp("eai")
    return {
        (lang, currency): start_notebook(
            dataset=article_dataset(),
            notebook="05_embodied_ai",
            lang=lang,
            currency=currency,
            output_dir=str(out / lang),
        )
        for lang in ("en", "zh-Hant", "zh-Hans")
        for currency in ("CNY", "USD")
    }


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _row(**values) -> dict:
    base = {"fact_id": "x", "sector": "embodied_ai", "place": "shanghai", "district_en": "", "district_zh": "",
            "indicator": "x", "label_en": "x", "label_zh": "x", "measure": "count", "kind": "actual", "year": 2025,
            "year_note": "explicit: 2025 年", "value": 1.0, "bound": "=", "unit": "count", "is_unit_implied": False,
            "quantity_text": "1", "source_id": "test", "locator": 1, "note": ""}  # fmt: skip
    return base | values


# ------------------------------------------------------------------------------------------ year basis
def test_year_basis_reads_the_year_note():
    assert common.year_basis("explicit: 2027 年") == "explicit"
    assert common.year_basis("implied: no year printed; taken as at the article's date") == "not_printed"
    assert common.year_basis("implied: 5 年內 (within five years) counted from 2025 = 2030") == "derived"
    assert common.year_basis("implied: 今年 (this year) = 2025") == "derived"
    assert common.year_basis("implied: as at the article's date") == "not_printed"
    assert common.year_basis("none: the article prints no target year") == "none"
    with pytest.raises(ValueError, match="year_note"):
        common.year_basis("2027")


def test_shenzhen_figures_have_no_printed_year(dataset):
    # ¶15 prints 超 1700 億元, 7 家, 全國第一 with no year
    facts = dataset.facts.set_index("fact_id")
    for fact_id in ("eai_shenzhen_output", "eai_shenzhen_top100_firms", "eai_shenzhen_firm_count_rank"):
        assert common.year_basis(facts.loc[fact_id, "year_note"]) == "not_printed"


# --------------------------------------------------------------------------------- targets and baselines
def test_no_embodied_ai_target_has_a_baseline(dataset):
    # ¶15 gives six dated targets and no actual of the same place and indicator for any of them
    facts = dataset.facts[dataset.facts["sector"] == "embodied_ai"]
    checks = tgt.check_targets(facts, dataset.facts)
    assert [c.fact_id for c in checks] == EAI_TARGETS
    assert [c.year for c in checks] == [2027, 2027, 2027, 2027, 2029, 2029]
    assert all(c.baseline_id is None and c.growth is None and not c.has_baseline for c in checks)


def test_bci_forecast_finds_its_baseline(sessions):
    # ¶14: 2024 年 32 億元, 預計 2027 年 55.8 億元. 55.8 / 32 = 1.74375 over 3 years;
    # 1.2^3 = 1.728 and 1.21^3 = 1.7716, so the rate is just above 20%: 1.2036^3 = 1.7436 -> 20.36%
    checks = tgt.growth_rate_sources(sessions[("en", "CNY")], "bci")
    assert len(checks) == 1
    check = checks[0]
    assert (check.fact_id, check.baseline_id, check.baseline_year) == (
        "bci_china_market_2027",
        "bci_china_market_2024",
        2024,
    )
    assert check.growth.value == pytest.approx(0.2036, abs=5e-4)
    assert check.growth.bound == "="
    assert tgt.growth_text(check.growth) == "20.4%"


def test_no_growth_rate_in_embodied_ai_or_6g(sessions):
    session = sessions[("en", "CNY")]
    assert tgt.growth_rate_sources(session, "embodied_ai") == []
    assert tgt.growth_rate_sources(session, "6g") == []
    assert "0." in tgt.scenario_note(session, "embodied_ai")[0]


def test_baseline_rules_on_made_up_rows():
    # target "over 121" in 2027 from exactly 100 in 2025: 1.1^2 = 1.21, so at least 10% a year
    facts = pd.DataFrame([
        _row(fact_id="base", indicator="firms", value=100.0, year=2025),
        _row(fact_id="later", indicator="firms", value=110.0, year=2028),  # after the target: not a baseline
        _row(fact_id="other_unit", indicator="firms", value=5.0, year=2026, unit="CNY"),
        _row(fact_id="goal", indicator="firms_target", kind="target", value=121.0, bound=">=", year=2027),
    ])  # fmt: skip
    [check] = tgt.check_targets(facts[facts["fact_id"] == "goal"], facts)
    assert check.baseline_id == "base"
    assert check.growth.value == pytest.approx(0.10)
    assert check.growth.bound == ">="


def test_target_table_says_no_baseline_in_every_language(sessions):
    for lang, expected in (("en", "no baseline in the sources"), ("zh-Hant", "資料來源無基準值"),
                           ("zh-Hans", "数据来源无基准值")):  # fmt: skip
        session = sessions[(lang, "CNY")]
        _, checks = tgt.figure_targets_timeline(session, eai.SECTOR)
        table = tgt.target_table(session, checks)
        labels = session.labels
        assert list(table[labels("baseline")]) == [expected] * 6
        assert list(table[labels("years_left")]) == [2, 2, 2, 2, 4, 4]  # 2027 - 2025, 2029 - 2025
        assert list(table[labels("required_growth")]) == ["—"] * 6
    en = tgt.target_table(
        sessions[("en", "CNY")], tgt.figure_targets_timeline(sessions[("en", "CNY")], eai.SECTOR)[1]
    )
    assert list(en["Target"]) == ["100", ">CNY 100 bn", "100", "100", "20,000", "CNY 20 bn"]  # 千億級 = 10^11


# ------------------------------------------------------------------------------ what the figures are
def test_kind_counts_and_titles_of_the_paragraph(sessions):
    # ¶15: four actuals (Shenzhen's output, top-100 firms and rank; Shanghai's share) and six targets
    session = sessions[("en", "CNY")]
    facts = common.chosen_facts(session, eai.SECTOR)
    assert eai.kind_counts(facts) == {"actual": 4, "target": 6, "forecast": 0}
    actuals = eai.numbers(facts[facts["kind"] == "actual"])
    # four indicators, one place each: the first in file order is the rank (全國第一)
    assert eai.actuals_title(session, actuals) == (
        "4 actual figures in 4 indicator(s); the one given for the most places: "
        "National rank by number of industry-chain firms (1)"
    )
    money = eai.money_observations(facts)
    assert list(money["fact_id"]) == [
        "eai_beijing_cluster_2027",
        "eai_shenzhen_output",
        "eai_hangzhou_core_scale_2029",
    ]
    # 超 1700 億元 is the one money actual (industrial output); 千億級 and 200 億元 are targets of industry scale
    actual = money[money["kind"] == "actual"]
    assert eai.money_title(session, actual) == (
        "1 money actuals in 1 indicator(s) and 1 measure(s): one panel each, no shared scale"
    )
    assert eai.money_title(session, money[money["kind"] == "target"], planned=True) == (
        "2 money targets and forecasts in 2 indicator(s) and 1 measure(s): one panel each, no shared scale"
    )
    # no year is printed for any of the four actuals of ¶15
    assert eai.unprinted_year_ids(facts) == [
        "eai_shenzhen_firm_count_rank", "eai_shenzhen_output", "eai_shenzhen_top100_firms",
        "eai_shanghai_national_share",
    ]  # fmt: skip


def test_widest_indicator_counts_places_not_rows():
    facts = pd.DataFrame([
        _row(fact_id="a", indicator="firms", place="hefei"),
        _row(fact_id="b", indicator="firms", place="hefei", year=2024),
        _row(fact_id="c", indicator="patents", place="hefei"),
        _row(fact_id="d", indicator="patents", place="beijing"),
    ])  # fmt: skip
    indicator, rows = common.widest_indicator(facts)
    assert indicator == "patents" and list(rows["fact_id"]) == ["c", "d"]  # 2 places against 1 (in 2 rows)
    assert common.widest_indicator(facts.iloc[:0]) is None


# ------------------------------------------------------------------------------ sizing from a share
def _share(dataset) -> pd.Series:
    [share] = [row for _, row in eai.share_rows(dataset.observations).iterrows()]
    return share


def test_shanghai_share_cannot_size_the_nation(dataset):
    sizing = eai.size_nation_from_share(dataset.observations, _share(dataset))
    assert (sizing.share_id, sizing.place) == ("eai_shanghai_national_share", "shanghai")
    assert sizing.share == pytest.approx(1 / 3)  # 三分之一
    assert sizing.of_measure == "industry_scale"  # 產業規模佔全國
    by_id = {c.fact_id: c for c in sizing.candidates}
    assert list(by_id) == ["eai_beijing_cluster_2027", "eai_shenzhen_output", "eai_hangzhou_core_scale_2029"]
    shenzhen = by_id["eai_shenzhen_output"]
    assert (shenzhen.is_same_place, shenzhen.is_same_measure, shenzhen.is_actual) == (False, False, True)
    # 超 1700 億元 ÷ about 1/3 = 1700 × 3 億元 = 5100 億元 = 5.1 × 10^11; over ÷ about is only "about"
    assert shenzhen.naive_total.value == pytest.approx(5.1e11)
    assert shenzhen.naive_total.bound == "~"
    hangzhou = by_id["eai_hangzhou_core_scale_2029"]
    assert (hangzhou.is_same_place, hangzhou.is_same_measure, hangzhou.is_actual) == (False, True, False)
    assert sizing.usable == ()
    assert sizing.total is None


def test_explanation_prints_the_wrong_shortcut(sessions):
    session = sessions[("en", "CNY")]
    text = "\n".join(eai.explain_sizings(session, eai.chosen_sizings(session)))
    assert "cannot be computed" in text
    assert ">CNY 170 bn ÷ ~1/3 (that is, × 3) = ~CNY 510 bn is NOT the national size" in text  # 1700億 × 3
    assert "another measure (industrial output, not industry scale)" in text
    assert "other" not in text.split("NOT the national size")[1]  # one actual only: no "the same holds" line


def test_a_same_place_same_measure_actual_would_size_the_nation(dataset):
    # if the sources gave Shanghai's industry scale as exactly 100 億元: 10^10 ÷ about 1/3 = about 3 × 10^10
    made_up = _row(fact_id="made_up", sector="embodied_ai", place="shanghai", measure="industry_scale",
                   unit="CNY", value=1e10)  # fmt: skip
    facts = pd.concat([dataset.observations, pd.DataFrame([made_up])], ignore_index=True)
    sizing = eai.size_nation_from_share(facts, _share(dataset))
    assert [c.fact_id for c in sizing.usable] == ["made_up"]
    assert sizing.total.value == pytest.approx(3e10)
    assert sizing.total.bound == "~"  # the share is a rounded 三分之一


def test_a_new_source_brings_its_share_into_the_check(dataset, tmp_path):
    # a made-up source gives Beijing 1/5 of the national industry scale: a second sizing, with the same three
    # money candidates of ¶15 (only Beijing's cluster target is of the same place, and it is a target)
    share = _row(fact_id="made_up_share", place="beijing", indicator="national_industry_share", measure="share",
                 unit="fraction", value=0.2, year=2025, source_id="anue-2025-10-27", locator=15)  # fmt: skip
    grown = rebuild(dataset, facts=pd.concat([dataset.facts, pd.DataFrame([share])], ignore_index=True))
    session = start_notebook(dataset=grown, notebook="05_embodied_ai", output_dir=str(tmp_path))
    sizings = eai.chosen_sizings(session)
    assert [s.place for s in sizings] == ["shanghai", "beijing"]  # file order: the made-up row comes last
    beijing = sizings[1]
    assert [c.fact_id for c in beijing.candidates if c.is_same_place] == ["eai_beijing_cluster_2027"]
    assert beijing.usable == ()
    table = eai.sizing_table(session, sizings)
    assert len(table) == 6  # 3 candidates for each of the 2 shares
    assert sorted(set(table["Share tested"])) == [
        "Beijing 1/5",
        "Shanghai ~1/3",
    ]  # 0.2 printed as a simple fraction


def test_sizing_needs_a_known_share(dataset):
    output = dataset.observations[dataset.observations["fact_id"] == "eai_shenzhen_output"].iloc[0]
    with pytest.raises(ValueError, match="SHARE_OF_MEASURE"):
        eai.size_nation_from_share(dataset.observations, output)


def test_sizing_respects_the_chosen_cities(tmp_path):
    session = start_notebook(
        dataset=article_dataset(),
        notebook="05_embodied_ai",
        cities=["shenzhen", "shanghai"],
        output_dir=str(tmp_path),
    )
    [sizing] = eai.chosen_sizings(session)
    assert [c.fact_id for c in sizing.candidates] == ["eai_shenzhen_output"]
    session = start_notebook(
        dataset=article_dataset(), notebook="05_embodied_ai", cities=["hangzhou"], output_dir=str(tmp_path)
    )
    assert eai.chosen_sizings(session) == []
    assert eai.sizing_table(session, []).empty
    assert "No chosen city has a share" in eai.explain_sizings(session, [])[0]


# ------------------------------------------------------------------------------------- value per unit
def test_hangzhou_value_per_unit_is_at_most_one_million_yuan(sessions):
    # 200 億元 = 2 × 10^10 yuan; 2 萬台 = 2 × 10^4 machines; 2 × 10^10 / 2 × 10^4 = 10^6 yuan = 100 萬元
    pairs = eai.unit_values(sessions[("en", "CNY")])
    assert len(pairs) == 1
    pair = pairs.iloc[0]
    assert (pair["place"], pair["year"], pair["numerator_fact"], pair["denominator_fact"]) == (
        "hangzhou", 2029, "eai_hangzhou_core_scale_2029", "eai_hangzhou_units_2029")  # fmt: skip
    assert pair["value"] == pytest.approx(1e6)
    assert pair["bound"] == "="  # two exact targets
    assert pair["machine_bound"] == "<="  # core industry also counts components
    assert format_money(1e6, sessions[("en", "CNY")].labels) == "CNY 1 m"
    assert format_money(1e6, sessions[("zh-Hant", "CNY")].labels) == "100 萬元"
    # 10^6 / 7.19 = 139,082 (7.19 × 139,082 = 999,999.6)
    assert format_money(1e6, sessions[("en", "USD")].labels, "USD", 7.19) == "USD 139,082"


def test_machine_bound_reads_the_quotient_as_at_most():
    assert eai.machine_bound("=") == "<="
    assert eai.machine_bound("<=") == "<="
    # an "over" scale makes the quotient a lower bound, the reading an upper bound: no direction is left
    assert eai.machine_bound(">=") == "~"
    assert eai.machine_bound("~") == "~"


def test_a_new_pair_of_targets_brings_its_value_per_machine(dataset, tmp_path):
    # made up: Shenzhen 2028, core industry 300 億元 and 1 萬台: 3 × 10^10 / 10^4 = 3 × 10^6 yuan per machine
    rows = [
        _row(fact_id="sz_scale", place="shenzhen", indicator="core_industry_scale", measure="industry_scale",
             kind="target", year=2028, value=3e10, unit="CNY", source_id="anue-2025-10-27", locator=15),
        _row(fact_id="sz_units", place="shenzhen", indicator="robot_annual_output_units", kind="target",
             year=2028, value=1e4, source_id="anue-2025-10-27", locator=15),
    ]  # fmt: skip
    grown = rebuild(dataset, facts=pd.concat([dataset.facts, pd.DataFrame(rows)], ignore_index=True))
    session = start_notebook(dataset=grown, notebook="05_embodied_ai", output_dir=str(tmp_path))
    pairs = eai.unit_values(session)
    assert list(pairs["place"]) == ["hangzhou", "shenzhen"]
    assert list(pairs["value"]) == [pytest.approx(1e6), pytest.approx(3e6)]
    figure, _ = eai.figure_value_per_unit(session)
    # two cities: the title gives the range, 100 萬 to 300 萬 yuan
    assert figure.fig.axes[0].get_title() == (
        "Targets of Hangzhou, Shenzhen imply at most CNY 1 m to CNY 3 m of core-industry value per machine"
    )


def test_unit_value_prose_states_the_upper_bound(sessions):
    session = sessions[("en", "CNY")]
    text = "\n".join(eai.explain_unit_values(session, eai.unit_values(session)))
    assert "= CNY 1 m per unit" in text
    assert "at most CNY 1 m per complete machine" in text


# ---------------------------------------------------------------------------------------- printing
def test_fact_lines_name_the_bound_year_and_paragraph(sessions):
    [line, note] = common.fact_lines(sessions[("en", "CNY")], ["eai_shenzhen_output"], with_notes=True)
    assert line.startswith("- Shenzhen, Total industrial output: >CNY 170 bn [actual; year not printed")
    assert "anue-2025-10-27 ¶15" in line
    assert note.strip().startswith("note: 超 (over)")


def test_citable_falls_back_to_the_sector(sessions):
    session = sessions[("en", "CNY")]
    assert common.citable(session, "embodied_ai", ["a", "", "a"]) == ["a"]
    assert len(common.citable(session, "embodied_ai", ["", None])) == 10  # ¶15 gives ten embodied-AI figures


# ------------------------------------------------------------------------------------------ figures
def _figure_text(fig) -> str:
    texts = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
    return " ".join(t for t in texts if t)


def _latin_words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z][A-Za-z&]{2,}", text)) - LATIN_ALLOWED


@pytest.mark.parametrize("lang", ["en", "zh-Hant", "zh-Hans"])
def test_figures_build_for_every_city(sessions, lang):
    session = sessions[(lang, "USD")]
    timeline, _ = tgt.figure_targets_timeline(session, eai.SECTOR)
    per_unit, _ = eai.figure_value_per_unit(session)
    assert timeline.has_data and per_unit.has_data
    assert timeline.fact_ids == EAI_TARGETS
    assert per_unit.fact_ids == ["eai_hangzhou_core_scale_2029", "eai_hangzhou_units_2029"]
    for result in (timeline, per_unit):
        result.fig.draw_without_rendering()
        assert layout_problems(result.fig) == []
        if lang != "en":
            assert _latin_words(_figure_text(result.fig)) == set()
    # the title, wrapped over the axes, stays inside the figure (the PNG is then cut from one drawing)
    box = timeline.fig.get_tightbbox()
    assert box.x0 >= 0 and box.x1 <= timeline.fig.get_figwidth(), box


def test_figures_say_no_data_when_the_cities_have_none(tmp_path):
    session = start_notebook(
        dataset=article_dataset(),
        notebook="05_embodied_ai",
        lang="zh-Hans",
        cities=["hefei"],
        output_dir=str(tmp_path),
    )
    timeline, checks = tgt.figure_targets_timeline(session, eai.SECTOR)
    per_unit, pairs = eai.figure_value_per_unit(session)
    assert not (timeline.has_data or per_unit.has_data)
    assert checks == [] and pairs.empty
    for result in (timeline, per_unit):
        assert "所选城市无数据" in _figure_text(result.fig)
    assert per_unit.fact_ids == []  # nothing drawn, nothing cited: common.save_cited then saves nothing
    common.save_cited(session.sink, per_unit.fig, "empty", "test", per_unit.fact_ids)
    assert session.sink.registry["figures"] == []


# ------------------------------------------------------------------------------------------ messages
def test_messages_are_prefixed_and_complete():
    entries = yaml.safe_load((MESSAGES_DIR / "05_embodied_ai.yml").read_text(encoding="utf-8"))
    for key, entry in entries.items():
        assert key.startswith("eai_"), key
        assert entry.get("en") and entry.get("zh-Hant"), key


def test_shown_ids_keep_the_chosen_cities_and_the_nation(tmp_path):
    ids = ["eai_shenzhen_output", "eai_shanghai_national_share", "bci_china_market_2024"]
    everyone = start_notebook(
        dataset=article_dataset(), notebook="05_embodied_ai", output_dir=str(tmp_path / "all")
    )
    assert common.shown_ids(everyone, ids) == ids
    shanghai = start_notebook(
        dataset=article_dataset(),
        notebook="05_embodied_ai",
        cities=["shanghai"],
        output_dir=str(tmp_path / "sh"),
    )
    assert common.shown_ids(shanghai, ids) == ["eai_shanghai_national_share", "bci_china_market_2024"]


def test_shared_money_figure_keeps_measures_apart(sessions):
    # ¶15: 千億級 (Beijing) and 200 億元 (Hangzhou) are industry scale, 超 1700 億元 (Shenzhen) industrial output
    money = tgt.figure_money_by_measure(sessions[("en", "CNY")], eai.SECTOR)
    titles = [ax.get_title(loc="left") for ax in money.fig.axes]
    assert titles == ["industry scale", "industrial output"]

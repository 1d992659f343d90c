"""The prose lines and tables of notebooks 03, 05, 06 and 07 in the label language (issue 13): the doubtful
figures of hydrogen_fusion, the sizing and value-per-machine reasoning of embodied_ai, the scope and span notes
of sixg, and units named by helpers.tables.unit_name. Expected texts are written by hand from the frozen
one-article data (tests/fixtures/article: paragraphs 11, 15 and 17 of anue-2025-10-27) and the labels of
messages/english_a.yml."""

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from conftest import article_dataset

from helpers.analysis import embodied_ai as eai
from helpers.analysis import hydrogen_fusion as h2f
from helpers.analysis import sixg
from helpers.analysis import synthesis as syn
from helpers.data import allowed_values, rebuild
from helpers.i18n import LANGS, Labels, english_words
from helpers.session import start_notebook
from helpers.tables import unit_name


@pytest.fixture(scope="module")
def sessions(tmp_path_factory):
    """Sessions of notebooks 03, 05 and 06 on the one-article data, in each label language."""
    out = tmp_path_factory.mktemp("prose")
    return {
        (notebook, lang): start_notebook(dataset=article_dataset(), notebook=notebook, lang=lang,
                                         output_dir=str(out / f"{notebook}_{lang}"))
        for notebook in ("03_hydrogen_fusion", "05_embodied_ai", "06_6g")
        for lang in LANGS
    }  # fmt: skip


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _ids() -> set[str]:
    dataset = article_dataset()
    return set(dataset.facts["fact_id"]) | set(dataset.sources["source_id"])


# ------------------------------------------------------------------------------ 03: the doubtful figures
def test_doubts_are_read_from_the_words_of_the_notes():
    assert h2f.doubts("Garbled in the source: 超計 is probably 超過", "explicit: 截至 2024 年") == ["garbled"]
    assert h2f.doubts("力争 (strive to): a target; doubtful year", "explicit: 2030年") == ["year"]
    assert h2f.doubts("", "explicit: 2030年; Doubtful year") == ["year"]  # either note, any case
    assert h2f.doubts("A doubtful figure", "") == ["other"]  # flagged (DOUBT_WORDS) but neither kind named
    assert h2f.doubts("Garbled; doubtful year", "") == ["garbled", "year"]
    assert h2f.doubts("超 (over): lower bound", "explicit: 2024 年") == []


def test_doubtful_table_in_chinese_names_the_doubt_instead_of_the_english_note(sessions):
    # ¶11: Shanghai's 超計 300 萬公里 is garbled; an actual, its year printed (截至 2024 年)
    table = h2f.doubtful_table(sessions[("03_hydrogen_fusion", "zh-Hant")])
    assert "備註" not in table.columns
    assert list(table["疑點"]) == ["原文字句錯亂（實際；年份：原文載明）"]
    assert list(table["原文"]) == ["超計 300 萬公里"]
    words = [w for text in table.astype(str).to_numpy().ravel() for w in english_words(text, _ids())]
    assert words == []
    simplified = h2f.doubtful_table(sessions[("03_hydrogen_fusion", "zh-Hans")])
    assert list(simplified["疑点"]) == ["原文字句错乱（实际；年份：原文载明）"]
    english = h2f.doubtful_table(sessions[("03_hydrogen_fusion", "en")])
    assert english["Note"].iloc[0].startswith("Garbled in the source")  # English runs keep the data's note


# ------------------------------------------------------------------------- 05: sizing and value per machine
def test_sizing_reasoning_in_traditional_chinese(sessions):
    session = sessions[("05_embodied_ai", "zh-Hant")]
    lines = eai.explain_sizings(session, eai.chosen_sizings(session))
    # ¶15: 上海產業規模佔全國三分之一; candidates in file order: Beijing's cluster target (2027), Shenzhen's
    # output (超 1700 億元, an actual), Hangzhou's core-industry target (2029)
    assert lines[0] == "1. 上海占全國產業規模的 ~1/3（eai_shanghai_national_share）。"
    assert lines[2] == "3. 逐一檢驗本產業的金額數值能否作為這個分子（3 個）："
    assert lines[3] == (
        "   - eai_beijing_cluster_2027：北京，產業規模，目標，>1,000 億元 -> 不可用：其他地點（北京，而非上海）；"
        "2027 年的目標，並非實際值"
    )
    assert lines[4] == (
        "   - eai_shenzhen_output：深圳，產值，實際，>1,700 億元 -> 不可用：其他地點（深圳，而非上海）；"
        "其他衡量（產值，而非產業規模）"
    )
    # the shortcut: 1700 億 ÷ 1/3 = 5100 億, "about" (over ÷ about); both years not printed
    assert lines[-1].startswith("5. 看似便捷的算法 >1,700 億元 ÷ ~1/3（即 × 3）= ~5,100 億元 並不是全國規模")
    assert lines[-1].endswith(
        "該數值的年份：原文未載（以來源日期為準）；上海份額的年份：原文未載（以來源日期為準）。"
    )
    assert [w for line in lines for w in english_words(line, _ids())] == []


def test_no_sizing_is_said_in_the_label_language(sessions):
    assert eai.explain_sizings(sessions[("05_embodied_ai", "zh-Hans")], []) == [
        "所选城市在来源中都没有占全国总量的份额：在城市参数中加入这样的城市，即可看到这段推理。"
    ]


def test_value_per_machine_in_traditional_chinese(sessions):
    # 200 億元 ÷ 2 萬台 = 100 萬元 a machine, at most (the core industry also counts components)
    session = sessions[("05_embodied_ai", "zh-Hant")]
    division, reading = eai.explain_unit_values(session, eai.unit_values(session))
    assert division == (
        "杭州 2029 年：核心產業規模 200 億元（eai_hangzhou_core_scale_2029）÷ 整機年產量 20,000 台"
        "（eai_hangzhou_units_2029）= 每台 100 萬元。"
    )
    assert reading.startswith("解讀：每台整機至多 100 萬元（界限 <=）")


def test_a_quotient_without_direction_is_read_as_about(sessions):
    # a lower-bound scale would make the quotient a lower bound, its reading "~": about, not "at most"
    session = sessions[("05_embodied_ai", "en")]
    pairs = eai.unit_values(session).assign(machine_bound="~")
    _, reading = eai.explain_unit_values(session, pairs)
    assert reading.startswith("Read as: about CNY 1 m per complete machine, with no direction (bound '~')")
    assert "at most" not in reading


# ----------------------------------------------------------------------------------- 06: scope and spans
def test_scope_line_in_traditional_chinese(sessions):
    # ¶17: 南京 5 年內 (2025 + 5 = 2030) 未來產業產值破 3000 億元: a lower bound of a target, all future industries
    assert sixg.scope_lines(sessions[("06_6g", "zh-Hant")]) == [
        "- 6g_nanjing_output_2030：2030 年 >3,000 億元 涵蓋南京全部未來產業，並非只有 6G：它不是南京 6G 產業的規模；"
        "而且它本身是一個目標的下限。"
    ]


def test_span_lines_in_traditional_chinese(sessions):
    # (fact labels converted to the label language's script: 出台 -> 出臺)
    # Beijing: 2024 plan (actual) to 2026 test environment (target) = 2 years; from the article's year 2025:
    # 2026 - 2025 = 1 year left, Nanjing's 2030 output 2030 - 2025 = 5 years left
    assert sixg.span_lines(sessions[("06_6g", "zh-Hant")]) == [
        "- 北京：從出臺行動方案（2024 年）到建成開放試驗環境（2026 年）：2 年",
        "- 北京，建成開放試驗環境（2026 年）：最新來源年份 2025 年之後尚餘 1 年",
        "- 南京，未來產業產值（2030 年）：最新來源年份 2025 年之後尚餘 5 年",
    ]


def test_a_target_due_before_the_latest_source_in_chinese(tmp_path):
    # made up: a Shanghai test-environment target for 2024, before the article's year 2025: due 1 year before
    dataset = article_dataset()
    row = dataset.facts[dataset.facts["fact_id"] == "6g_beijing_test_environment_2026"].assign(
        fact_id="sh_old", place="shanghai", year=2024, value=2024, year_note="explicit: 2024 年"
    )
    grown = rebuild(dataset, facts=pd.concat([dataset.facts, row], ignore_index=True))
    session = start_notebook(dataset=grown, notebook="06_6g", lang="zh-Hant", cities=["shanghai"],
                             output_dir=str(tmp_path))  # fmt: skip
    assert sixg.span_lines(session) == [
        "- 所選城市中沒有一個同時給出註明年份的實際里程碑與其後註明年份的目標。",
        "- 上海，建成開放試驗環境（2024 年）：期限比最新來源年份 2025 年早 1 年；來源沒有說明是否達成",
    ]


# ----------------------------------------------------------------------------------------- 07: units
def test_every_allowed_unit_has_a_name_in_every_language():
    dataset = article_dataset()
    for lang in LANGS:
        labels = Labels(lang, dataset)
        names = [unit_name(unit, labels) for unit in allowed_values("facts", "unit")]
        if lang != "en":
            assert [w for name in names for w in english_words(name)] == [], lang
    assert unit_name("count", Labels("en")) == "count"  # English runs show the unit as before
    assert unit_name("count", Labels("zh-Hant")) == "個數"
    assert unit_name("count", Labels("zh-Hans")) == "个数"


def test_comparable_quantities_display_names_the_unit_in_chinese():
    # a hand-made row of helpers.index.comparable_quantities: quantum firms counted for Beijing and Shenzhen
    table = pd.DataFrame([{"sector": "quantum", "indicator": "quantum_firms", "unit": "count", "measure": "count",
                           "n_places": 2, "places": "beijing;shenzhen", "n_district": 0,
                           "fact_id": "quantum_hefei_firms"}])  # fmt: skip
    shown = syn.comparable_display(table, Labels("zh-Hant", article_dataset()))
    assert shown.iloc[0].tolist()[2:] == ["數量", "個數", 2, "北京和深圳", 0]

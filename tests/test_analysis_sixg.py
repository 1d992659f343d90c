"""6G analysis (helpers.analysis.sixg), checked by hand against paragraph 16 of anue-2025-10-27 (the frozen
one-article fixture, tests/fixtures/article) and against made-up rows added to it."""

import re

import matplotlib.pyplot as plt
import pandas as pd
import pytest
import yaml
from conftest import article_dataset

from helpers.analysis import common, sixg
from helpers.data import rebuild
from helpers.i18n import MESSAGES_DIR
from helpers.plots import layout_problems
from helpers.session import start_notebook

SIXG_FACTS = [  # ¶16: 2024 年出台行動方案, 2026 年建成開放試驗環境, 今年啟動「ICT + 行動」, 比 5G 提升百倍, 5 年內 ... 破 3000 億元
    "6g_beijing_action_plan_2024",
    "6g_beijing_test_environment_2026",
    "6g_shenzhen_ict_action_2025",
    "6g_nanjing_terahertz_gain",
    "6g_nanjing_output_2030",
]


@pytest.fixture(scope="module")
def dataset():
    return article_dataset()


@pytest.fixture(scope="module")
def sessions(tmp_path_factory):
    out = tmp_path_factory.mktemp("sixg")
    return {
        lang: start_notebook(
            dataset=article_dataset(), notebook="06_6g", lang=lang, output_dir=str(out / lang)
        )
        for lang in ("en", "zh-Hant", "zh-Hans")
    }


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _roles(dataset):
    return dataset.city_roles[dataset.city_roles["sector"] == "6g"]


# ------------------------------------------------------------------------------------------ who does what
def test_focus_matrix_follows_the_paragraph(sessions):
    # ¶16: Beijing 標準制定核心, 清北北郵 太赫茲通信; Shenzhen 通信產業鏈, 專利, 6G 與低空經濟融合;
    # Nanjing 紫金山實驗室 太赫茲傳輸; Shanghai 晶片、衛星互聯
    matrix = sixg.chosen_matrix(sessions["en"])
    assert list(matrix.index) == ["beijing", "shenzhen", "nanjing", "shanghai"]
    assert sixg.tag_holders(matrix) == {
        "standards": ["beijing"],
        "terahertz": ["beijing", "nanjing"],
        "research": ["beijing", "nanjing"],
        "industry_chain": ["shenzhen"],
        "patents": ["shenzhen"],
        "low_altitude_economy": ["shenzhen"],
        "chips": ["shanghai"],
        "satellites": ["shanghai"],
    }
    assert matrix.shape == (4, 9)  # the role, then 3 + 3 + 0 new + 2 distinct tags
    assert sixg.shared_tags(matrix) == ["terahertz", "research"]  # Beijing and Nanjing only


def test_a_subset_keeps_only_the_tags_it_holds(tmp_path):
    session = start_notebook(dataset=article_dataset(), notebook="06_6g", cities=["shanghai"],
                             output_dir=str(tmp_path))  # fmt: skip
    matrix = sixg.chosen_matrix(session)
    assert list(matrix.columns) == ["role", "chips", "satellites"]
    assert sixg.shared_tags(matrix) == []


def test_focus_matrix_table_marks_cells(sessions):
    session = sessions["zh-Hant"]
    table = common.focus_matrix_table(sixg.chosen_matrix(session), session.labels)
    assert list(table["城市"]) == ["北京", "深圳", "南京", "上海"]
    assert list(table["太赫茲"]) == ["✓", "", "✓", ""]
    assert list(table["低空經濟"]) == ["", "✓", "", ""]


# --------------------------------------------------------------------------------------- dates and scopes
def test_only_nanjings_output_target_is_wider_than_6g(dataset):
    facts = dataset.observations[dataset.observations["sector"] == "6g"]
    wider = [row["fact_id"] for _, row in facts.iterrows() if sixg.is_wider_than_sector(row)]
    assert wider == ["6g_nanjing_output_2030"]  # 未來產業產值: all of Nanjing's future industries


def test_over_read_figures(dataset):
    facts = dataset.observations[dataset.observations["sector"] == "6g"]
    # 比 5G 提升百倍 is a laboratory result; 破 3000 億元 covers all future industries; ¶16 gives no district
    assert sixg.over_read_ids(facts) == ["6g_nanjing_terahertz_gain", "6g_nanjing_output_2030"]
    park = facts.iloc[[0]].assign(fact_id="park", district_en="Some S&T Park", kind="target")
    assert sixg.over_read_ids(park) == ["park"]


def test_timeline_rows_keep_printed_and_worked_out_years(sessions):
    session = sessions["en"]
    facts = common.chosen_facts(session, "6g")
    rows = sixg.timeline_rows(session, facts, sixg.timeline_notes(session, facts))
    # the terahertz multiple has no printed year and stays off the timeline
    assert list(rows["fact_id"]) == [
        "6g_beijing_action_plan_2024",
        "6g_beijing_test_environment_2026",
        "6g_shenzhen_ict_action_2025",
        "6g_nanjing_output_2030",
    ]
    # 今年 = the article's year 2025; 5 年內 counted from 2025: 2025 + 5 = 2030
    assert list(rows["year"]) == [2024, 2026, 2025, 2030]
    assert list(rows["basis"]) == ["explicit", "explicit", "derived", "derived"]
    nanjing = rows.iloc[3]["note"].split("\n")
    assert nanjing == [
        ">CNY 300 bn",  # 破 3000 億元 = 3 × 10^11, a lower bound
        "year worked out from the text",
        "all future industries, not 6G alone",
        "no baseline in the sources",
    ]


def test_milestone_spans_and_years_to_targets(dataset, sessions):
    facts = dataset.observations[dataset.observations["sector"] == "6g"]
    # Beijing: action plan 2024 (actual), test environment 2026 (target): 2026 - 2024 = 2 years; Shenzhen's
    # ICT+ launch has no dated target after it, Nanjing no dated actual milestone
    assert sixg.milestone_spans(facts) == [
        ("beijing", "6g_beijing_action_plan_2024", "6g_beijing_test_environment_2026", 2)
    ]
    # from the latest source's year 2025: 2026 - 2025 = 1, 2030 - 2025 = 5
    assert sixg.years_to_targets(sessions["en"]) == {
        "6g_beijing_test_environment_2026": 1,
        "6g_nanjing_output_2030": 5,
    }
    lines = sixg.span_lines(sessions["en"])
    assert lines == [
        "- Beijing: from 6G action plan issued (2024) to Open 6G test environment built (2026): 2 year(s)",
        "- Beijing, Open 6G test environment built (2026): 1 year(s) left after the latest source's year 2025",
        "- Nanjing, Future-industries output (2030): 5 year(s) left after the latest source's year 2025",
    ]


def test_a_target_due_before_the_latest_source_is_said_so(dataset, tmp_path):
    # made up: a Shanghai target for 2024, before the latest source's year 2025: due 1 year before it
    row = dataset.facts[dataset.facts["fact_id"] == "6g_beijing_test_environment_2026"].assign(
        fact_id="sh_old", place="shanghai", year=2024, value=2024, year_note="explicit: 2024 年"
    )
    grown = rebuild(dataset, facts=pd.concat([dataset.facts, row], ignore_index=True))
    session = start_notebook(dataset=grown, notebook="06_6g", cities=["shanghai"], output_dir=str(tmp_path))
    assert sixg.span_lines(session) == [
        "- No chosen city gives both a dated actual milestone and a later dated target.",
        "- Shanghai, Open 6G test environment built (2024): due 1 year(s) before the latest source's year 2025; "
        "the sources do not say whether it was met",
    ]


def test_scope_lines_say_not_6g_alone(sessions):
    [line] = sixg.scope_lines(sessions["en"])
    assert line.startswith(
        "- 6g_nanjing_output_2030: >CNY 300 bn by 2030 covers ALL of Nanjing's future industries"
    )
    assert "lower bound" in line


def test_milestones_table(sessions):
    session = sessions["zh-Hans"]
    table = sixg.milestones_table(session)
    labels = session.labels
    assert list(table[labels("fact_id")]) == SIXG_FACTS
    assert list(table[labels("year")]) == ["2024", "2026", "2025", "", "2030"]
    assert list(table[labels("sixg_col_year_basis")]) == [
        "原文载明",
        "原文载明",
        "由内文推得",
        "原文未载",
        "由内文推得",
    ]
    assert list(table[labels("figure")])[3:] == ["100×", ">3,000 亿元"]


def test_numbers_leave_the_dates_out_and_plans_apart(sessions):
    session = sessions["en"]
    actual, planned = sixg.numbers(session), sixg.numbers(session, planned=True)
    # ¶16 gives two numbers besides its years: the terahertz multiple (a test result) and the output target
    assert list(actual["fact_id"]) == ["6g_nanjing_terahertz_gain"]
    assert list(planned["fact_id"]) == ["6g_nanjing_output_2030"]
    assert sixg.numbers_title(session, actual) == (
        "1 6G actuals and test results in 1 indicator(s); the one given for the most places: "
        "Terahertz transmission capacity relative to 5G (1)"
    )
    assert sixg.numbers_title(session, planned, planned=True).startswith(
        "1 6G targets and forecasts in 1 indicator(s)"
    )
    assert sixg.numbers_title(session, actual.iloc[:0]) == "6G figures other than dates"


# ------------------------------------------------------------------------------------------ evidence
def test_evidence_counts(dataset):
    facts = dataset.observations[dataset.observations["sector"] == "6g"]
    counts = sixg.evidence_counts(facts, _roles(dataset))
    # Beijing: plan (actual) + test environment (target); Shenzhen: ICT+ launch (actual); Nanjing: output
    # (target) — its terahertz multiple is a laboratory result, not a figure of the industry
    assert counts.to_dict("index") == {
        "beijing": {"actual": 1, "target": 1, "forecast": 0},
        "shenzhen": {"actual": 1, "target": 0, "forecast": 0},
        "nanjing": {"actual": 0, "target": 1, "forecast": 0},
        "shanghai": {"actual": 0, "target": 0, "forecast": 0},
    }


# ------------------------------------------------------------------------------------------ figures
def _figure_text(fig) -> str:
    return " ".join(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")) if t.get_text())


@pytest.mark.parametrize("lang", ["en", "zh-Hant", "zh-Hans"])
def test_figures_build(sessions, lang):
    session = sessions[lang]
    matrix, _ = sixg.figure_focus_matrix(session)
    evidence, _ = sixg.figure_evidence(session)
    timeline = sixg.figure_timeline(session)
    assert matrix.has_data and evidence.has_data and timeline.has_data
    assert timeline.fact_ids == [SIXG_FACTS[0], SIXG_FACTS[1], SIXG_FACTS[2], SIXG_FACTS[4]]
    assert matrix.fact_ids == []  # the matrix draws city roles only; the notebook cites them as roles
    assert evidence.fact_ids == [SIXG_FACTS[0], SIXG_FACTS[1], SIXG_FACTS[2], SIXG_FACTS[4]]  # no lab result
    for result in (matrix, evidence, timeline):
        result.fig.draw_without_rendering()
        assert layout_problems(result.fig) == []
        if lang != "en":
            assert set(re.findall(r"[A-Za-z][A-Za-z&]{2,}", _figure_text(result.fig))) <= {
                "CNY",
                "USD",
                "ICT",
            }  # ICT: a name as printed (¶16)


def test_figures_with_cities_that_give_no_figure(tmp_path):
    session = start_notebook(
        dataset=article_dataset(),
        notebook="06_6g",
        lang="zh-Hans",
        cities=["shanghai"],
        output_dir=str(tmp_path),
    )
    matrix, table = sixg.figure_focus_matrix(session)
    evidence, counts = sixg.figure_evidence(session)
    timeline = sixg.figure_timeline(session)
    assert matrix.has_data and list(table.index) == ["shanghai"]
    assert evidence.has_data and int(counts.to_numpy().sum()) == 0 and evidence.fact_ids == []
    assert not timeline.has_data and "所选城市无数据" in _figure_text(timeline.fig)
    assert "仅文字描述" in _figure_text(evidence.fig)
    roles = [("6g", "shanghai")]
    for name, result in (("m", matrix), ("e", evidence), ("t", timeline)):
        session.sink.save_figure(result.fig, name, "test", result.fact_ids, roles=roles)
    assert sixg.milestones_table(session).empty
    assert sixg.scope_lines(session) == ["所选的 6G 数值中没有涵盖范围大于 6G 者。"]  # a zh-Hans session


def test_figures_with_a_city_outside_6g(tmp_path):
    session = start_notebook(
        dataset=article_dataset(), notebook="06_6g", cities=["hefei"], output_dir=str(tmp_path)
    )
    matrix, _ = sixg.figure_focus_matrix(session)
    evidence, _ = sixg.figure_evidence(session)
    assert not matrix.has_data and not evidence.has_data
    assert matrix.fact_ids == [] and evidence.fact_ids == []


# ------------------------------------------------------------------------------------------ messages
def test_messages_are_prefixed_and_complete():
    entries = yaml.safe_load((MESSAGES_DIR / "06_6g.yml").read_text(encoding="utf-8"))
    for key, entry in entries.items():
        assert key.startswith("sixg_"), key
        assert entry.get("en") and entry.get("zh-Hant"), key

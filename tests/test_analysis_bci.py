"""helpers.analysis.bci: the market's implied growth, scenario projections, the route/application matrix and
figures that keep sources apart from assumptions.

Expected values are worked out by hand from the Anue article (anue-2025-10-27, paragraph 14) and
data/assumptions.yml (growth multipliers 0.5, 1.0, 1.5).
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

from helpers.analysis import bci
from helpers.data import rebuild
from helpers.i18n import Labels
from helpers.plots import apply_theme

matplotlib.use("Agg")

# 32 億元 (2024, actual) -> 55.8 億元 (2027, forecast): ratio 55.8 / 32 = 1.74375 over 3 years.
# By hand: 1.2036^3 = 1.4486... x 1.2036 = 1.74360 and 1.2037^3 = 1.74403, so the rate lies in (0.2036, 0.2037).
RATE_LOW, RATE_HIGH = 0.2036, 0.2037
ALLOWED_LATIN = {"anue", "pkg", "assumptions", "CNY", "USD"}


@pytest.fixture(scope="module")
def ds():
    return article_dataset()


@pytest.fixture(scope="module")
def en(ds):
    return Labels("en", ds)


@pytest.fixture(scope="module")
def path(ds):
    return bci.market_path(ds)


def latin_words(fig) -> set[str]:
    """Latin words of three letters or more in any text of `fig` (drawn first), minus the allowed ones."""
    fig.canvas.draw()
    words = set()
    for artist in fig.findobj(Text):
        words |= set(re.findall(r"[A-Za-z]{3,}", re.sub(r"\\[A-Za-z]+", "", artist.get_text())))
    return words - ALLOWED_LATIN


# ------------------------------------------------------------------------------------------------ market path
def test_market_path_reads_the_actual_and_the_forecast(path) -> None:
    assert (path.start_year, path.end_year) == (2024, 2027)
    assert path.start_value_cny == pytest.approx(3.2e9)  # 32 億元
    assert path.end_value_cny == pytest.approx(5.58e9)  # 55.8 億元
    assert path.fact_ids == ("bci_china_market_2024", "bci_china_market_2027")


def test_implied_rate_is_about_20_4_percent(path) -> None:
    assert RATE_LOW < path.implied_rate < RATE_HIGH
    assert f"{path.implied_rate:.1%}" == "20.4%"
    # Compounding the rate three times gives back the ratio 55.8 / 32 = 1.74375.
    assert (1 + path.implied_rate) ** 3 == pytest.approx(1.74375)


def test_a_bounded_forecast_gives_a_bounded_rate(ds) -> None:
    facts = ds.facts.copy()
    facts.loc[facts["fact_id"] == "bci_china_market_2027", "bound"] = ">="  # as if printed "over 55.8 億元"
    bounded = bci.market_path(rebuild(ds, facts=facts))
    # over 55.8 over an exact 32: growth of at least 20.4% a year (helpers.indicators.ratio_bound)
    assert bounded.rate_bound == ">=" and bounded.rate_text == ">20.4%"
    assert bci.market_path(ds).rate_text == "20.4%"


def test_market_path_takes_the_latest_actual_and_the_furthest_forecast(ds) -> None:
    facts = ds.facts.copy()
    row = facts[facts["fact_id"] == "bci_china_market_2027"].iloc[0].copy()
    later = row.copy()
    later[["fact_id", "year", "value", "quantity_text"]] = ["test_market_2030", 2030, 1e10, "100 億元"]
    actual = row.copy()
    actual[["fact_id", "year", "value", "kind", "quantity_text"]] = [
        "test_market_2025",
        2025,
        4e9,
        "actual",
        "40 億元",
    ]
    grown = bci.market_path(
        rebuild(ds, facts=pd.concat([facts, pd.DataFrame([later, actual])], ignore_index=True))
    )
    assert (grown.start_year, grown.end_year) == (
        2025,
        2030,
    )  # the 2024 actual and 2027 forecast stay as points
    assert grown.fact_ids == ("test_market_2025", "test_market_2030")
    assert list(grown.points["year"]) == [2024, 2025, 2027, 2030]
    # (100 / 40)^(1/5) - 1: 1.2^5 = 2.48832, 1.2011^5 = 2.4997..., so the rate is just above 20.1%
    assert f"{grown.implied_rate:.1%}" == "20.1%"


def test_market_path_without_a_later_forecast_says_so(ds) -> None:
    facts = ds.facts[ds.facts["fact_id"] != "bci_china_market_2027"]
    with pytest.raises(LookupError, match="no forecast of the national BCI market after 2024"):
        bci.market_path(rebuild(ds, facts=facts.reset_index(drop=True)))
    with pytest.raises(LookupError, match="no actual"):
        bci.market_path(rebuild(ds, facts=ds.facts[ds.facts["sector"] != "bci"].reset_index(drop=True)))


def test_scenario_rates_multiply_the_implied_rate(ds, path) -> None:
    rates = bci.scenario_rates(path.implied_rate, ds.assumptions)
    assert list(rates) == ["low", "base", "high"]
    assert RATE_LOW / 2 < rates["low"] < RATE_HIGH / 2  # x 0.5: 10.18 % to 10.185 %
    assert rates["base"] == path.implied_rate  # x 1.0
    assert 1.5 * RATE_LOW < rates["high"] < 1.5 * RATE_HIGH  # x 1.5: 30.54 % to 30.555 %


# ------------------------------------------------------------------------------------------------ projections
def test_project_scenarios_to_2030(ds, path) -> None:
    projections = bci.project_scenarios(path, ds.assumptions, 2030)
    assert len(projections) == 3 * 4  # three scenarios, years 2027 to 2030
    at = projections.set_index(["scenario", "year"])["value_cny"]
    for name in ("low", "base", "high"):
        assert at[(name, 2027)] == pytest.approx(5.58e9)  # every scenario starts from the forecast
    # Base: three more years at the implied rate multiply by 55.8 / 32 again: 5.58 x 1.74375 = 9.730125 (x 1e9).
    assert at[("base", 2030)] == pytest.approx(9.730125e9)
    # Low: rate ~0.101817; 1.101817^2 = 1.214001, x 1.101817 = 1.337608; x 5.58e9 = 7.4639e9.
    assert at[("low", 2030)] == pytest.approx(7.4639e9, rel=1e-3)
    # High: rate ~0.305452; 1.305452^2 = 1.704205, x 1.305452 = 2.224765; x 5.58e9 = 12.414e9.
    assert at[("high", 2030)] == pytest.approx(12.414e9, rel=1e-3)


@pytest.mark.parametrize("horizon", [2026, 2027])
def test_no_projection_up_to_the_forecast_year(ds, path, horizon: int) -> None:
    projections = bci.project_scenarios(path, ds.assumptions, horizon)
    assert projections.empty
    assert list(projections.columns) == ["scenario", "year", "rate", "value_cny"]


def test_doubling_time() -> None:
    assert bci.doubling_time(1.0) == pytest.approx(1.0)  # 100 % a year doubles in one year
    # ln 2 / ln 1.2036 = ln 1.2 + ln 1.003 = 0.182322 + 0.002996 = 0.185318; 0.693147 / 0.185318 = 3.740 years.
    assert bci.doubling_time(0.2036) == pytest.approx(3.740, abs=1e-3)
    with pytest.raises(ValueError):
        bci.doubling_time(0.0)


def test_market_table_labels_actual_forecast_and_projection(ds, path, en) -> None:
    table = bci.market_table(path, bci.project_scenarios(path, ds.assumptions, 2030), en)
    assert list(table[en("year")]) == [2024, 2027, 2028, 2029, 2030]
    assert list(table[en("kind")]) == ["actual", "forecast"] + ["projection (assumption)"] * 3
    assert list(table[en("bci_col_sourced")])[:2] == ["CNY 3.2 bn", "CNY 5.58 bn"]
    assert table[en("bci_col_scenario", scenario="base")].iloc[-1] == "CNY 9.73 bn"
    zh = Labels("zh-Hant", ds)
    zh_table = bci.market_table(path, bci.project_scenarios(path, ds.assumptions, 2030), zh)
    assert zh_table[zh("bci_col_scenario", scenario=zh.scenario("base"))].iloc[-1] == "97.3 億元"
    short = bci.market_table(path, bci.project_scenarios(path, ds.assumptions, 2026), en)
    assert list(short[en("year")]) == [2024, 2027]


def test_rates_table(ds, path, en) -> None:
    table = bci.rates_table(path, ds.assumptions, en)
    assert list(table[en("bci_col_rate")]) == ["20.4%", "10.2%", "20.4%", "30.5%"]
    assert list(table[en("bci_col_multiplier")]) == ["", "0.5", "1", "1.5"]


# ------------------------------------------------------------------------------------ route/application matrix
def test_matrix_follows_paragraph_14(ds) -> None:
    matrix = bci.route_application_matrix(ds)
    assert list(matrix.index) == ["shanghai", "beijing", "shenzhen", "hangzhou", "chengdu"]
    assert matrix.loc["shanghai", list(bci.ROUTES)].all()  # 侵入式、半侵入式、非侵入式全技術路線
    assert matrix["non_invasive"].sum() == 3  # Shanghai, Beijing, Shenzhen (¶14; Hangzhou names no route)
    assert not matrix.loc["chengdu", list(bci.ROUTES)].any()  # 康復機器人, 中試平台: no route named
    assert matrix.loc["beijing"].equals(matrix.loc["shenzhen"])  # the article repeats the same words for both
    assert list(matrix.index[matrix["emotion_recognition"]]) == ["hangzhou"]
    assert list(matrix.index[matrix["pilot_platform"]]) == ["chengdu"]


def test_matrix_titles(ds, en) -> None:
    full = bci.route_application_matrix(ds)
    assert (
        bci.matrix_title(full, en)
        == "Most common route: non-invasive (3 of 5 cities); all three routes: Shanghai"
    )
    pair = bci.route_application_matrix(ds, ["beijing", "chengdu"])
    assert (
        bci.matrix_title(pair, en)
        == "Most common route: non-invasive (1 of 2 cities); all three routes: none"
    )
    alone = bci.route_application_matrix(ds, ["chengdu"])
    assert bci.matrix_title(alone, en) == "The sources name no technology route for the chosen cities (1)"


def test_matrix_table_marks_stated_cells(ds, en) -> None:
    table = bci.matrix_table(bci.route_application_matrix(ds, ["hangzhou"]), en)
    assert table.iloc[0][en("city")] == "Hangzhou"
    ticked = [c for c in table.columns[1:] if table.iloc[0][c] == "✓"]
    assert ticked == ["Application: emotion recognition"]  # ¶14 names no route for Hangzhou


# ---------------------------------------------------------------------------------------------------- figures
def test_fan_marks_projections_as_assumptions(ds, path, en) -> None:
    fig, fact_ids = bci.plot_market_fan(
        path,
        bci.project_scenarios(path, ds.assumptions, 2030),
        en,
        "high",
        assumptions_source="pkg-assumptions",
    )
    texts = [t.get_text() for t in fig.findobj(Text)]
    assert fact_ids == list(path.fact_ids)
    assert any("pkg-assumptions" in t and "not the source" in t for t in texts)
    # high: 1.5 x 20.365% = 30.55% a year from 55.8 億元 in 2027; 1.3055^3 = 2.2249, so 124.1 億元 = CNY 12.4 bn
    assert "projection, high scenario (assumption, chosen), CNY 12.4 bn in 2030" in texts
    assert fig.axes[0].get_yscale() == "linear"
    plt.close(fig)


def test_fan_switches_to_log_scale_for_long_horizons(ds, path, en) -> None:
    # High scenario to 2050: 1.3055^23 is about 460, so the fan spans far more than tenfold.
    fig, _ = bci.plot_market_fan(
        path,
        bci.project_scenarios(path, ds.assumptions, 2050),
        en,
        "base",
        assumptions_source="pkg-assumptions",
    )
    assert fig.axes[0].get_yscale() == "log"
    plt.close(fig)


@pytest.mark.parametrize("horizon", [2026, 2030])
def test_scenario_figure_with_and_without_projection(ds, path, en, horizon: int) -> None:
    fig, fact_ids = bci.plot_scenarios(
        path, bci.project_scenarios(path, ds.assumptions, horizon), en, ds.assumptions
    )
    assert fact_ids == list(path.fact_ids)
    title = fig._suptitle.get_text()
    assert title.startswith("By 2030") if horizon == 2030 else "no projection" in title
    plt.close(fig)


def test_matrix_figure_without_cities_of_the_sector_says_so(ds, path, en) -> None:
    fig, fact_ids = bci.plot_matrix(ds, en, path, ["hefei"])
    assert fact_ids == []
    assert any(t.get_text() == en("no_data") for t in fig.findobj(Text))
    plt.close(fig)


def test_matrix_note_names_the_paragraph_and_the_national_figures(ds, path, en) -> None:
    fig, fact_ids = bci.plot_matrix(ds, en, path)
    note = next(t.get_text() for t in fig.findobj(Text) if t.get_text().startswith("Filled"))
    assert "(¶14)" in note and "CNY 3.2 bn (2024)" in note and "CNY 5.58 bn (2027 forecast)" in note
    assert fact_ids == list(path.fact_ids)
    plt.close(fig)


@pytest.mark.parametrize("lang", ["zh-Hant", "zh-Hans"])
@pytest.mark.parametrize("figure", ["fan", "scenarios", "matrix"])
def test_chinese_figures_have_no_english_words_and_no_missing_glyphs(
    ds, path, lang: str, figure: str
) -> None:
    labels = Labels(lang, ds)
    apply_theme(lang)
    projections = bci.project_scenarios(path, ds.assumptions, 2035)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if figure == "fan":
            fig, _ = bci.plot_market_fan(
                path, projections, labels, "high", "USD", 7.19, assumptions_source="pkg-assumptions"
            )
        elif figure == "scenarios":
            fig, _ = bci.plot_scenarios(path, projections, labels, ds.assumptions, "high", "USD", 7.19)
        else:
            fig, _ = bci.plot_matrix(ds, labels, path, [], "USD", 7.19)
        assert latin_words(fig) == set()
    assert not [str(w.message) for w in caught if "missing from font" in str(w.message)]
    plt.close(fig)

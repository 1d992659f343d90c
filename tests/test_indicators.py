"""Derived numbers against values worked out by hand from the article (arithmetic in the comments)."""

import math

import pandas as pd
import pytest
from conftest import article_dataset

from helpers.indicators import (
    baseline_finder,
    bounded_ratio,
    cagr,
    convert_money,
    find_baseline,
    indicator_stem,
    project,
    ratio_bound,
    required_growth,
    years_left,
)


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        ("=", "=", "="),
        (">=", "=", ">="),  # over 2000 patents / 93 firms: at least 21.5 per firm
        ("=", ">=", "<="),  # a fixed amount shared by "over N" units: at most amount/N each
        (">=", ">=", "~"),  # over 60 億元 / over 120 firms: no direction
        ("<=", "<=", "~"),
        ("<=", "=", "<="),
        ("~", "=", "~"),
    ],
)
def test_ratio_bound_follows_the_direction_of_each_bound(numerator, denominator, expected):
    assert ratio_bound(numerator, denominator) == expected


def test_hefei_patents_per_firm_is_a_lower_bound():
    # 超 2000 件 / 93 家 = 21.505... patents per firm, at least
    result = bounded_ratio(2000, ">=", 93, "=")
    assert result.bound == ">="
    assert result.value == pytest.approx(21.505, abs=1e-3)
    assert not result.is_exact


def test_changping_revenue_per_firm_has_no_direction():
    # 超 60 億元 / 120 餘家 = 6e9 / 120 = 5e7 (CNY 50 m), both lower bounds: an approximation
    result = bounded_ratio(6e9, ">=", 120, ">=")
    assert result.value == pytest.approx(5e7)
    assert result.bound == "~"


def test_bounded_ratio_refuses_zero_denominator():
    with pytest.raises(ZeroDivisionError):
        bounded_ratio(1, "=", 0, "=")


def test_bci_market_cagr_2024_to_2027():
    # 55.8 / 32 = 1.74375; 1.2036^3 = 1.7436, so the rate is about 20.36 % a year
    assert cagr(32e8, 55.8e8, 3) == pytest.approx(0.2036, abs=5e-4)


def test_required_growth_doubles_in_one_year():
    assert required_growth(100, 200, 2025, 2026) == pytest.approx(1.0)
    # 100 -> 121 over two years is 10 % a year
    assert required_growth(100, 121, 2025, 2027) == pytest.approx(0.10)


@pytest.mark.parametrize(("start", "end", "years"), [(0, 1, 1), (1, -1, 1), (1, 2, 0)])
def test_cagr_rejects_impossible_inputs(start, end, years):
    with pytest.raises(ValueError):
        cagr(start, end, years)


def test_project_compounds_each_year():
    series = project(100, 0.1, 2025, 2027)
    assert list(series.index) == [2025, 2026, 2027]
    assert series.tolist() == pytest.approx([100, 110, 121])
    with pytest.raises(ValueError):
        project(1, 0.1, 2027, 2025)


def test_convert_money():
    assert convert_money(7.19e9, "USD", 7.19) == pytest.approx(1e9)
    assert convert_money(5e9, "CNY", 7.19) == 5e9
    with pytest.raises(ValueError, match="currency"):
        convert_money(1, "EUR", 7.19)
    with pytest.raises(ValueError, match="positive"):
        convert_money(1, "USD", 0)


def test_years_left_from_the_article_year():
    assert years_left(2030) == 5
    assert math.isclose(years_left(2027, 2025), 2)


# --- baselines of targets --------------------------------------------------------------------------------


def _fact(fact_id, indicator, kind, year, unit="count", place="x", district=None):
    return {"fact_id": fact_id, "place": place, "district_en": district, "indicator": indicator, "kind": kind,
            "year": year, "unit": unit}  # fmt: skip


FACTS = pd.DataFrame([
    _fact("old", "firms", "actual", 2023),
    _fact("latest", "firms", "actual", 2024),
    _fact("district", "firms", "actual", 2025, district="D"),
    _fact("other_unit", "firms", "actual", 2025, unit="cny"),
    _fact("other_place", "firms", "actual", 2025, place="y"),
    _fact("after", "firms", "actual", 2028),
    _fact("forecast", "firms", "forecast", 2026),
    _fact("target", "firms_target", "target", 2027),
    _fact("district_target", "firms_target", "target", 2027, district="D"),
    _fact("undated", "firms_target", "target", None),
])  # fmt: skip


def test_indicator_stem_drops_a_trailing_target():
    assert indicator_stem("firms_target") == "firms"
    assert indicator_stem("bci_market_size") == "bci_market_size"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("target", "latest"),  # same place, no district, same unit; latest actual before 2027
        ("district_target", "district"),  # a district's target takes the district's actual, not the city's
        ("undated", None),  # no year, no baseline
    ],
)
def test_find_baseline_matches_place_district_unit_and_indicator_stem(target, expected):
    fact = FACTS.set_index("fact_id").loc[target].copy()
    fact["fact_id"] = target
    found = find_baseline(FACTS, fact)
    assert (None if found is None else found["fact_id"]) == expected


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("target", "latest"),
        ("district_target", "district"),
        ("undated", None),
        ("old", None),
        ("after", "latest"),
    ],
)
def test_baseline_finder_gives_find_baselines_row(target, expected):
    # by hand: the 2027 target of place x (no district, unit count) takes the latest earlier actual, "latest"
    # (2024); the district's target the district's 2025 actual; "old" (2023) has no earlier actual; "after"
    # (2028, no district) has old 2023 and latest 2024 before it (not the district's, not the forecast): latest
    fact = FACTS.set_index("fact_id", drop=False).loc[target]
    plain, fast = find_baseline(FACTS, fact), baseline_finder(FACTS)(fact)
    assert (None if fast is None else fast["fact_id"]) == expected
    assert (None if plain is None else plain["fact_id"]) == expected
    if plain is not None:
        pd.testing.assert_series_equal(fast, plain)


def test_baseline_finder_takes_the_last_row_of_the_latest_year():
    # two actuals of 2024 in the same series: find_baseline's stable sort by year ends on the later row
    facts = pd.DataFrame([_fact("first_2024", "firms", "actual", 2024), _fact("second_2024", "firms", "actual", 2024),
                          _fact("t", "firms_target", "target", 2027)])  # fmt: skip
    target = facts.iloc[2]
    assert (
        baseline_finder(facts)(target)["fact_id"] == "second_2024" == find_baseline(facts, target)["fact_id"]
    )


def test_find_baseline_on_the_article():

    facts = article_dataset().facts
    by_id = facts.set_index("fact_id", drop=False)
    # ¶14: the BCI market, 32 億元 in 2024, expected to reach 55.8 億元 in 2027
    assert find_baseline(facts, by_id.loc["bci_china_market_2027"])["fact_id"] == "bci_china_market_2024"
    # ¶9: Changping's 30 leading firms (2026) are not the 120-odd firms clustered there: no baseline
    assert find_baseline(facts, by_id.loc["bio_changping_leading_firms_2026"]) is None

"""helpers.analysis.tracker on tests/fixtures/tracker/facts.csv: baselines from any source, why none, required
against observed growth with bounds. Every verdict is derived by hand in the comments (CNY per USD: 7.0)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.analysis import tracker

FACTS = pd.read_csv(
    Path(__file__).parent / "fixtures" / "tracker" / "facts.csv", dtype={"district_en": "string"}
)
RATE = 7.0


def track(fact_id: str) -> dict:
    return tracker.track(FACTS, FACTS.set_index("fact_id", drop=False).loc[fact_id], RATE)


def test_an_exact_target_on_track():
    row = track("firms_2030")
    # baseline: the latest actual before 2030, firms_2025 = 100; required (200 / 100) ** (1/5) - 1 = 0.148698
    assert (row["baseline_fact"], row["required_bound"]) == ("firms_2025", "=")
    assert row["required_growth"] == pytest.approx(2**0.2 - 1)
    # observed from firms_2021 (50) to firms_2025 (100): 2 ** (1/4) - 1 = 0.189207 >= 0.148698, both exact
    assert row["observed_fact"] == "firms_2021"
    assert row["observed_growth"] == pytest.approx(2**0.25 - 1)
    assert row["status"] == "on_track"


def test_a_lower_bound_target_is_undecided_however_fast_the_growth():
    row = track("output_2030")
    # baseline output_2025_usd: USD 2e9 * 7.0 = CNY 1.4e10 (money converted); target "over CNY 3.2e10":
    # required (3.2e10 / 1.4e10) ** (1/5) - 1 = (16/7) ** 0.2 - 1 = 0.1798, at least that (">=" over "=")
    assert (row["baseline_fact"], row["required_bound"]) == ("output_2025_usd", ">=")
    assert row["required_growth"] == pytest.approx((16 / 7) ** 0.2 - 1)
    assert row["required_growth"] == pytest.approx(0.1798, abs=1e-4)
    # observed 1e10 (2023) -> 1.4e10 (2025): sqrt(1.4) - 1 = 0.1832 > 0.1798, but the target may need more
    assert row["observed_growth"] == pytest.approx(1.4**0.5 - 1)
    assert row["status"] == "undecided"


def test_a_lower_bound_target_out_of_reach_is_behind():
    row = track("wuhan_output_2030")
    # required at least (1e11 / 1.4e10) ** (1/5) - 1 = (50/7) ** 0.2 - 1 = 0.4818; observed 0.1832 < 0.4818
    assert row["required_growth"] == pytest.approx((50 / 7) ** 0.2 - 1)
    assert row["status"] == "off_track"


@pytest.mark.parametrize(
    ("fact_id", "reason"),
    [
        ("robots_2030", "no_series"),  # no other robots figure for Hefei
        ("parks_2030", "other_district"),  # the High-tech Zone target; the only parks actual is city-wide
        ("labs_2030", "no_actual"),  # the only other labs figure is a 2027 forecast
        ("clinics_2030", "unit_mismatch"),  # a count target; the clinics actual is a share
        ("stations_2030", "only_later"),  # the only stations actual is of 2030 itself
        ("sites_2030", "not_positive"),  # the 2024 actual is 0: 5 / 0 has no growth rate
    ],
)
def test_no_baseline_says_why(fact_id, reason):
    row = track(fact_id)
    assert (row["status"], row["baseline_reason"], row["baseline_fact"]) == ("no_baseline", reason, "")


def test_intervals_and_verdicts():
    def growth(rate, bound):
        return tracker.Growth(rate, bound, "a", "b")

    assert tracker.interval(0.1, "~") == (0.1, 0.1)
    # an "at most" required rate (target over an "over" baseline) is met by any higher exact rate
    assert tracker.verdict(growth(0.2, "<="), growth(0.25, "=")) == "on_track"
    # an observed rate that is only a lower bound below the required: it may be higher, so undecided
    assert tracker.verdict(growth(0.2, "="), growth(0.1, ">=")) == "undecided"
    assert tracker.verdict(growth(0.2, "="), growth(0.1, "<=")) == "off_track"


def test_in_unit_converts_money_only():
    usd = pd.Series({"unit": "USD", "value": 2.0})
    assert tracker.in_unit(usd, "CNY", RATE) == 14.0
    assert tracker.in_unit(pd.Series({"unit": "CNY", "value": 14.0}), "USD", RATE) == 2.0
    assert tracker.in_unit(pd.Series({"unit": "count", "value": 3.0}), "fraction", RATE) is None


def test_series_index_groups_by_place_and_indicator_stem_in_file_order():
    index = tracker.series_index(FACTS)
    # Hefei's firms series: the actuals firms_2021, firms_2025 and the target "firms_target" (stem "firms")
    assert list(index[("hefei", "firms")]["fact_id"]) == ["firms_2021", "firms_2025", "firms_2030"]
    # the same indicator in Wuhan is another series
    assert list(index[("wuhan", "output")]["fact_id"]) == [
        "wuhan_output_2023", "wuhan_output_2025", "wuhan_output_2030"]  # fmt: skip
    # the High-tech Zone target shares the city's stem: districts are told apart later, in series_actuals
    assert list(index[("hefei", "parks")]["fact_id"]) == ["parks_2024", "parks_2030"]
    assert ("hefei", "robots") in index and ("wuhan", "firms") not in index
    assert sum(len(part) for part in index.values()) == len(FACTS)
    assert tracker.series_index(FACTS.iloc[:0]) == {}


@pytest.mark.parametrize("fact_id", list(FACTS["fact_id"]))
def test_the_index_gives_what_filtering_every_fact_gives(fact_id):
    target = FACTS.set_index("fact_id", drop=False).loc[fact_id]
    index = tracker.series_index(FACTS)
    plain, reason = tracker.series_actuals(FACTS, target, RATE)
    indexed, indexed_reason = tracker.series_actuals(FACTS, target, RATE, index)
    assert indexed_reason == reason
    pd.testing.assert_frame_equal(indexed, plain)
    assert tracker.track(FACTS, target, RATE, index) == tracker.track(FACTS, target, RATE)


def test_a_place_missing_from_the_index_has_no_series():
    target = FACTS.set_index("fact_id", drop=False).loc["firms_2030"].copy()
    target["place"] = "nanjing"  # no Nanjing row in the fixture
    actuals, reason = tracker.series_actuals(FACTS, target, RATE, tracker.series_index(FACTS))
    assert (reason, len(actuals)) == ("no_series", 0)

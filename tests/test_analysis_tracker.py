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

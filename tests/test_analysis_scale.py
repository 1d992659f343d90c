"""helpers.analysis.scale: denominators, national shares, sums of city targets against the nation, leaders claimed
and concentration, on the hand-made fixture tests/fixtures/scale/ (every expected value worked out in a comment),
plus properties on the package's data (which must hold whatever a new source adds)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.analysis import scale

FIXTURE = Path(__file__).parent / "fixtures" / "scale"


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(FIXTURE / f"{name}.csv", keep_default_na=True)


@pytest.fixture(scope="module")
def figures() -> pd.DataFrame:
    return read("figures")


@pytest.fixture(scope="module")
def places() -> pd.DataFrame:
    return read("places")


@pytest.mark.parametrize(
    ("bounds", "expected"),
    [
        (["=", "="], "="),
        (["=", ">="], ">="),  # a lower bound plus an exact figure: the sum is at least their sum
        ([">=", ">="], ">="),
        (["=", "<="], "<="),
        ([">=", "<="], "~"),  # one may be far above, the other far below: no direction
        (["~", "="], "~"),
    ],
)
def test_sum_bound(bounds: list[str], expected: str) -> None:
    assert scale.sum_bound(bounds) == expected


@pytest.mark.parametrize("bounds", [[], ["=", "about"]])
def test_sum_bound_rejects_no_bound_and_unknown_bounds(bounds: list[str]) -> None:
    with pytest.raises(ValueError, match="sum_bound"):
        scale.sum_bound(bounds)


def test_denominators_by_hand(figures: pd.DataFrame, places: pd.DataFrame) -> None:
    result = scale.denominators(figures, read("context"), places).set_index(["fact_id", "denominator"])
    # Only alpha's whole-city figures have a denominator near enough: beta's zone figure is a district's, beta's
    # only population is of 2012 (15 years from 2027), gamma has no context, delta is a province, and the
    # firm-size threshold is not a size.
    assert sorted(result.index) == [
        ("alpha_firms", "gdp"), ("alpha_firms", "resident_population"),
        ("alpha_output_2027", "gdp"), ("alpha_scale_2027", "gdp"),
    ]  # fmt: skip
    firms = result.loc[("alpha_firms", "resident_population")]
    # 2024 figure: the 2013 population is 11 years away (> 10), so the 2014 one (10 years): 120 / 1,000,000 people
    # = 120 per million, and ">=" over "=" stays ">=".
    assert (firms["context_id"], firms["context_year"], firms["year_gap"]) == ("alpha_pop_2014", 2014, 10)
    assert firms["result"] == pytest.approx(120.0)
    assert (firms["result_bound"], firms["result_unit"]) == (">=", "per_million_people")
    per_gdp = result.loc[("alpha_firms", "gdp")]
    # GDP of 2022 and 2026 are both 2 years from 2024: the later wins (the forecast row is not an actual):
    # 120 / 240e9 CNY * 1e11 = 50 per CNY 100 bn.
    assert (per_gdp["context_id"], per_gdp["year_gap"]) == ("alpha_gdp_2026", 2)
    assert per_gdp["result"] == pytest.approx(50.0)
    # The 2027 scale target has no population within 10 years (2014 is 13 away); per GDP: 30e9 / 240e9 = 0.125,
    # a lower bound; the exact 2027 output target: 20e9 / 240e9 = 1/12, exact.
    assert result.loc[("alpha_scale_2027", "gdp"), "result"] == pytest.approx(0.125)
    assert result.loc[("alpha_scale_2027", "gdp"), "result_bound"] == ">="
    assert result.loc[("alpha_output_2027", "gdp"), "result"] == pytest.approx(1 / 12)
    assert result.loc[("alpha_output_2027", "gdp"), "result_bound"] == "="
    assert result.loc[("alpha_output_2027", "gdp"), "result_unit"] == "share_of_gdp"


def test_records_by_keeps_file_order_and_skips_missing_keys() -> None:
    context = read("context")
    grouped = scale.records_by(context, ["place", "indicator"])
    # alpha's GDP rows in file order (the forecast too: records_by only groups); beta has only a population
    assert [r["context_id"] for r in grouped[("alpha", "gdp")]] == [
        "alpha_gdp_2022", "alpha_gdp_2026", "alpha_gdp_2026_forecast"]  # fmt: skip
    assert [r["context_id"] for r in grouped[("beta", "resident_population")]] == ["beta_pop_2012"]
    assert ("beta", "gdp") not in grouped and len(grouped) == 3
    # a row without a place equals no place
    assert scale.records_by(context.assign(place=[None, *context["place"][1:]]), ["place"])[("alpha",)][0][
        "context_id"] == "alpha_pop_2014"  # fmt: skip


def test_nearest_record_is_nearest_context_on_the_records_of_one_place() -> None:
    context = read("context")
    dated = context[(context["kind"] == "actual") & context["year"].notna()]
    grouped = scale.records_by(dated, ["place", "indicator"])
    # by hand: 2024 -> GDP 2022 and 2026 both 2 years away, the later wins; population 2014 (10 years), not 2013
    assert scale.nearest_record(grouped[("alpha", "gdp")], 2024)["context_id"] == "alpha_gdp_2026"
    pop = grouped[("alpha", "resident_population")]
    assert scale.nearest_record(pop, 2024)["context_id"] == "alpha_pop_2014"
    assert scale.nearest_record(pop, 2027) is None  # 13 years from 2014
    assert scale.nearest_record(pop, float("nan")) is None
    # a tie of year and gap: the exact bound, then the lower id, then the first record
    tied = [{"context_id": "b", "year": 2020, "bound": "="}, {"context_id": "a", "year": 2020, "bound": ">="},
            {"context_id": "c", "year": 2020, "bound": "="}]  # fmt: skip
    assert scale.nearest_record(tied, 2021)["context_id"] == "b"
    # and as nearest_context gives it, for every place, indicator and year of the fixture's range
    for place in ("alpha", "beta", "gamma"):
        for indicator in ("resident_population", "gdp"):
            for year in range(2000, 2040):
                plain = scale.nearest_context(context, place, indicator, year)
                fast = scale.nearest_record(grouped.get((place, indicator), []), year)
                assert (plain is None and fast is None) or plain["context_id"] == fast["context_id"]


def test_nearest_national_by_hand() -> None:
    records = [{"fact_id": "n_2024b", "year": 2024, "value": 5.0}, {"fact_id": "n_2024a", "year": 2024,
               "value": 6.0}, {"fact_id": "n_2026", "year": 2026, "value": 7.0},
               {"fact_id": "n_2025", "year": 2025, "value": 0.0}]  # fmt: skip
    # 2025: the 2025 figure is 0 (no share of it), 2024 and 2026 are 1 year away: the later; 2024: the lower id
    assert scale.nearest_national(records, 2025)["fact_id"] == "n_2026"
    assert scale.nearest_national(records, 2024)["fact_id"] == "n_2024a"
    assert scale.nearest_national(records, 2040) is None  # 14 years from 2026
    assert scale.nearest_national([], 2024) is None


def test_national_shares_by_hand(figures: pd.DataFrame) -> None:
    result = scale.national_shares(figures).set_index("fact_id")
    # Only the firm counts have a national figure of the same indicator, unit and kind (600 firms, 2024):
    # alpha 120 (a lower bound) / 600 = 0.2, at least; beta's zone 10 / 600 = 1/60, exact, its district kept.
    assert sorted(result.index) == ["alpha_firms", "beta_zone_firms"]
    assert result.loc["alpha_firms", "result"] == pytest.approx(0.2)
    assert result.loc["alpha_firms", "result_bound"] == ">="
    assert result.loc["beta_zone_firms", "result"] == pytest.approx(1 / 60)
    assert result.loc["beta_zone_firms", "result_bound"] == "="
    assert result.loc["beta_zone_firms", "district_en"] == "Zone"
    assert set(result["context_id"]) == {"china_firms"}


def test_targets_against_national_by_hand(figures: pd.DataFrame, places: pd.DataFrame) -> None:
    result = scale.targets_against_national(figures, places).set_index("year")
    assert list(result.index) == [2027, 2028]
    row = result.loc[2027]
    # 2027: alpha's largest target is its ">= 30 bn" scale (its 20 bn output is not added too), beta "= 50 bn";
    # delta is a province, not a city. Sum 80 bn, ">=" (a ">=" plus an "="). The national 2027 forecast is
    # "= 60 bn" (the 2030 one is later and not taken): 80 / 60 = 4/3, at least.
    assert (row["places"], row["n_cities"]) == ("alpha;beta", 2)
    assert row["city_fact_ids"] == "alpha_scale_2027;beta_scale_2027"
    assert row["city_sum"] == pytest.approx(80e9)
    assert row["city_bound"] == ">="
    assert (row["national_fact_id"], row["national_year"], row["year_gap"]) == ("china_market_2027", 2027, 0)
    assert row["ratio"] == pytest.approx(4 / 3)
    assert row["ratio_bound"] == ">="
    later = result.loc[2028]
    # 2028: gamma "<= 10 bn"; no national figure of 2028, the first later one is 2030, "~ 100 bn", 2 years on:
    # 10 / 100 = 0.1 with no direction ("<=" over "~").
    assert (later["national_fact_id"], later["year_gap"]) == ("china_market_2030", 2)
    assert later["ratio"] == pytest.approx(0.1)
    assert later["ratio_bound"] == "~"


def test_targets_with_no_national_figure_near_enough(figures: pd.DataFrame, places: pd.DataFrame) -> None:
    result = scale.targets_against_national(figures, places, max_gap=1)
    # With at most one year on, 2028 finds no national figure (2030 is two years on): the row stays, national empty.
    row = result[result["year"] == 2028].iloc[0]
    assert pd.isna(row["national_fact_id"]) and pd.isna(row["ratio"])


def test_leader_claims_by_hand() -> None:
    result = scale.leader_claims(read("roles"), read("statements")).set_index("sector")
    # s1: three cities named; chosen roles: alpha leader (stated), beta leader (inferred), gamma hub; a second
    # source calls gamma a leader too, so three cities are called leaders by some source.
    s1 = result.loc["s1"]
    assert (s1["n_named"], s1["n_leaders"], s1["n_stated_leaders"]) == (3, 2, 1)
    assert (s1["leaders"], s1["n_leader_any_source"]) == ("alpha;beta", 3)
    assert result.loc["s2", "n_leaders"] == 0


def test_concentration_by_hand(figures: pd.DataFrame, places: pd.DataFrame) -> None:
    both = pd.concat([scale.city_scale_figures(figures, places, k) for k in ("actual", "target")])
    result = scale.concentration_by_year(both)
    # Only 2027 targets have two cities: alpha 30 bn, beta 50 bn; total 80 bn; beta's share 50/80 = 0.625;
    # HHI = 0.375^2 + 0.625^2 = 0.140625 + 0.390625 = 0.53125; the bound of the total is ">=".
    assert len(result) == 1
    row = result.iloc[0]
    assert (row["kind"], row["year"], row["top_place"], row["bound"]) == ("target", 2027, "beta", ">=")
    assert row["top_share"] == pytest.approx(0.625)
    assert row["hhi"] == pytest.approx(0.53125)


# --- properties on the package's data -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dataset():
    from helpers.data import load_dataset

    return load_dataset()


def test_every_denominator_is_near_enough_and_carries_the_bound(dataset) -> None:
    from helpers.indicators import ratio_bound

    table = scale.denominators_for(dataset)
    assert (table["year_gap"] <= scale.MAX_YEAR_GAP).all()
    assert (table["district_en"].eq("") | table["denominator"].eq("national")).all()
    for row in table.itertuples():
        assert row.result_bound == ratio_bound(row.bound, row.context_bound)


def test_every_sum_adds_one_target_per_city(dataset) -> None:
    sums = scale.targets_against_national_for(dataset)
    for row in sums.itertuples():
        cities = row.places.split(";")
        assert len(cities) == len(set(cities)) == row.n_cities
        if isinstance(row.national_fact_id, str):
            assert 0 <= row.year_gap <= scale.TARGET_YEAR_GAP


def test_the_display_table_writes_each_bound_and_unit(figures: pd.DataFrame, places: pd.DataFrame) -> None:
    from types import SimpleNamespace

    from helpers.i18n import Labels

    context = read("context")
    fake = SimpleNamespace(cities=places, context=context, facts=figures)
    frame = pd.concat([scale.denominators(figures, context, places), scale.national_shares(figures)])
    labels = Labels("en", fake)
    table = scale.denominators_table(frame, fake, labels).set_index(labels("fact_id"))
    row = table.loc["alpha_firms"]
    # alpha's ">=120" firms: 120 per million residents and 50 per CNY 100 bn of GDP, 0.2 = 20% of the national
    # 600, all lower bounds (">"), each beside its denominator, year and gap (2014: 10 years before 2024).
    assert row[labels("sc_col_value")] == ">120"
    assert row[labels("sc_col_per_resident_population")] == ">120 per million residents"
    assert row[labels("sc_col_base_resident_population")] == "1,000,000, 2014 (10 y apart)"
    assert row[labels("sc_col_per_gdp")] == ">50 per CNY 100 bn of GDP"
    assert row[labels("sc_col_per_national")] == ">20% of the national figure"
    assert row[labels("sc_col_denominator_source")] == "src-stats ¶3"
    # beta's zone has only a national share (1/60 = 1.67%), exact, and its place names the district
    zone = table.loc["beta_zone_firms"]
    assert zone[labels("sc_col_per_national")] == "1.67% of the national figure"
    assert zone[labels("sc_col_per_resident_population")] == ""
    assert zone[labels("sc_col_place")] == "Beta (Zone)"


def test_the_sums_are_computed_once_per_dataset_and_arguments_and_callers_get_copies(dataset) -> None:
    cities = ["hefei", "beijing", "shanghai"]
    plain = scale.targets_against_national(scale._figures(dataset, None, cities), dataset.cities)
    first = scale.targets_against_national_for(dataset, None, cities)
    assert len(first) > 0
    pd.testing.assert_frame_equal(first, plain)
    first.loc[:, "places"] = "changed"  # a caller's change stays with its copy
    pd.testing.assert_frame_equal(scale.targets_against_national_for(dataset, None, cities), plain)

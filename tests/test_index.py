"""The composite index against small cases worked out on paper, and against the article's own counts.

The paper example: three cities, two indicators x and y.

    city   x   y
    A      4   1
    B      0   2
    C      1   5
"""

import numpy as np
import pandas as pd
import pytest

from helpers.data import load_dataset
from helpers.index import (
    aggregate,
    average_ranks,
    city_indicators,
    composite_index,
    dirichlet_alpha,
    minmax_array,
    normalise,
    normalise_values,
    rank_cities,
    rank_draws,
    rank_uncertainty,
    resolve_weights,
    sensitivity_table,
    summarise_ranks,
)


@pytest.fixture
def abc():
    return pd.DataFrame({"x": [4, 0, 1], "y": [1, 2, 5]}, index=pd.Index(["A", "B", "C"], name="place"))


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


def test_minmax_maps_each_column_to_0_1(abc):
    result = normalise(abc, "minmax")
    # x: (4-0)/4 = 1, (0-0)/4 = 0, (1-0)/4 = 0.25; y: (1-1)/4 = 0, (2-1)/4 = 0.25, (5-1)/4 = 1
    assert list(result["x"]) == [1.0, 0.0, 0.25]
    assert list(result["y"]) == [0.0, 0.25, 1.0]


def test_rank_keeps_only_the_order(abc):
    result = normalise(abc, "rank")
    # x ranks (lowest = 1): A 3, B 1, C 2 -> (rank - 1) / (3 - 1) = 1, 0, 0.5; y: A 1, B 2, C 3 -> 0, 0.5, 1
    assert list(result["x"]) == [1.0, 0.0, 0.5]
    assert list(result["y"]) == [0.0, 0.5, 1.0]


def test_zscore_uses_the_population_standard_deviation(abc):
    result = normalise(abc, "zscore")
    # x: mean 5/3; squared deviations (7/3)^2, (5/3)^2, (2/3)^2 = 49/9, 25/9, 4/9; variance 78/27; sd 1.69967
    # z = 7/3 / 1.69967 = 1.37281, -5/3 / 1.69967 = -0.98058, -2/3 / 1.69967 = -0.39223 (y mirrors x)
    assert result["x"].tolist() == pytest.approx([1.37281, -0.98058, -0.39223], abs=1e-5)
    assert result["y"].tolist() == pytest.approx([-0.98058, -0.39223, 1.37281], abs=1e-5)


def test_a_constant_indicator_carries_no_information():
    flat = pd.DataFrame({"x": [2, 2, 2]}, index=["A", "B", "C"])
    assert normalise(flat, "minmax")["x"].tolist() == [0.5, 0.5, 0.5]
    assert normalise(flat, "rank")["x"].tolist() == [0.5, 0.5, 0.5]  # average rank 2 -> (2 - 1) / 2
    assert normalise(flat, "zscore")["x"].tolist() == [0.0, 0.0, 0.0]
    assert normalise(flat.iloc[:1], "rank")["x"].tolist() == [0.5]  # one city: nothing to order


def test_minmax_array_by_hand_and_as_the_column_by_column_definition(abc):
    # x: min 0, spread 4 -> 1, 0, 0.25; y: min 1, spread 4 -> 0, 0.25, 1; a constant column -> 0.5
    values = abc.assign(z=[3, 3, 3]).to_numpy(dtype=float)
    assert minmax_array(values).tolist() == [[1.0, 0.0, 0.5], [0.0, 0.25, 0.5], [0.25, 1.0, 0.5]]
    # the fast path of normalise gives bit for bit what the pandas definition gives, ties and negatives too
    table = pd.DataFrame({"a": [3, -1, 3, 7, 0], "b": [0.1, 0.2, 0.3, 0.1, 0.7], "c": [5, 5, 5, 5, 5]})
    values = table.astype(float)
    spread = values.max() - values.min()
    expected = ((values - values.min()) / spread.where(spread > 0)).fillna(0.5)
    pd.testing.assert_frame_equal(normalise(table, "minmax"), expected, check_exact=True)


def test_average_ranks_by_hand():
    # column 1: 3, 1, 3, 2 -> 1 is first, 2 second, the two 3s share ranks 3 and 4 -> 3.5; column 2: all tied
    # -> ranks 1..4 shared -> 2.5; column 3: -1, 0.5, -1, -1 -> three tied at ranks 1..3 -> 2, then 4
    values = np.array([[3, 7, -1], [1, 7, 0.5], [3, 7, -1], [2, 7, -1]], dtype=float)
    assert average_ranks(values).tolist() == [
        [3.5, 2.5, 2.0],
        [1.0, 2.5, 4.0],
        [3.5, 2.5, 2.0],
        [2.0, 2.5, 2.0],
    ]


def test_numpy_normalisation_is_the_pandas_definition_bit_for_bit():
    # normalise_values (numpy) against pandas' own operations for each method, on ties, negatives, fractions
    # and a constant column; random tables add float noise.
    tables = [pd.DataFrame({"a": [3, -1, 3, 7, 0], "b": [0.1, 0.2, 0.3, 0.1, 0.7], "c": [5, 5, 5, 5, 5]})]
    rng = np.random.default_rng(7)
    tables += [pd.DataFrame(rng.integers(0, 5, (n, 3)) * 0.37 + rng.random((n, 3)) * (n % 2))
               for n in (2, 9, 27, 40)]  # fmt: skip
    for table in tables:
        values = table.astype(float)
        n = len(values)
        spread = values.std(ddof=0)
        expected = {
            "rank": (values.rank(method="average") - 1) / (n - 1),
            "zscore": ((values - values.mean()) / spread.where(spread > 0)).fillna(0.0),
        }
        for method, frame in expected.items():
            assert normalise_values(values.to_numpy(), method).tobytes() == frame.to_numpy().tobytes(), method
            pd.testing.assert_frame_equal(normalise(table, method), frame, check_exact=True)
    assert normalise_values(np.array([[4.0, 1.0]]), "rank").tolist() == [[0.5, 0.5]]  # one city
    with pytest.raises(ValueError, match="minmax"):
        normalise_values(np.ones((2, 1)), "log")


def test_rank_and_zscore_with_a_missing_value_keep_the_pandas_rule():
    # NaN keeps no rank: 4 and 0 rank 2 and 1 of n = 3 rows -> (2 - 1) / 2 = 0.5 and 0; the z-score skips it:
    # mean 2, sd 2 -> 1 and -1, NaN -> 0
    table = pd.DataFrame({"x": [4.0, float("nan"), 0.0]})
    ranked = normalise(table, "rank")["x"].tolist()
    assert ranked[0] == 0.5 and np.isnan(ranked[1]) and ranked[2] == 0.0
    assert normalise(table, "zscore")["x"].tolist() == [1.0, 0.0, -1.0]


def test_minmax_with_a_missing_value_keeps_the_pandas_rule():
    # NaN is skipped by min and max (0 and 4) and its own cell becomes 0.5: 4 -> 1, NaN -> 0.5, 0 -> 0
    table = pd.DataFrame({"x": [4.0, float("nan"), 0.0]})
    assert normalise(table, "minmax")["x"].tolist() == [1.0, 0.5, 0.0]
    assert normalise(table.iloc[:0], "minmax").empty


def test_unknown_normalisation_is_refused(abc):
    with pytest.raises(ValueError, match="minmax"):
        normalise(abc, "log")


def test_weights_are_equal_by_default_and_scaled_to_one():
    assert resolve_weights(["a", "b", "c"]).tolist() == pytest.approx([1 / 3, 1 / 3, 1 / 3])
    # {"a": 2}: b and c keep weight 1 -> 2, 1, 1 out of 4
    assert resolve_weights(["a", "b", "c"], {"a": 2}).tolist() == pytest.approx([0.5, 0.25, 0.25])
    assert resolve_weights(["a", "b"], {"b": 0}).tolist() == [1.0, 0.0]


@pytest.mark.parametrize(("weights", "message"), [({"z": 1}, "unknown"), ({"a": 0, "b": 0}, "positive"),
                                                   ({"a": -1}, "negative")])  # fmt: skip
def test_bad_weights_are_refused(weights, message):
    with pytest.raises(ValueError, match=message):
        resolve_weights(["a", "b"], weights)


def test_arithmetic_index_and_ranks_of_the_paper_example(abc):
    scores = composite_index(abc, "minmax", {}, "arithmetic")
    # A (1 + 0) / 2 = 0.5, B (0 + 0.25) / 2 = 0.125, C (0.25 + 1) / 2 = 0.625
    assert scores.tolist() == pytest.approx([0.5, 0.125, 0.625])
    assert rank_cities(scores).to_dict() == {"A": 2, "B": 3, "C": 1}


def test_weights_can_turn_the_ranking(abc):
    scores = composite_index(abc, "minmax", {"x": 3}, "arithmetic")
    # weights 3:1 -> 0.75, 0.25: A 0.75, B 0.0625, C 0.75 * 0.25 + 0.25 = 0.4375
    assert scores.tolist() == pytest.approx([0.75, 0.0625, 0.4375])
    assert rank_cities(scores).to_dict() == {"A": 1, "B": 3, "C": 2}


def test_geometric_index_shifts_by_the_offset(abc):
    scores = composite_index(abc, "minmax", {}, "geometric")
    # each value + 0.1, then the square root of the product:
    # A sqrt(1.1 * 0.1) = 0.33166, B sqrt(0.1 * 0.35) = 0.18708, C sqrt(0.35 * 1.1) = 0.62048
    assert scores.tolist() == pytest.approx([0.33166, 0.18708, 0.62048], abs=1e-5)
    assert rank_cities(scores).to_dict() == {"A": 2, "B": 3, "C": 1}


def test_geometric_index_accepts_negative_zscores(abc):
    scores = composite_index(abc, "zscore", {}, "geometric")
    # z shifted to start at 0.1: x 1.37281 + 0.98058 + 0.1 = 2.45339, 0.1, 0.68835; y 0.1, 0.68835, 2.45339
    # A sqrt(2.45339 * 0.1) = 0.49532, B sqrt(0.1 * 0.68835) = 0.26237, C sqrt(0.68835 * 2.45339) = 1.29956
    assert scores.tolist() == pytest.approx([0.49532, 0.26237, 1.29956], abs=1e-4)


def test_zscore_and_rank_arithmetic_of_the_paper_example(abc):
    # z: A (1.37281 - 0.98058) / 2 = 0.19612, B (-0.98058 - 0.39223) / 2 = -0.68641, C 0.49029
    assert composite_index(abc, "zscore").tolist() == pytest.approx([0.19612, -0.68641, 0.49029], abs=1e-5)
    # rank: A (1 + 0) / 2 = 0.5, B (0 + 0.5) / 2 = 0.25, C (0.5 + 1) / 2 = 0.75
    assert composite_index(abc, "rank").tolist() == pytest.approx([0.5, 0.25, 0.75])


def test_aggregate_refuses_unknown_methods_and_bad_offsets(abc):
    weights = resolve_weights(["x", "y"])
    with pytest.raises(ValueError, match="aggregation"):
        aggregate(normalise(abc), weights, "harmonic")
    with pytest.raises(ValueError, match="offset"):
        aggregate(normalise(abc), weights, "geometric", offset=0)


def test_ties_share_the_better_rank():
    scores = pd.Series([0.5, 0.5, 0.2, 0.9], index=list("abcd"))
    assert rank_cities(scores).tolist() == [2, 2, 4, 1]  # competition ranking: 1, 2, 2, 4
    # 0.1 + 0.2 and 0.3 differ in float noise only: they tie
    assert rank_cities(pd.Series([0.1 + 0.2, 0.3])).tolist() == [1, 1]


def test_sensitivity_one_at_a_time_on_the_paper_example(abc):
    table = sensitivity_table(abc, "minmax", {}, "arithmetic")
    # nominal ranks C 1, A 2, B 3. Drop x (y alone: A 0, B 0.25, C 1): C 1, B 2, A 3 -> A and B move by 1.
    # Double x (weights 2/3, 1/3): A 0.667, B 0.083, C 0.5 -> A 1, C 2, B 3 -> A and C move by 1.
    # Drop y (x alone): A 1, C 0.25, B 0 -> A and C move. Rank, z-score, geometric, double y: C, A, B as before.
    rows = {(r.factor, r.option, r.indicator): r for r in table.itertuples()}
    assert set(rows) == {("normalisation", "rank", ""), ("normalisation", "zscore", ""),
                         ("aggregation", "geometric", ""), ("weights", "drop", "x"), ("weights", "double", "x"),
                         ("weights", "drop", "y"), ("weights", "double", "y")}  # fmt: skip
    for key in [("weights", "drop", "x"), ("weights", "double", "x"), ("weights", "drop", "y")]:
        assert rows[key].mean_abs_shift == pytest.approx(2 / 3)
        assert rows[key].max_abs_shift == 1 and rows[key].cities_moved == 2
    for key in [("normalisation", "rank", ""), ("normalisation", "zscore", ""), ("aggregation", "geometric", ""),
                ("weights", "double", "y")]:  # fmt: skip
        assert rows[key].mean_abs_shift == 0 and rows[key].top_city == "C"
    assert rows[("weights", "drop", "x")].top_city == "C"
    assert rows[("weights", "double", "x")].top_city == "A"
    # largest shift first, ties in the order the changes are made
    assert list(zip(table["option"][:3], table["indicator"][:3], strict=True)) == [
        ("drop", "x"), ("double", "x"), ("drop", "y")]  # fmt: skip


def test_sensitivity_adds_equal_weights_when_the_nominal_ones_are_not(abc):
    table = sensitivity_table(abc, "minmax", {"x": 3}, "arithmetic")
    equal = table[table["option"] == "equal"].iloc[0]
    # nominal (0.75, 0.25): A 1, C 2, B 3; equal: C 1, A 2, B 3 -> A and C move by one
    assert equal["mean_abs_shift"] == pytest.approx(2 / 3)
    assert equal["top_city"] == "C"


def test_dirichlet_is_flat_for_equal_weights_and_centred_otherwise():
    assert dirichlet_alpha(resolve_weights(["a", "b", "c"])).tolist() == pytest.approx([1, 1, 1])
    # weights 0.5, 0.25, 0.25 with k = 3: alpha = 3 * w = 1.5, 0.75, 0.75 (mean of the Dirichlet = w)
    assert dirichlet_alpha(resolve_weights(["a", "b", "c"], {"a": 2})).tolist() == pytest.approx(
        [1.5, 0.75, 0.75]
    )
    # a zero weight stays out: k = 2 positive weights of 0.5 -> 1, 1, 0
    assert dirichlet_alpha(resolve_weights(["a", "b", "c"], {"c": 0})).tolist() == pytest.approx([1, 1, 0])


def test_monte_carlo_is_deterministic_for_a_seed(abc):
    first = rank_draws(abc, 200, seed=7)
    second = rank_draws(abc, 200, seed=7)
    pd.testing.assert_frame_equal(first.ranks, second.ranks)
    pd.testing.assert_frame_equal(first.settings, second.settings)
    assert not first.settings.equals(rank_draws(abc, 200, seed=8).settings)
    assert first.settings[["x", "y"]].sum(axis=1).tolist() == pytest.approx([1.0] * 200)  # weights sum to 1
    assert set(first.settings["normalisation"]) == {"minmax", "rank", "zscore"}


def test_monte_carlo_near_fixed_settings_gives_the_nominal_ranks(abc):
    # a very concentrated Dirichlet and one normalisation: every draw is the nominal index (C 1, A 2, B 3)
    intervals = rank_uncertainty(abc, 100, seed=1, normalisations=("minmax",), concentration=1e6)
    assert intervals.to_dict("index") == {"C": {"median_rank": 1, "p05": 1, "p95": 1},
                                          "A": {"median_rank": 2, "p05": 2, "p95": 2},
                                          "B": {"median_rank": 3, "p05": 3, "p95": 3}}  # fmt: skip


def test_zero_weight_stays_zero_in_every_draw(abc):
    draws = rank_draws(abc, 50, seed=3, weights={"y": 0})
    assert (draws.settings["y"] == 0).all()
    # x alone ranks A 1, C 2, B 3 whatever the normalisation
    assert (draws.ranks == pd.Series({"A": 1, "B": 3, "C": 2})).all().all()


def test_summary_percentiles_are_ranks_that_occurred():
    # 20 draws: a is 1 nineteen times and 2 once; b the reverse. Inverted CDF: the smallest rank r with
    # share(rank <= r) >= q. For a: share(<= 1) = 19/20 = 0.95 -> p05 = median = p95 = 1.
    # For b: share(<= 1) = 1/20 = 0.05 -> p05 = 1; median and p95 = 2.
    ranks = pd.DataFrame({"a": [1] * 19 + [2], "b": [2] * 19 + [1]})
    summary = summarise_ranks(ranks)
    assert summary.loc["a"].tolist() == [1, 1, 1]
    assert summary.loc["b"].tolist() == [2, 1, 2]
    assert list(summary.index) == ["a", "b"]  # by median rank


def test_city_indicators_are_counts_of_the_evidence(dataset):
    """A property of the live data: each indicator is what its definition counts, each figure once."""
    from helpers.index import FIGURE_MEASURES

    indicators = city_indicators(dataset)
    assert "china" not in indicators.index  # national figures are not a city
    roles, observations = dataset.city_roles, dataset.observations
    for place, row in indicators.iterrows():
        named = roles[roles["place"] == place]
        assert row["leader_roles"] == (named["role"] == "leader").sum()
        assert row["other_roles"] == (named["role"] != "leader").sum()  # the two never count one sector twice
        figures = observations[(observations["place"] == place) & (observations["kind"] == "actual")
                               & observations["measure"].isin(FIGURE_MEASURES)]  # fmt: skip
        assert row["figures_given"] == figures["observation_id"].nunique() == len(figures)
        assert 1 <= row["independent_sources"]
    assert city_indicators(dataset, ["hefei", "china"]).index.tolist() == ["hefei"]


def test_index_of_the_fixture_by_hand():
    from pathlib import Path

    fixture = load_dataset(Path(__file__).parent / "fixtures" / "evidence", sources_dir=None)
    indicators = city_indicators(fixture)
    # tests/fixtures/evidence: compiler and summary derive from "origin", index-report is an origin of its own.
    # Beijing: quantum hub (compiler), biomanufacturing leader (summary, compiler); only targets -> [1, 1, 1, 0]
    # Hefei: quantum leader (compiler, chosen over index-report's inferred hub); firms and patents (counts; the
    #   share is another kind of quantity) by index-report and compiler -> origins {origin, index-report}: [1, 0, 2, 2]
    # Shenzhen: 6G contender (compiler); an embodied-AI output (compiler, summary) -> [0, 1, 1, 1]
    assert indicators.loc[["beijing", "hefei", "shenzhen"]].to_numpy().tolist() == [
        [1, 1, 1, 0],
        [1, 0, 2, 2],
        [0, 1, 1, 1],
    ]
    scores = composite_index(indicators)  # min-max, equal weights, arithmetic
    # min-max: leader 1, 1, 0; other 1, 0, 1; sources 0, 1, 0; figures 0, 1, 1/2
    # Beijing (1 + 1 + 0 + 0) / 4 = 0.5; Hefei (1 + 0 + 1 + 1) / 4 = 0.75; Shenzhen (0 + 1 + 0 + 1/2) / 4 = 0.375
    assert scores[["beijing", "hefei", "shenzhen"]].tolist() == pytest.approx([0.5, 0.75, 0.375])


def test_rank_intervals_change_with_the_settings():
    # six made-up cities whose order depends on how the three indicators are weighed and scaled
    indicators = pd.DataFrame(
        {
            "breadth": [6, 5, 4, 3, 2, 1],
            "leader_roles": [0, 3, 1, 4, 2, 5],
            "quantified_actuals": [2, 90, 0, 1, 7, 3],
        },
        index=pd.Index(list("ABCDEF"), name="place"),
    )
    default = rank_uncertainty(indicators, 300, seed=20251027)
    pd.testing.assert_frame_equal(default, rank_uncertainty(indicators, 300, seed=20251027))
    changed = [
        rank_uncertainty(indicators, 300, seed=1),
        rank_uncertainty(indicators, 300, seed=20251027, weights={"leader_roles": 4}),
        rank_uncertainty(indicators, 300, seed=20251027, aggregation="geometric"),
        rank_uncertainty(indicators, 300, seed=20251027, normalisations=("rank",)),
    ]
    for other in changed:
        assert not other.equals(default)


def test_empty_selection_gives_empty_results():
    empty = pd.DataFrame({"x": pd.Series(dtype=float)})
    assert composite_index(empty).empty
    assert sensitivity_table(empty).empty
    assert np.asarray(rank_uncertainty(empty, 10, 1)).size == 0


def test_drawn_normalisations_vary_or_stay_fixed():
    from helpers.index import drawn_normalisations

    assert drawn_normalisations("rank") == ("minmax", "rank", "zscore")
    assert drawn_normalisations("rank", vary=False) == ("rank",)
    with pytest.raises(ValueError, match="unknown normalisation 'ranks'"):
        drawn_normalisations("ranks", vary=False)

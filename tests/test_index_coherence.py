"""Prominence indicators under readings of the data, the coherence panel, Copeland, rank probabilities and the
Sobol indices, against values worked out by hand on tests/fixtures/index/ and small tables.

The reading of tests/fixtures/index/ (statements in rule order, first row chosen):

    sector place  roles stated (origin)          figures (stating origins)
    s1     p1     leader (a), hub (b)            o1 (a, b)
    s1     p2     hub (b, inferred)
    s2     p1     hub (a)
    s2     p2     specialist (a), leader (b)     o2 (b)
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers.data import load_dataset
from helpers.index import (
    FIGURE_MEASURES,
    GEOMETRIC_OFFSET,
    INDICATORS,
    DataChoice,
    Figure,
    IndicatorInputs,
    Statement,
    city_indicators,
    composite_index,
    copeland,
    cronbach_alpha,
    indicator_influence,
    indicators_for,
    principal_components,
    rank_cities,
    resolve_weights,
)
from helpers.paths import REPO_ROOT
from helpers.robustness import (
    UncertaintyModel,
    choice_of,
    left_out_options,
    pick,
    rank_probabilities,
)

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "index"


@pytest.fixture(scope="module")
def inputs() -> IndicatorInputs:
    said = pd.read_csv(FIXTURE / "statements.csv", dtype=str)
    figures = pd.read_csv(FIXTURE / "figures.csv", dtype=str)
    return IndicatorInputs(
        places=["p1", "p2"],
        statements=[
            Statement(r.sector, r.place, r.role, r.inferred == "true", frozenset(r.roots.split(";")))
            for r in said.itertuples()
        ],  # fmt: skip
        figures=[
            Figure(r.observation, r.sector, r.place, frozenset(r.roots.split(";")))
            for r in figures.itertuples()
        ],
        sectors=["s1", "s2"],
        origins=["a", "b"],
    )


def rows(frame: pd.DataFrame) -> dict[str, list[int]]:
    return {p: frame.loc[p].tolist() for p in frame.index}


def test_indicators_do_not_nest_and_count_origins_and_figures_once(inputs):
    # p1: s1 leader, s2 hub -> leader 1, other 1; origins {a, b}; figures {o1} (stated twice, counted once)
    # p2: s1 hub, s2 specialist -> leader 0, other 2; origins {a, b}; figures {o2}
    assert rows(indicators_for(inputs)) == {"p1": [1, 1, 2, 1], "p2": [0, 2, 2, 1]}
    assert list(indicators_for(inputs).columns) == list(INDICATORS)


def test_leaving_an_origin_out_rechooses_roles_from_what_is_left(inputs):
    # without origin a: p1 s1 -> hub (b), s2 -> nothing (its page derives from a): leader 0, other 1, origins
    # {b}, o1 still stated by b; p2 s1 hub (b), s2 -> leader (b): leader 1, other 1, origins {b}, o2
    assert rows(indicators_for(inputs, DataChoice(drop_origin="a"))) == {
        "p1": [0, 1, 1, 1],
        "p2": [1, 1, 1, 1],
    }


def test_leaving_a_sector_out(inputs):
    # without s1: p1 s2 hub (a), no figure; p2 s2 specialist (a), o2 (b): origins {a, b}
    assert rows(indicators_for(inputs, DataChoice(drop_sector="s1"))) == {
        "p1": [0, 1, 1, 0],
        "p2": [0, 1, 2, 1],
    }


def test_inferred_roles_off_and_alternative_roles(inputs):
    # inferred off: p2 loses s1 (hub, inferred): other 1; origin b still behind p2's s2 statement and o2
    assert rows(indicators_for(inputs, DataChoice(inferred_roles=False))) == {
        "p1": [1, 1, 2, 1],
        "p2": [0, 1, 2, 1],
    }
    # alternatives: p1 s1 leader -> hub (b); p2 s2 specialist -> leader (b); undisputed pairs keep their role
    assert rows(indicators_for(inputs, DataChoice(alternative_roles=True))) == {
        "p1": [0, 2, 2, 1],
        "p2": [1, 1, 2, 1],
    }


def test_unknown_sector_or_origin_is_named(inputs):
    with pytest.raises(ValueError, match="drop_sector 'quantum'"):
        indicators_for(inputs, DataChoice(drop_sector="quantum"))
    with pytest.raises(ValueError, match="drop_origin 'zz'"):
        indicators_for(inputs, DataChoice(drop_origin="zz"))


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


def test_real_data_roles_partition_the_sectors_and_figures_are_money_or_counts(dataset):
    table = city_indicators(dataset)
    roles = dataset.city_roles[dataset.city_roles["place"].isin(table.index)]
    named = roles.groupby("place")["sector"].nunique()
    assert ((table["leader_roles"] + table["other_roles"]) == named.reindex(table.index)).all()
    obs = dataset.observations
    figures = obs[(obs["kind"] == "actual") & obs["measure"].isin(FIGURE_MEASURES)].groupby("place").size()
    assert (table["figures_given"] == figures.reindex(table.index).fillna(0)).all()
    assert "rank" not in FIGURE_MEASURES and "milestone" not in FIGURE_MEASURES
    assert (table["independent_sources"] >= 1).all()


# --- coherence ----------------------------------------------------------------------------------------------


@pytest.fixture
def xy() -> pd.DataFrame:
    return pd.DataFrame({"x": [1, 2, 3], "y": [2, 1, 3]}, index=pd.Index(["A", "B", "C"], name="place"))


def test_principal_components_and_alpha_by_hand(xy):
    # deviations from the means (2, 2): x -1, 0, 1; y 0, -1, 1; cov = 1/3, var = 2/3 each -> r = 0.5
    # eigenvalues of [[1, .5], [.5, 1]]: 1.5 and 0.5 -> shares 75% and 25%
    components = principal_components(xy)
    assert components["eigenvalue"].round(12).tolist() == [1.5, 0.5]
    assert components["share"].round(12).tolist() == [0.75, 0.25]
    assert components["cumulative"].round(12).tolist() == [0.75, 1.0]
    # standardised alpha with k = 2: Var(z_x + z_y) = 2 + 2r = 3 -> 2 / 1 * (1 - 2 / 3) = 2/3
    assert math.isclose(cronbach_alpha(xy), 2 / 3)


def test_effective_weights_by_hand():
    # x = 0, 1, 2 and y = 0, 0, 1; min-max: x 0, .5, 1 and y 0, 0, 1; equal weights: scores 0, .25, 1 (mean 5/12)
    #   x dev -1, 0, 1; s dev -5/12, -2/12, 7/12 -> cov(x, s) = (5/12 + 7/12) / 3 = 1/3; var x = 2/3;
    #   var s = (25 + 4 + 49) / 144 / 3 = 78/432 -> r_x = (1/3) / sqrt(2/3 * 78/432) = 0.9608
    #   y dev -1/3, -1/3, 2/3 -> cov(y, s) = (5/36 + 2/36 + 14/36) / 3 = 21/108; var y = 2/9
    #   -> r_y = (21/108) / sqrt(2/9 * 78/432) = 0.9707; effective weight = r^2 / (r_x^2 + r_y^2)
    table = pd.DataFrame({"x": [0, 1, 2], "y": [0, 0, 1]}, index=pd.Index(["A", "B", "C"], name="place"))
    scores = composite_index(table)
    influence = indicator_influence(table, scores, resolve_weights(["x", "y"]))
    r_x = (1 / 3) / math.sqrt(2 / 3 * 78 / 432)
    r_y = (21 / 108) / math.sqrt(2 / 9 * 78 / 432)
    assert np.allclose(influence["correlation"], [r_x, r_y])
    assert np.allclose(
        influence["effective_weight"], [r_x**2 / (r_x**2 + r_y**2), r_y**2 / (r_x**2 + r_y**2)]
    )
    assert influence["weight"].tolist() == [0.5, 0.5]


# --- Copeland -----------------------------------------------------------------------------------------------


def test_copeland_by_hand():
    abc = pd.DataFrame({"x": [4, 0, 1], "y": [1, 2, 5]}, index=pd.Index(["A", "B", "C"], name="place"))
    # equal weights: A-B one indicator each (tie), A-C tie, C ahead of B on both -> A 0, B -1, C +1
    assert copeland(abc).tolist() == [0, -1, 1]
    assert rank_cities(copeland(abc)).tolist() == [2, 3, 1]
    # x twice y: A beats B and C (2/3 against 1/3), C beats B -> A +2, B -2, C 0
    assert copeland(abc, {"x": 2}).tolist() == [2, -2, 0]


def test_copeland_ignores_the_size_of_a_lead():
    # A leads B on x, B leads A on y and z: B wins the pair (2 of 3 equal weights) -> A -1, B +1; making A's
    # lead on x twice as large changes nothing, as a lead's size never counts
    small = pd.DataFrame({"x": [100, 0], "y": [0, 1], "z": [0, 1]}, index=["A", "B"])
    large = small.assign(x=[200, 0])
    assert copeland(small).tolist() == copeland(large).tolist() == [-1, 1]


# --- Monte Carlo, probabilities, Sobol ------------------------------------------------------------------------


def test_pick_maps_unit_values_to_equal_shares():
    # 3 options: floor(u * 3) -> 0, 0, 1, 2 and u = 1 takes the last
    assert pick(np.array([0.0, 0.33, 0.34, 0.99, 1.0]), ["a", "b", "c"]) == ["a", "a", "b", "c", "c"]


def test_left_out_options_and_choice(inputs):
    assert left_out_options(inputs) == ["", "sector:s1", "sector:s2", "origin:a", "origin:b"]
    assert choice_of("origin:a", False, True) == DataChoice("", "a", False, True)
    assert choice_of("sector:s2", True, False) == DataChoice("s2", "", True, False)


def test_rank_probabilities_by_hand():
    ranks = pd.DataFrame({"B": [2, 2, 1, 2], "A": [1, 1, 2, 1]})
    table = rank_probabilities(ranks)
    # A: rank 1 in 3 of 4 draws -> expected rank 1.25, listed first; B the reverse
    assert list(table.index) == ["A", "B"]
    assert table.loc["A"].tolist() == [0.75, 0.25]
    assert table.loc["B"].tolist() == [0.25, 0.75]


def test_readings_with_the_same_indicators_share_one_matrix(inputs):
    model = UncertaintyModel.of(inputs)
    choices = [choice_of(left_out, inferred, alternative) for left_out in left_out_options(inputs)
               for inferred in (True, False) for alternative in (False, True)]  # fmt: skip
    for choice in choices:
        indicators = indicators_for(inputs, choice)
        values = indicators.astype(float)
        spread = values.max() - values.min()
        deviation = values.std(ddof=0)
        definitions = {  # pandas' own operations (normalise's definitions), not the model's numpy
            "minmax": ((values - values.min()) / spread.where(spread > 0)).fillna(0.5),
            "rank": (values.rank(method="average") - 1) / (len(values) - 1),
            "zscore": ((values - values.mean()) / deviation.where(deviation > 0)).fillna(0.0),
        }
        for normalisation, plain in definitions.items():
            # normalised, then (geometric) shifted to the offset and logged
            geometric = np.log(plain - plain.min() + GEOMETRIC_OFFSET)
            assert model.matrix(choice, normalisation, "arithmetic").tobytes() == plain.to_numpy().tobytes()
            assert (
                model.matrix(choice, normalisation, "geometric").tobytes() == geometric.to_numpy().tobytes()
            )
    # 20 readings, 13 tables: with s1 left out inferred roles do not matter (2 pairs share), with origin a
    # left out alternative roles do not (2 pairs), with origin b neither does (4 readings share): 20 - 7 = 13
    by_content: dict[tuple, list] = {}
    for choice in choices:
        by_content.setdefault(indicators_for(inputs, choice).to_numpy().tobytes(), []).append(choice)
    for same in by_content.values():
        assert len({id(model.matrix(c, "minmax", "arithmetic")) for c in same}) == 1
    assert len(choices) == 20 and len(by_content) == 13
    assert len({id(model.matrix(c, "minmax", "arithmetic")) for c in choices}) == 13


def test_monte_carlo_is_seeded_and_covers_the_data(inputs):
    model = UncertaintyModel.of(inputs)
    first, second = model.monte_carlo(40, 3), model.monte_carlo(40, 3)
    pd.testing.assert_frame_equal(first.ranks, second.ranks)
    pd.testing.assert_frame_equal(first.settings, second.settings)
    assert set(first.settings["left_out"]) <= set(left_out_options(inputs))
    assert np.allclose(first.settings[list(INDICATORS)].sum(axis=1), 1.0)


def test_sobol_gives_zero_total_effect_to_choices_that_cannot_change_the_order():
    # Two cities, A = (1, 0), B = (0, 1): under every normalisation A's normalised values are (high, low) and
    # B's the reverse, so A is ahead exactly when w_x > w_y, whatever the normalisation or aggregation (the
    # geometric mean compares 1.1^w_x 0.1^w_y with 0.1^w_x 1.1^w_y: the same condition). Changing only the
    # normalisation or the aggregation therefore never changes the output: their total-order index is 0.
    inputs = IndicatorInputs(
        places=["A", "B"],
        statements=[
            Statement("s1", "A", "leader", False, frozenset({"a"})),
            Statement("s2", "B", "hub", False, frozenset({"a"})),
        ],  # fmt: skip
        figures=[],
        sectors=["s1", "s2"],
        origins=["a"],
    )
    model = UncertaintyModel.of(inputs, {"independent_sources": 0, "figures_given": 0}, vary_data=False)
    nominal = pd.Series({"A": 1, "B": 2})  # output: 0 when A is ahead, 1 when B is
    table = model.sobol(16, 5, nominal).set_index("factor")
    assert table.loc["normalisation", "ST"] == 0 and table.loc["aggregation", "ST"] == 0
    assert table.loc["weight:leader_roles", "ST"] > 0 and table.loc["weight:other_roles", "ST"] > 0
    with pytest.raises(ValueError, match="n_sobol"):
        model.sobol(10, 5, nominal)


# --- display ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def labels(dataset):
    from helpers.i18n import Labels

    return Labels("en", dataset)


def test_probabilities_display_shows_percentages_and_dashes(labels):
    from helpers.analysis import synthesis as syn

    table = rank_probabilities(pd.DataFrame({"hefei": [1, 1, 2, 1], "beijing": [2, 2, 1, 2]}))
    shown = syn.probabilities_display(table, labels)
    # Hefei first in 3 of 4 draws (75%), second in 1 (25%); a rank no draw gave shows "—"
    assert shown.iloc[0].tolist() == ["Hefei", "75%", "25%"]
    assert syn.probabilities_display(
        rank_probabilities(pd.DataFrame({"hefei": [1], "beijing": [2]})), labels
    ).iloc[0].tolist() == ["Hefei", "100%", "—"]


def test_copeland_sentence_names_the_largest_move(labels):
    from helpers.analysis import synthesis as syn

    ranks = pd.Series({"hefei": 1, "beijing": 2, "shanghai": 3})
    other = pd.Series({"hefei": 1, "beijing": 3, "shanghai": 2})
    # Hefei keeps its rank; Beijing and Shanghai move by one each, Beijing first in order
    assert syn.copeland_sentence(ranks, other, labels) == (
        "1 of 3 cities take the same rank under Copeland as under the weighted sum; Beijing moves most "
        "(rank 2 by weighted sum, 3 by Copeland)."
    )


def test_coherence_sentence_reads_the_panel(labels, xy):
    from helpers.analysis import synthesis as syn

    # from test_principal_components_and_alpha_by_hand: PC1 75%, alpha 2/3; x and y equally effective (50%):
    # the first of equals is named
    influence = indicator_influence(xy.rename(columns={"x": "leader_roles", "y": "other_roles"}),
                                    composite_index(xy).rename("score"), resolve_weights(["leader_roles", "other_roles"]))  # fmt: skip
    text = syn.coherence_sentence(principal_components(xy), cronbach_alpha(xy), influence, labels)
    assert text == (
        "The first principal component carries 75.0% of the indicators' variance and Cronbach's alpha is 0.67; "
        "Leader roles has the largest effective weight, 50.0% against a nominal 50.0%."
    )


# --- comparable quantities ----------------------------------------------------------------------------------


def test_comparable_quantities_by_hand(labels, dataset):
    from helpers.analysis import synthesis as syn
    from helpers.index import comparable_quantities

    obs = pd.DataFrame(
        [
            # robot firms (count) for hefei, beijing and shanghai: 3 places, Beijing's is a district's
            ("f1", "embodied_ai", "hefei", "", "robot_firms", "count", "actual", "count"),
            ("f2", "embodied_ai", "beijing", "Haidian", "robot_firms", "count", "actual", "count"),
            ("f3", "embodied_ai", "shanghai", "", "robot_firms", "count", "actual", "count"),
            # the same indicator as a target does not count; a share is another kind of quantity
            ("f4", "embodied_ai", "wuhan", "", "robot_firms", "count", "target", "count"),
            ("f5", "quantum", "hefei", "", "firm_share", "fraction", "actual", "share"),
            ("f6", "quantum", "beijing", "", "firm_share", "fraction", "actual", "share"),
            # revenue in CNY for one place only
            ("f7", "quantum", "hefei", "", "revenue", "CNY", "actual", "revenue"),
        ],
        columns=["fact_id", "sector", "place", "district_en", "indicator", "unit", "kind", "measure"],
    )
    table = comparable_quantities(obs, ["beijing", "shanghai", "hefei", "wuhan"])
    assert table[["indicator", "n_places", "places", "n_district", "fact_id"]].values.tolist() == [
        ["robot_firms", 3, "beijing;shanghai;hefei", 1, "f1"]
    ]
    assert comparable_quantities(obs, ["beijing", "shanghai", "hefei"], min_places=4).empty
    # one quantity for 3 cities, in 1 of 6 races: too few (any real fact gives the sentence a label to name)
    some_fact = dataset.facts["fact_id"].iloc[0]
    assert "1 of the 6 races" in syn.capacity_sentence(table.assign(fact_id=some_fact), labels, 6)
    assert "No money amount or count" in syn.capacity_sentence(table.iloc[0:0], labels, 6)


def test_sentences_when_nothing_moves(labels):
    from helpers.analysis import synthesis as syn

    ranks = pd.Series({"hefei": 1, "beijing": 2})
    assert syn.copeland_sentence(ranks, ranks, labels) == (
        "All 2 cities take the same rank under Copeland as under the weighted sum."
    )
    flat = pd.DataFrame(
        {"factor": ["normalisation"], "S1": [0.0], "S1_conf": [0.0], "ST": [0.0], "ST_conf": [0.0]}
    )
    assert syn.sobol_sentence(flat, labels).startswith("No choice moves the ranks")


def test_a_reading_without_cities_gives_empty_matrices():
    empty = IndicatorInputs([], [], [], ["s1"], [])
    model = UncertaintyModel(empty, pd.Series(dict.fromkeys(INDICATORS, 0.25)), ("minmax", "rank", "zscore"),
                             ("arithmetic", "geometric"))  # fmt: skip
    for normalisation in ("minmax", "rank", "zscore"):
        for aggregation in ("arithmetic", "geometric"):
            assert model.matrix(DataChoice(), normalisation, aggregation).shape == (0, len(INDICATORS))

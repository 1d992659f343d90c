"""Parameter validation: unknown names, wrong types and values outside their sets are errors."""

import pytest

from helpers.params import ParameterError, resolve_assumption, validate_parameters

DECLARED = {"lang": "en", "currency": "CNY", "cny_per_usd": 7.19, "horizon_year": 2030, "cities": []}


def test_good_parameters_pass_unchanged():
    values = {
        "lang": "zh-Hans",
        "currency": "USD",
        "cny_per_usd": 7,
        "horizon_year": 2035,
        "cities": ["hefei"],
    }
    assert validate_parameters(values, "01_quantum", DECLARED) == values


@pytest.mark.parametrize(
    ("values", "fragments"),
    [
        ({"colour": "red"}, ["unknown parameter 'colour'", "01_quantum", "lang"]),
        ({"lang": "fr"}, ["'lang'", "en, zh-Hant, zh-Hans", "'fr'"]),
        ({"currency": "EUR"}, ["'currency'", "CNY, USD"]),
        ({"horizon_year": "2030"}, ["'horizon_year'", "int", "str"]),
        ({"horizon_year": 2100}, ["'horizon_year'", "2026", "2050"]),
        ({"horizon_year": True}, ["'horizon_year'", "bool"]),
        ({"cny_per_usd": -1.0}, ["'cny_per_usd'"]),
        ({"cities": ["hefei", "atlantis"]}, ["'cities'", "atlantis"]),
    ],
)
def test_bad_parameters_name_the_parameter_notebook_and_allowed_values(values, fragments):
    with pytest.raises(ParameterError) as error:
        validate_parameters(values, "01_quantum", DECLARED)
    for fragment in fragments:
        assert fragment in str(error.value)


def test_every_problem_is_reported_at_once():
    with pytest.raises(ParameterError) as error:
        validate_parameters({"lang": "fr", "currency": "EUR"}, "nb", DECLARED)
    assert "'lang'" in str(error.value) and "'currency'" in str(error.value)


def test_names_without_a_rule_are_errors_even_without_declarations():
    with pytest.raises(ParameterError, match="no rule"):
        validate_parameters({"mystery": 1}, "nb")


def test_weights_must_be_non_negative_numbers():
    validate_parameters({"weights": {"breadth": 2, "leader_roles": 0.5}}, "07_synthesis")
    with pytest.raises(ParameterError, match="weights"):
        validate_parameters({"weights": {"breadth": -1}}, "07_synthesis")


def test_nan_and_infinite_numbers_are_refused():
    for value in (float("nan"), float("inf"), float("-inf")):
        with pytest.raises(ParameterError, match="cny_per_usd"):
            validate_parameters({"cny_per_usd": value}, "01_quantum", DECLARED)
        with pytest.raises(ParameterError, match="weights"):
            validate_parameters({"weights": {"breadth": value}}, "07_synthesis")


def test_a_rate_of_none_comes_from_the_assumptions():
    # None is allowed and left out, so the notebook's session takes data/assumptions.yml's rate
    assert validate_parameters({"cny_per_usd": None, "lang": "en"}, "01_quantum", DECLARED) == {"lang": "en"}
    assumptions = {"exchange_rate": {"cny_per_usd": 6.5}}
    assert resolve_assumption("cny_per_usd", None, assumptions) == 6.5
    assert resolve_assumption("cny_per_usd", 7.0, assumptions) == 7.0
    with pytest.raises(KeyError, match="lang"):
        resolve_assumption("lang", None, assumptions)

"""Notebook parameters: the one registry of their types and allowed values, and their validation.

Notebooks validate their `parameters` cell with `validate_parameters`; the report runner validates the same
rules before any kernel starts. Unknown names are errors, not warnings.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache

from helpers.i18n import LANGS

CURRENCIES: tuple[str, ...] = ("CNY", "USD")
NORMALISATIONS: tuple[str, ...] = ("minmax", "rank", "zscore")
AGGREGATIONS: tuple[str, ...] = ("arithmetic", "geometric")
HORIZON_RANGE: tuple[int, int] = (2026, 2050)


class ParameterError(ValueError):
    """One or more parameters are unknown, of the wrong type or outside their allowed values."""


@dataclass(frozen=True)
class Rule:
    """What one parameter accepts."""

    kind: type  # str, int, float, bool, list or dict
    meaning: str
    choices: Callable[[], tuple] | None = None  # allowed values (for lists: allowed items)
    low: float | None = None
    high: float | None = None
    assumption: tuple[str, ...] | None = None  # None allowed: the value then comes from data/assumptions.yml

    def describe(self) -> str:
        text = self.kind.__name__
        if self.kind is float:
            text = "finite float"
        if self.choices is not None:
            text += (
                f" in {{{', '.join(map(str, self.choices()))}}}"
                if self.kind is not list
                else (f" of items in {{{', '.join(map(str, self.choices()))}}}")
            )
        if self.low is not None or self.high is not None:
            text += f" from {self.low} to {self.high}"
        if self.assumption is not None:
            text += f", or None for data/assumptions.yml's {'.'.join(self.assumption)}"
        return text


@cache
def scenario_names() -> tuple[str, ...]:
    from helpers.data import load_assumptions

    return tuple(load_assumptions()["scenarios"])


@cache
def place_ids() -> tuple[str, ...]:
    from helpers.data import read_raw_table

    cities, _ = read_raw_table("cities")
    return tuple(cities["place_id"]) if "place_id" in cities else ()


RULES: dict[str, Rule] = {
    "lang": Rule(str, "label language", lambda: LANGS),
    "currency": Rule(str, "currency of money figures", lambda: CURRENCIES),
    "cny_per_usd": Rule(
        float,
        "CNY per USD used to convert money",
        low=0.01,
        high=100.0,
        assumption=("exchange_rate", "cny_per_usd"),
    ),  # fmt: skip
    "horizon_year": Rule(int, "last year of projections", low=HORIZON_RANGE[0], high=HORIZON_RANGE[1]),
    "scenario": Rule(str, "growth scenario (data/assumptions.yml)", scenario_names),
    "cities": Rule(list, "subset of place ids to show; empty for all", place_ids),
    "output_dir": Rule(str, "folder for figures and tables; empty for reports/interactive/<notebook>"),
    # synthesis index
    "normalisation": Rule(str, "normalisation of index indicators", lambda: NORMALISATIONS),
    "vary_normalisation": Rule(bool, "whether the Monte Carlo also draws the normalisation"),
    "aggregation": Rule(str, "aggregation of index indicators", lambda: AGGREGATIONS),
    "vary_aggregation": Rule(bool, "whether the Monte Carlo also draws the aggregation"),
    "vary_data": Rule(bool, "whether the Monte Carlo also leaves out a sector or a source and varies roles"),
    "n_sobol": Rule(int, "base sample of the Sobol indices (a power of two)", low=2, high=4096),
    "weights": Rule(dict, "indicator weights (indicator name -> non-negative number); empty for equal"),
    "seed": Rule(int, "random seed of the Monte Carlo", low=0, high=2**32 - 1),
    "n_draws": Rule(int, "Monte Carlo draws", low=10, high=100_000),
    # city profile
    "city": Rule(str, "place id of the city to profile", place_ids),
}


def is_finite_number(value: object) -> bool:
    """True for an int or float that is not a bool, NaN or infinite: the one finite-number check of every
    numeric parameter, weight and assumption."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_value(name: str, value: object, rule: Rule) -> str | None:
    """Return why `value` is not allowed for parameter `name`, or None when it is."""
    expected = rule.describe()
    if value is None and rule.assumption is not None:
        return None
    ok_type = isinstance(value, rule.kind) and not (isinstance(value, bool) and rule.kind is not bool)
    if rule.kind is float and isinstance(value, int) and not isinstance(value, bool):
        ok_type = True
    if not ok_type:
        return f"expected {expected}; got {type(value).__name__} {value!r}"
    if rule.kind in (int, float) and not is_finite_number(value):
        return f"expected {expected}; got {value!r}"
    if rule.kind is list:
        allowed = rule.choices() if rule.choices else None
        bad = [item for item in value if allowed is not None and item not in allowed]
        if bad:
            return f"expected {expected}; got unknown item(s) {bad!r}"
    elif rule.kind is dict:
        bad = {k: v for k, v in value.items() if not is_finite_number(v) or v < 0}
        if bad:
            return f"expected {expected}; got {bad!r}"
    elif rule.choices is not None and value not in rule.choices():
        return f"expected {expected}; got {value!r}"
    if rule.low is not None and value < rule.low or rule.high is not None and value > rule.high:
        return f"expected {expected}; got {value!r}"
    return None


def validate_parameters(
    values: Mapping[str, object], notebook: str, declared: Mapping[str, object] | None = None
) -> dict[str, object]:
    """Check parameter values; return them as a plain dict.

    Args:
        values: parameter name -> value.
        notebook: notebook name, for the message.
        declared: the notebook's declared parameters (name -> default); names outside it are unknown.
            None: only names in RULES are known.

    Raises:
        ParameterError: naming every bad parameter, the notebook and what is allowed.

    A None for a parameter whose value lives in data/assumptions.yml (cny_per_usd) is left out of the result.
    """
    problems = []
    for name, value in values.items():
        if declared is not None and name not in declared:
            problems.append(
                f"unknown parameter {name!r}; {notebook} declares {', '.join(declared) or 'none'}"
            )
            continue
        rule = RULES.get(name)
        if rule is None:
            problems.append(f"parameter {name!r} has no rule in helpers.params.RULES")
            continue
        why = check_value(name, value, rule)
        if why:
            problems.append(f"parameter {name!r} ({rule.meaning}): {why}")
    if problems:
        raise ParameterError(f"{notebook}: " + "; ".join(problems))
    # None stands for the value of data/assumptions.yml: left out, so that the caller's lookup
    # (`settings.get(name, <the assumption>)`) takes it from there.
    return {k: v for k, v in values.items() if not (v is None and k in RULES and RULES[k].assumption)}


def resolve_assumption(name: str, value: object, assumptions: Mapping | None = None) -> object:
    """`value`, or when it is None the value data/assumptions.yml gives for parameter `name` (its rule's
    `assumption` path); `assumptions` defaults to the package's validated file.

    Raises:
        KeyError: `name` has no assumption behind it.
    """
    if value is not None:
        return value
    rule = RULES.get(name)
    if rule is None or rule.assumption is None:
        raise KeyError(f"parameter {name!r} has no value in data/assumptions.yml")
    if assumptions is None:
        from helpers.data import load_assumptions

        assumptions = load_assumptions()
    found: object = assumptions
    for key in rule.assumption:
        found = found[key]  # type: ignore[index]
    return found

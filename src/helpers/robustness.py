"""How much the index's ranks depend on its choices AND on the data: a Monte Carlo and Sobol indices.

Each draw chooses, independently:

- weights: one raw weight per indicator, uniform on 0..1, scaled to sum to 1 (the practice of Saisana,
  Saltelli and Tarantola for composite indicators);
- the normalisation (one of `normalisations`) and the aggregation (one of `aggregations`);
- what is left out of the data: nothing, one sector, or one independent origin with every page derived
  from it (helpers.index.DataChoice), each option equally likely;
- whether the package's inferred roles count, and whether disputed roles take the next source's role.

    model = UncertaintyModel.of(inputs, weights, normalisations, aggregations)
    draws = model.monte_carlo(n_draws, seed)        # MonteCarlo: settings and ranks per draw
    probabilities = rank_probabilities(draws.ranks) # P(rank = k) per city
    sobol = model.sobol(n_sobol, seed, ranks)             # first- and total-order indices (SALib)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample

from helpers.index import (
    GEOMETRIC_OFFSET,
    DataChoice,
    IndicatorInputs,
    MonteCarlo,
    composite_index,
    indicator_values,
    indicators_for,
    normalise_values,
    rank_cities,
    ranks_per_draw,
    resolve_weights,
)
from helpers.params import AGGREGATIONS, NORMALISATIONS

SOBOL_RESAMPLES = 100  # bootstrap resamples of SALib's confidence intervals
CHOICE_FACTORS: tuple[str, ...] = ("normalisation", "aggregation", "left_out", "inferred_roles",
                                   "alternative_roles")  # fmt: skip


def drawn_aggregations(chosen: str, vary: bool = True) -> tuple[str, ...]:
    """The aggregations the Monte Carlo draws from: all of them when `vary`, else only `chosen`.

    Raises:
        ValueError: an unknown aggregation.
    """
    if chosen not in AGGREGATIONS:
        raise ValueError(f"unknown aggregation {chosen!r}; expected one of {', '.join(AGGREGATIONS)}")
    return AGGREGATIONS if vary else (chosen,)


def left_out_options(inputs: IndicatorInputs) -> list[str]:
    """ "" (nothing left out), then "sector:<id>" per sector, then "origin:<source id>" per origin."""
    return ["", *(f"sector:{s}" for s in inputs.sectors), *(f"origin:{o}" for o in inputs.origins)]


def choice_of(left_out: str, inferred_roles: bool, alternative_roles: bool) -> DataChoice:
    """The DataChoice of one draw's data factors."""
    kind, _, value = left_out.partition(":")
    return DataChoice(drop_sector=value if kind == "sector" else "", drop_origin=value if kind == "origin" else "",
                      inferred_roles=inferred_roles, alternative_roles=alternative_roles)  # fmt: skip


def pick(u: np.ndarray, options: Sequence) -> list:
    """Map values in [0, 1] to options with equal probability: option floor(u * n) (u = 1 takes the last)."""
    positions = np.minimum((np.asarray(u) * len(options)).astype(int), len(options) - 1)
    return [options[i] for i in positions]


@dataclass
class UncertaintyModel:
    """The index as a function of its uncertain inputs; indicators and normalised matrices are cached."""

    inputs: IndicatorInputs
    nominal_weights: pd.Series
    normalisations: tuple[str, ...]
    aggregations: tuple[str, ...]
    vary_data: bool = True
    _indicators: dict = field(default_factory=dict, repr=False)
    _matrices: dict = field(default_factory=dict, repr=False)
    _normalised: dict = field(default_factory=dict, repr=False)  # by indicator content and normalisation
    _shared: dict = field(default_factory=dict, repr=False)  # matrices by indicator values and methods

    @classmethod
    def of(cls, inputs: IndicatorInputs, weights: Mapping[str, float] | None = None,
           normalisations: Sequence[str] = NORMALISATIONS, aggregations: Sequence[str] = AGGREGATIONS,
           vary_data: bool = True) -> UncertaintyModel:  # fmt: skip
        """Raises ValueError for an unknown normalisation or aggregation, or none of either."""
        if not normalisations or any(n not in NORMALISATIONS for n in normalisations):
            raise ValueError(f"normalisations must be some of {NORMALISATIONS}; got {list(normalisations)}")
        if not aggregations or any(a not in AGGREGATIONS for a in aggregations):
            raise ValueError(f"aggregations must be some of {AGGREGATIONS}; got {list(aggregations)}")
        names = list(indicators_for(inputs).columns)
        return cls(
            inputs, resolve_weights(names, weights), tuple(normalisations), tuple(aggregations), vary_data
        )

    @property
    def names(self) -> list[str]:
        return list(self.nominal_weights.index)

    def factors(self) -> list[tuple[str, list]]:
        """(factor, options) of the discrete factors; weights are the continuous factors before them."""
        data = [("left_out", left_out_options(self.inputs)), ("inferred_roles", [True, False]),
                ("alternative_roles", [False, True])] if self.vary_data else []  # fmt: skip
        return [("normalisation", list(self.normalisations)), ("aggregation", list(self.aggregations)), *data]

    def matrix(self, choice: DataChoice, normalisation: str, aggregation: str) -> np.ndarray:
        """Cities x indicators, normalised (and, for the geometric mean, shifted and logged).

        Many readings of the data leave the same indicator values (leaving out an origin behind no figure of
        the cities, say): their normalised matrices are computed once and shared, read-only. (The values are
        always the model's cities x indicators, ints: their bytes say which table they are.) An empty table
        (no city) gives an empty matrix."""
        key = (choice, normalisation, aggregation)
        if key not in self._matrices:
            if choice not in self._indicators:
                self._indicators[choice] = indicator_values(self.inputs, choice)
            indicators = self._indicators[choice]
            content = indicators.tobytes()
            same = (content, normalisation, aggregation)
            if same not in self._shared:
                if (content, normalisation) not in self._normalised:
                    floats = indicators.astype(float)
                    self._normalised[(content, normalisation)] = (
                        normalise_values(floats, normalisation) if len(floats) else floats
                    )
                values = self._normalised[(content, normalisation)]
                if aggregation == "geometric" and len(
                    values
                ):  # shifted to the offset column by column, logged
                    values = np.log(
                        values - np.nanmin(values, axis=0) + GEOMETRIC_OFFSET
                    )  # as pandas, NaN skipped
                self._shared[same] = values
            self._matrices[key] = self._shared[same]
        return self._matrices[key]

    def settings_of(self, unit: np.ndarray) -> pd.DataFrame:
        """Draws x factors in [0, 1] (weights first, then factors()) -> one row of settings per draw.

        A weight column holds the drawn weights scaled to sum to 1 over the indicators whose nominal weight
        is positive (an indicator with nominal weight 0 stays at 0).
        """
        k = len(self.names)
        raw = unit[:, :k] * (self.nominal_weights.to_numpy() > 0)
        total = raw.sum(axis=1, keepdims=True)
        raw = np.where(total > 0, raw / np.where(total > 0, total, 1), self.nominal_weights.to_numpy())
        settings = pd.DataFrame(raw, columns=self.names, index=pd.RangeIndex(len(unit), name="draw"))
        for j, (name, options) in enumerate(self.factors()):
            settings[name] = pick(unit[:, k + j], options)
        if not self.vary_data:
            settings["left_out"], settings["inferred_roles"], settings["alternative_roles"] = "", True, False
        return settings

    def ranks_of(self, settings: pd.DataFrame) -> pd.DataFrame:
        """Ranks (1 = best; equal scores share the better rank) of every city in every draw."""
        weights = settings[self.names].to_numpy()
        out = np.empty((len(settings), len(self.inputs.places)), dtype=int)
        columns = zip(settings["normalisation"], settings["aggregation"], settings["left_out"],
                      settings["inferred_roles"], settings["alternative_roles"], strict=True)  # fmt: skip
        draws_of: dict[tuple, list[int]] = {}  # the draws that share a matrix are scored together
        for d, key in enumerate(columns):
            draws_of.setdefault(key, []).append(d)
        for (norm, agg, left_out, inferred, alternative), rows in draws_of.items():
            matrix = self.matrix(choice_of(left_out, bool(inferred), bool(alternative)), norm, agg)
            out[rows] = ranks_per_draw(weights[rows] @ matrix.T, agg)  # draws x cities
        return pd.DataFrame(out, columns=pd.Index(self.inputs.places, name="place"), index=settings.index)

    def n_factors(self) -> int:
        return len(self.names) + len(self.factors())

    def monte_carlo(self, n_draws: int, seed: int) -> MonteCarlo:
        """`n_draws` independent draws from numpy.random.default_rng(seed) (one row of uniforms per draw)."""
        if n_draws < 1:
            raise ValueError(f"n_draws must be at least 1; got {n_draws}")
        unit = np.random.default_rng(seed).random((n_draws, self.n_factors()))
        settings = self.settings_of(unit)
        return MonteCarlo(settings, self.ranks_of(settings))

    def nominal_ranks(self, normalisation: str, aggregation: str) -> pd.Series:
        """Ranks with the nominal weights and all the data, as helpers.index.composite_index gives them."""
        scores = composite_index(indicators_for(self.inputs), normalisation, self.nominal_weights.to_dict(),
                                 aggregation)  # fmt: skip
        return rank_cities(scores)

    def sobol(self, n_sobol: int, seed: int, nominal: pd.Series) -> pd.DataFrame:
        """Sobol first-order (S1) and total-order (ST) indices of the mean absolute rank shift from `nominal`.

        The output of one run is the mean over cities of |rank - nominal rank|. SALib's Sobol sequence
        (scrambled, seeded) draws `n_sobol` * (factors + 2) runs (no second-order terms); the indices come with
        their 95% bootstrap half-widths (S1_conf, ST_conf; SOBOL_RESAMPLES resamples, seeded).

        Returns:
            One row per factor (the weight of each indicator as "weight:<indicator>", then CHOICE_FACTORS that
            vary), the largest ST first: `factor`, `S1`, `S1_conf`, `ST`, `ST_conf`.

        Raises:
            ValueError: `n_sobol` not a power of two (SALib's Sobol sequence needs one).
        """
        if n_sobol < 2 or n_sobol & (n_sobol - 1):
            raise ValueError(
                f"n_sobol (the Sobol base sample) must be a power of two, at least 2; got {n_sobol}"
            )
        names = [f"weight:{n}" for n in self.names] + [name for name, _ in self.factors()]
        problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
        unit = sobol_sample.sample(problem, n_sobol, calc_second_order=False, seed=seed)
        ranks = self.ranks_of(self.settings_of(unit))
        output = (ranks - nominal.reindex(ranks.columns)).abs().mean(axis=1).to_numpy(dtype=float)
        if np.ptp(output) == 0:
            zeros = np.zeros(len(names))
            result = {"S1": zeros, "S1_conf": zeros, "ST": zeros, "ST_conf": zeros}
        else:
            result = sobol_analyze.analyze(problem, output, calc_second_order=False,
                                           num_resamples=SOBOL_RESAMPLES, seed=seed)  # fmt: skip
        table = pd.DataFrame({"factor": names, **{k: np.asarray(result[k], dtype=float)
                                                  for k in ("S1", "S1_conf", "ST", "ST_conf")}})  # fmt: skip
        order = np.lexsort((np.arange(len(table)), -table["ST"].round(6).to_numpy()))
        return table.iloc[order].reset_index(drop=True)


def rank_probabilities(ranks: pd.DataFrame) -> pd.DataFrame:
    """P(rank = k) per city: the share of draws in which each city (row) takes rank k (column 1..n).

    Rows are sorted by the expected rank (sum of k * P), then city order; each row sums to 1.
    """
    n = ranks.shape[1]
    table = pd.DataFrame(
        {k: (ranks == k).mean(axis=0).to_numpy() for k in range(1, n + 1)},
        index=pd.Index(ranks.columns, name="place"),
    )
    expected = (table * np.arange(1, n + 1)).sum(axis=1).round(9)
    order = np.lexsort((np.arange(n), expected.to_numpy()))
    return table.iloc[order]

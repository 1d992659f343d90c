"""A composite city index of prominence in the sources, after the OECD/JRC Handbook on Constructing Composite
Indicators (2008): a named construct, indicators that do not nest, normalisation, weights, aggregation, a
coherence panel, a non-compensatory alternative (Copeland) and a Monte Carlo over weights and normalisation.
helpers.robustness adds the aggregation and the data to the Monte Carlo, with Sobol indices.

    indicators = city_indicators(dataset)                     # one row per city, one column per indicator
    scores = composite_index(indicators, "minmax", {}, "arithmetic")
    ranks = rank_cities(scores)                                # 1 = best; ties share the better rank
    intervals = rank_uncertainty(indicators, n_draws=1000, seed=20251027)
    principal_components(indicators), cronbach_alpha(indicators), indicator_influence(indicators, scores, w)
    rank_cities(copeland(indicators))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.data import MONEY_MEASURES, Dataset
from helpers.evidence import lineage
from helpers.params import AGGREGATIONS, NORMALISATIONS

# What each indicator counts, for tables and docs; every count comes from data/city_roles.csv or data/facts.csv.
# The construct is "prominence in the sources": how often and how strongly the sources name a city, not how
# large its industries are. The indicators do not nest: a sector counts either as a leader role or as another
# role, never as both, and figures count only money amounts and counts.
INDICATORS: dict[str, str] = {
    "leader_roles": "number of sectors in which the chosen role of the city is leader (data/city_roles.csv)",
    "other_roles": "number of sectors in which the city is named with a role other than leader",
    "independent_sources": (
        "number of independent origins (sources counted once per lineage) that name the city in a role or "
        "give a figure for it"
    ),
    "figures_given": (
        "number of actual money amounts and counts (kind = actual, measure in FIGURE_MEASURES, districts counted "
        "for their city) the sources give: how much the sources quantify, not how large the industry is"
    ),
}
# Quantities of one kind, and only those: money amounts and counts; years, ranks, shares, multiples are not.
FIGURE_MEASURES: tuple[str, ...] = tuple(m for m in MONEY_MEASURES if m != "firm_size_threshold") + ("count",)
GEOMETRIC_OFFSET = (
    0.1  # added after shifting each normalised indicator to start at 0, before a geometric mean
)
SCORE_DECIMALS = 12  # scores are rounded before ranking, so sums that differ only in float noise tie
DEFAULT_SEED = 20251027  # the date of the package's first source (2025-10-27): a fixed seed, any would do
DEFAULT_CONCENTRATION = 1.0  # Dirichlet concentration: 1 with equal weights = every weighting equally likely


@dataclass(frozen=True)
class DataChoice:
    """One way of reading the data: leave a sector or an independent origin out, drop the package's inferred
    roles, or take, where sources disagree on a role, the best-ranked role that differs from the chosen one."""

    drop_sector: str = ""  # sector id to leave out ("" keeps all)
    drop_origin: str = (
        ""  # independent origin (a source id that derives from none) to leave out, with its pages
    )
    inferred_roles: bool = True  # False: roles the package inferred (role_basis "inferred: ...") are left out
    alternative_roles: bool = False  # True: a disputed role takes the next source's differing role


@dataclass(frozen=True)
class Statement:
    """One source's role for a city in a sector, in the order of the role rule."""

    sector: str
    place: str
    role: str
    inferred: bool  # role_basis "inferred: ..."
    roots: frozenset[str]  # the source's independent origins (helpers.evidence.lineage)


@dataclass(frozen=True)
class Figure:
    """One source stating one actual figure (an observation) of a city."""

    observation: str
    sector: str
    place: str
    roots: frozenset[str]


@dataclass(frozen=True)
class IndicatorInputs:
    """What indicators_for needs, prepared once so that many DataChoice readings are fast."""

    places: list[str]  # the cities of the index, in data/cities.csv order
    statements: list[Statement]  # sorted by sector and place, then the role rule (the chosen role first)
    figures: list[Figure]
    sectors: list[str]
    origins: list[str]  # independent origins behind any statement or figure above


def prepare_inputs(dataset: Dataset, cities: Sequence[str] | None = None) -> IndicatorInputs:
    """The role statements and figures (FIGURE_MEASURES, kind actual) of every city the sources name in a
    sector, or of those of `cities`. Statements follow the `stated_by` order of the chosen roles (the role
    rule of data/dictionary.csv), so the chosen role is that of the first statement a reading keeps.
    """
    city_ids = set(dataset.cities.loc[dataset.cities["level"] == "city", "place_id"])
    roles = dataset.city_roles[dataset.city_roles["place"].isin(city_ids)]  # not national or provincial
    named = set(roles["place"])
    places = [p for p in dataset.cities["place_id"] if p in named and (not cities or p in cities)]
    roots = {s: frozenset(r.split(";")) for s, r in lineage(dataset.sources)["roots"].items()}
    said = dataset.role_statements.set_index(["sector", "place", "source_id"])
    statements = []
    for row in roles[roles["place"].isin(places)].itertuples():
        for source in row.stated_by.split(";"):
            statement = said.loc[(row.sector, row.place, source)]
            statements.append(Statement(row.sector, row.place, str(statement["role"]),
                                        str(statement["role_basis"]).startswith("inferred"), roots[source]))  # fmt: skip
    obs = dataset.observations
    obs = obs[obs["kind"].eq("actual") & obs["measure"].isin(FIGURE_MEASURES) & obs["place"].isin(places)]
    figures = [Figure(o.observation_id, o.sector, o.place, roots[s])
               for o in obs.itertuples() for s in o.stated_by.split(";")]  # fmt: skip
    origins = sorted({r for item in [*statements, *figures] for r in item.roots})
    return IndicatorInputs(places, statements, figures, list(dataset.sectors["sector_id"]), origins)


def indicators_for(inputs: IndicatorInputs, choice: DataChoice = DataChoice()) -> pd.DataFrame:
    """The index's indicators under one reading of the data (see DataChoice); a city left with nothing gets 0s.

    Returns:
        Index `place` (inputs.places); int columns in INDICATORS order.

    Raises:
        ValueError: a sector or origin to drop that the inputs do not hold.
    """
    return pd.DataFrame(indicator_values(inputs, choice), columns=list(INDICATORS),
                        index=pd.Index(inputs.places, name="place"))  # fmt: skip


def indicator_values(inputs: IndicatorInputs, choice: DataChoice = DataChoice()) -> np.ndarray:
    """indicators_for's values alone: an int array, cities (inputs.places) x INDICATORS (what the Monte Carlo,
    which reads the data many ways, needs without a table per reading). Raises as indicators_for."""
    if choice.drop_sector and choice.drop_sector not in inputs.sectors:
        raise ValueError(
            f"drop_sector {choice.drop_sector!r} is not a sector; expected one of {inputs.sectors}"
        )
    if choice.drop_origin and choice.drop_origin not in inputs.origins:
        raise ValueError(f"drop_origin {choice.drop_origin!r} is not an origin behind the index's cities")

    def kept(item: Statement | Figure) -> bool:
        return item.sector != choice.drop_sector and choice.drop_origin not in item.roots

    said = [s for s in inputs.statements if kept(s) and (choice.inferred_roles or not s.inferred)]
    chosen: dict[tuple[str, str], str] = {}
    for s in said:  # the first statement left of each sector and place
        chosen.setdefault((s.sector, s.place), s.role)
    if choice.alternative_roles:
        alternative: dict[tuple[str, str], str] = {}
        for s in said:  # the first statement left that differs from the chosen role
            if s.role != chosen[(s.sector, s.place)]:
                alternative.setdefault((s.sector, s.place), s.role)
        chosen |= alternative
    figures = [f for f in inputs.figures if kept(f)]
    counts = {p: [0, 0, set(), set()] for p in inputs.places}
    for (_, place), role in chosen.items():
        counts[place][0 if role == "leader" else 1] += 1
    for item in [*said, *figures]:
        counts[item.place][2] |= item.roots
    for f in figures:
        counts[f.place][3].add(f.observation)
    rows = [[c[0], c[1], len(c[2]), len(c[3])] for c in counts.values()]
    return np.array(rows, dtype=np.int64).reshape(len(rows), len(INDICATORS))


def city_indicators(dataset: Dataset, cities: Sequence[str] | None = None,
                    choice: DataChoice = DataChoice()) -> pd.DataFrame:  # fmt: skip
    """The index's indicators for every city the sources name in at least one sector.

    Args:
        dataset: the loaded data.
        cities: place ids to keep (None or empty: every named city). National figures (place "china") are
            never a city.
        choice: the reading of the data (default: every sector and source, inferred roles in, chosen roles).

    Returns:
        Index `place` (place ids in data/cities.csv order); int columns in INDICATORS order: `leader_roles`,
        `other_roles`, `independent_sources`, `figures_given`.
    """
    return indicators_for(prepare_inputs(dataset, cities), choice)


def normalise(indicators: pd.DataFrame, method: str = "minmax") -> pd.DataFrame:
    """Put every indicator on a common scale, column by column.

    - "minmax": (x - min) / (max - min), from 0 (lowest city) to 1 (highest).
    - "rank": average rank from 1 (lowest; ties share the mean of their ranks), scaled to 0..1 by
      (rank - 1) / (n - 1); only the order counts, not the distances.
    - "zscore": (x - mean) / standard deviation (population, ddof = 0); mean 0, spread 1, can be negative.

    A column that is the same for every city carries no information: it becomes 0.5 (minmax, rank) or 0
    (zscore) for all.

    An empty table (no city) comes back empty.

    Raises:
        ValueError: an unknown method.
    """
    if method not in NORMALISATIONS:
        raise ValueError(f"unknown normalisation {method!r}; expected one of {', '.join(NORMALISATIONS)}")
    values = indicators.astype(float)
    if len(values) and not values.isna().to_numpy().any():
        return pd.DataFrame(
            normalise_values(values.to_numpy(), method), index=values.index, columns=values.columns
        )
    if method == "minmax":
        spread = values.max() - values.min()
        scaled = (values - values.min()) / spread.where(spread > 0)
        return scaled.fillna(0.5)
    if method == "rank":
        n = len(values)
        if n == 1:
            return values * 0 + 0.5
        return (values.rank(method="average") - 1) / (n - 1)
    spread = values.std(ddof=0)
    return ((values - values.mean()) / spread.where(spread > 0)).fillna(0.0)


def normalise_values(values: np.ndarray, method: str = "minmax") -> np.ndarray:
    """normalise on a cities x indicators float array with at least one row and no NaN, column by column,
    with numpy instead of pandas (the Monte Carlo normalises hundreds of readings of the data): the same
    values (the ranks are exact, the rest the same floating-point operations; tests/test_index.py compares
    the two). Raises ValueError for an unknown method."""
    if method == "minmax":
        return minmax_array(values)
    if method == "rank":
        n = len(values)
        if n == 1:
            return np.full(values.shape, 0.5)
        return (average_ranks(values) - 1) / (n - 1)
    if method == "zscore":
        columns = np.ascontiguousarray(values.T)  # as pandas sums a column: one contiguous row of its block
        mean = columns.sum(axis=1) / len(values)
        spread = np.sqrt(((mean[:, None] - columns) ** 2).sum(axis=1) / len(values))
        scaled = (values - mean) / np.where(spread > 0, spread, np.nan)
        return np.where(np.isnan(scaled), 0.0, scaled)
    raise ValueError(f"unknown normalisation {method!r}; expected one of {', '.join(NORMALISATIONS)}")


def minmax_array(values: np.ndarray) -> np.ndarray:
    """normalise's "minmax" on a cities x indicators array without NaN, column by column, with the same
    floating-point operations: (x - min) / (max - min), 0.5 for a column that is the same for every city."""
    low = values.min(axis=0)
    spread = values.max(axis=0) - low
    scaled = (values - low) / np.where(spread > 0, spread, np.nan)
    return np.where(np.isnan(scaled), 0.5, scaled)


def average_ranks(values: np.ndarray) -> np.ndarray:
    """The rank of each value in its column, from 1 (lowest); tied values share the mean of their ranks (as
    pandas' rank(method="average")). Values without NaN."""
    n = len(values)
    ranks = np.empty(values.shape, dtype=float)
    for j in range(values.shape[1]):
        order = np.argsort(values[:, j], kind="stable")
        ordered = values[order, j]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])  # first position of each tie
        ends = np.r_[starts[1:], n]  # one past the last position
        group = np.repeat(np.arange(len(starts)), ends - starts)
        ranks[order, j] = ((starts + 1 + ends) / 2)[group]  # the mean of ranks starts + 1 .. ends
    return ranks


def resolve_weights(indicator_names: Sequence[str], weights: Mapping[str, float] | None = None) -> pd.Series:
    """Weights for `indicator_names`, scaled to sum to 1.

    Args:
        weights: indicator -> non-negative weight. None or {}: equal weights. An indicator not named keeps
            the default weight 1, so {"leader_roles": 2} counts leader roles twice as much as each other one;
            a weight of 0 drops an indicator.

    Raises:
        ValueError: a weight for an unknown indicator, a negative weight, or no positive weight at all.
    """
    weights = dict(weights or {})
    unknown = sorted(set(weights) - set(indicator_names))
    if unknown:
        raise ValueError(
            f"weights name unknown indicator(s) {unknown}; expected some of {list(indicator_names)}"
        )
    raw = pd.Series({name: float(weights.get(name, 1.0)) for name in indicator_names}, dtype=float)
    if (raw < 0).any():
        raise ValueError(f"weights must not be negative; got {raw[raw < 0].to_dict()}")
    if raw.sum() <= 0:
        raise ValueError("at least one indicator needs a positive weight")
    return raw / raw.sum()


def aggregate(normalised: pd.DataFrame, weights: pd.Series, method: str = "arithmetic",
              offset: float = GEOMETRIC_OFFSET) -> pd.Series:  # fmt: skip
    """Combine normalised indicators into one score per city with weights that sum to 1.

    - "arithmetic": sum of weight * value. A low value on one indicator can be made up by a high one.
    - "geometric": product of value ** weight, which punishes an unbalanced profile. It needs positive
      values, so each indicator is first shifted to start at 0 (value - column minimum) and `offset` is
      added: a city at the bottom of an indicator gets `offset`, not 0 (which would zero its whole score).

    Raises:
        ValueError: an unknown method or a non-positive offset for "geometric".
    """
    if method not in AGGREGATIONS:
        raise ValueError(f"unknown aggregation {method!r}; expected one of {', '.join(AGGREGATIONS)}")
    weights = weights.reindex(normalised.columns).fillna(0.0)
    if method == "arithmetic":
        return (normalised * weights).sum(axis=1).rename("score")
    if offset <= 0:
        raise ValueError(f"the geometric offset must be positive; got {offset}")
    shifted = normalised - normalised.min() + offset
    return np.exp((np.log(shifted) * weights).sum(axis=1)).rename("score")


def composite_index(
    indicators: pd.DataFrame,
    normalisation: str = "minmax",
    weights: Mapping[str, float] | None = None,
    aggregation: str = "arithmetic",
    offset: float = GEOMETRIC_OFFSET,
) -> pd.Series:
    """One score per city: normalise, weight (see resolve_weights) and aggregate the indicators.

    Returns:
        Series `score` indexed like `indicators`; higher is better. Scores of different normalisations or
        aggregations are not on one scale: compare ranks, not scores, across settings.
    """
    normalised = normalise(indicators, normalisation)
    return aggregate(normalised, resolve_weights(list(indicators.columns), weights), aggregation, offset)


def rank_cities(scores: pd.Series) -> pd.Series:
    """Rank 1 for the highest score; equal scores (to SCORE_DECIMALS places) share the better rank (1, 2, 2, 4)."""
    return scores.round(SCORE_DECIMALS).rank(method="min", ascending=False).astype(int).rename("rank")


@dataclass(frozen=True)
class MonteCarlo:
    """The draws of `rank_draws`: what each draw chose and the ranks it gave."""

    settings: pd.DataFrame  # index draw; `normalisation`, then one weight column per indicator
    ranks: pd.DataFrame  # index draw; one int column per city


def dirichlet_alpha(weights: pd.Series, concentration: float = DEFAULT_CONCENTRATION) -> pd.Series:
    """Dirichlet parameters centred on `weights` (summing to 1): alpha_i = concentration * k * w_i.

    k counts the positive weights, so equal weights with concentration 1 give alpha = 1 for each: the flat
    Dirichlet, under which every weighting is equally likely. Larger concentrations keep draws closer to
    `weights`. Indicators with weight 0 get alpha 0 and stay at 0 in every draw.
    """
    if concentration <= 0:
        raise ValueError(f"the Dirichlet concentration must be positive; got {concentration}")
    return concentration * int((weights > 0).sum()) * weights


def drawn_normalisations(chosen: str, vary: bool = True) -> tuple[str, ...]:
    """The normalisations the Monte Carlo draws from: all of them when `vary` (the handbook's practice of
    treating the choice as uncertain), else only `chosen`, so that the intervals reflect the weights alone.

    Raises:
        ValueError: an unknown normalisation.
    """
    if chosen not in NORMALISATIONS:
        raise ValueError(f"unknown normalisation {chosen!r}; expected one of {', '.join(NORMALISATIONS)}")
    return NORMALISATIONS if vary else (chosen,)


def ranks_per_draw(scores: np.ndarray, aggregation: str) -> np.ndarray:
    """Ranks of a draws x cities array of weighted sums (of logs, for the geometric mean, so exponentiated
    here): after rounding to SCORE_DECIMALS, a city's rank is 1 + the number of cities with a strictly higher
    score in the same draw, so equal scores share the better rank, as in rank_cities."""
    if aggregation == "geometric":
        scores = np.exp(scores)
    scores = np.round(scores, SCORE_DECIMALS)
    return 1 + (scores[:, None, :] > scores[:, :, None]).sum(axis=2)


def rank_draws(
    indicators: pd.DataFrame,
    n_draws: int = 1000,
    seed: int = DEFAULT_SEED,
    weights: Mapping[str, float] | None = None,
    normalisations: Sequence[str] = NORMALISATIONS,
    aggregation: str = "arithmetic",
    concentration: float = DEFAULT_CONCENTRATION,
    offset: float = GEOMETRIC_OFFSET,
) -> MonteCarlo:
    """Rank the cities `n_draws` times, each time with weights drawn from a Dirichlet centred on `weights`
    and a normalisation drawn with equal probability from `normalisations`; `aggregation` stays fixed.

    Deterministic for a given `seed`: numpy.random.default_rng(seed) draws all weights first (one row per
    draw), then all normalisation choices.

    Raises:
        ValueError: fewer than one draw, or an unknown normalisation or aggregation.
    """
    if n_draws < 1:
        raise ValueError(f"n_draws must be at least 1; got {n_draws}")
    unknown = [n for n in normalisations if n not in NORMALISATIONS]
    if unknown or not normalisations:
        raise ValueError(f"normalisations must be some of {NORMALISATIONS}; got {list(normalisations)}")
    if aggregation not in AGGREGATIONS:
        raise ValueError(f"unknown aggregation {aggregation!r}; expected one of {', '.join(AGGREGATIONS)}")
    names = list(indicators.columns)
    nominal = resolve_weights(names, weights)
    alpha = dirichlet_alpha(nominal, concentration)
    rng = np.random.default_rng(seed)
    drawn = np.zeros((n_draws, len(names)))
    positive = (alpha > 0).to_numpy()
    drawn[:, positive] = rng.dirichlet(alpha[positive].to_numpy(), size=n_draws)
    choice = rng.integers(0, len(normalisations), size=n_draws)

    # Each normalisation's matrix once (cities x indicators); geometric works on logs of shifted values.
    matrices = []
    for method in normalisations:
        values = normalise(indicators, method)
        if aggregation == "geometric":
            values = np.log(values - values.min() + offset)
        matrices.append(values.to_numpy())
    stacked = np.stack(matrices)[choice]  # draws x cities x indicators
    ranks = ranks_per_draw(np.einsum("dci,di->dc", stacked, drawn, optimize=False), aggregation)

    index = pd.RangeIndex(n_draws, name="draw")
    settings = pd.DataFrame(drawn, columns=names, index=index)
    settings.insert(0, "normalisation", [normalisations[i] for i in choice])
    return MonteCarlo(settings, pd.DataFrame(ranks, columns=indicators.index, index=index))


def summarise_ranks(ranks: pd.DataFrame) -> pd.DataFrame:
    """Median rank and the 5th and 95th percentiles per city (columns of `ranks`), as ranks that occurred.

    Percentiles use the inverted empirical distribution (numpy method "inverted_cdf"), so every number is a
    rank some draw gave. Rows are sorted by median rank, then 5th and 95th percentile, then city order.
    """
    values = ranks.to_numpy()
    table = pd.DataFrame(
        {
            "median_rank": np.quantile(values, 0.5, axis=0, method="inverted_cdf").astype(int),
            "p05": np.quantile(values, 0.05, axis=0, method="inverted_cdf").astype(int),
            "p95": np.quantile(values, 0.95, axis=0, method="inverted_cdf").astype(int),
        },
        index=pd.Index(ranks.columns, name="place"),
    )
    order = np.lexsort((np.arange(len(table)), table["p95"], table["p05"], table["median_rank"]))
    return table.iloc[order]


def rank_uncertainty(
    indicators: pd.DataFrame,
    n_draws: int = 1000,
    seed: int = DEFAULT_SEED,
    weights: Mapping[str, float] | None = None,
    normalisations: Sequence[str] = NORMALISATIONS,
    aggregation: str = "arithmetic",
    concentration: float = DEFAULT_CONCENTRATION,
) -> pd.DataFrame:
    """Each city's median rank and 5-95% interval over the Monte Carlo of `rank_draws` (same arguments).

    Returns:
        Index `place`; int columns `median_rank`, `p05`, `p95` (see summarise_ranks).
    """
    draws = rank_draws(indicators, n_draws, seed, weights, normalisations, aggregation, concentration)
    return summarise_ranks(draws.ranks)


def sensitivity_table(
    indicators: pd.DataFrame,
    normalisation: str = "minmax",
    weights: Mapping[str, float] | None = None,
    aggregation: str = "arithmetic",
) -> pd.DataFrame:
    """Change one choice at a time from the nominal setting and count how far the ranks move.

    The changes: each other normalisation; the other aggregation; equal weights (when the nominal ones are
    not equal); for each indicator with a positive weight, dropping it (weight 0, when another remains) and
    doubling its weight.

    Returns:
        One row per change, the largest mean shift first (ties: order above): `factor` ("normalisation",
        "aggregation" or "weights"), `option` (the normalisation or aggregation chosen, or "equal", "drop",
        "double"), `indicator` (for drop and double, else ""), `mean_abs_shift` (mean over cities of
        |rank - nominal rank|), `max_abs_shift`, `cities_moved` (cities whose rank changed) and `top_city`
        (the first-ranked city, several joined by ";" when tied).
    """
    columns = ["factor", "option", "indicator", "mean_abs_shift", "max_abs_shift", "cities_moved", "top_city"]
    names = list(indicators.columns)
    nominal_weights = resolve_weights(names, weights)
    if indicators.empty:
        return pd.DataFrame(columns=columns)
    nominal = rank_cities(composite_index(indicators, normalisation, nominal_weights.to_dict(), aggregation))
    changes: list[tuple[str, str, str, str, dict, str]] = []
    for other in NORMALISATIONS:
        if other != normalisation:
            changes.append(("normalisation", other, "", other, nominal_weights.to_dict(), aggregation))
    for other in AGGREGATIONS:
        if other != aggregation:
            changes.append(("aggregation", other, "", normalisation, nominal_weights.to_dict(), other))
    equal = resolve_weights(names)
    if not np.allclose(nominal_weights.to_numpy(), equal.to_numpy()):
        changes.append(("weights", "equal", "", normalisation, equal.to_dict(), aggregation))
    for name in names:
        if nominal_weights[name] <= 0:
            continue
        if (nominal_weights.drop(name) > 0).any():
            changes.append(("weights", "drop", name, normalisation, nominal_weights.to_dict() | {name: 0.0},
                            aggregation))  # fmt: skip
        doubled = nominal_weights.to_dict() | {name: 2 * nominal_weights[name]}
        changes.append(("weights", "double", name, normalisation, doubled, aggregation))
    rows = []
    for factor, option, indicator, norm, changed_weights, agg in changes:
        ranks = rank_cities(composite_index(indicators, norm, changed_weights, agg))
        shift = (ranks - nominal).abs()
        top = ";".join(ranks.index[ranks == 1])
        rows.append(
            (factor, option, indicator, float(shift.mean()), int(shift.max()), int((shift > 0).sum()), top)
        )
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values("mean_abs_shift", ascending=False, kind="stable").reset_index(drop=True)


# --- coherence: do the indicators measure one thing, and how much does each count? -----------------------


def correlations(indicators: pd.DataFrame) -> pd.DataFrame:
    """Pearson correlations between the indicators (NaN for a column that does not vary)."""
    return indicators.astype(float).corr(method="pearson")


def principal_components(indicators: pd.DataFrame) -> pd.DataFrame:
    """Principal components of the standardised indicators (eigenvalues of the correlation matrix).

    Returns:
        One row per component, largest first: `component` ("PC1", ...), `eigenvalue`, `share` (of the total,
        which is the number of indicators that vary), `cumulative`.
    """
    corr = correlations(indicators).dropna(how="all").dropna(axis=1, how="all")
    eigen = np.sort(np.linalg.eigvalsh(corr.to_numpy()))[::-1].clip(min=0.0)
    share = eigen / eigen.sum()
    return pd.DataFrame({"component": [f"PC{i + 1}" for i in range(len(eigen))], "eigenvalue": eigen,
                         "share": share, "cumulative": np.cumsum(share)})  # fmt: skip


def cronbach_alpha(indicators: pd.DataFrame) -> float:
    """Cronbach's alpha of the standardised indicators: k / (k - 1) * (1 - k / Var(sum of z-scores)).

    With z-scores each indicator has variance 1, so this is the classic formula on z-scores (population
    variances). NaN with fewer than two indicators that vary.
    """
    z = normalise(indicators.loc[:, indicators.nunique() > 1], "zscore")
    k = z.shape[1]
    if k < 2:
        return float("nan")
    total = float(z.sum(axis=1).var(ddof=0))
    return k / (k - 1) * (1 - k / total)


def indicator_influence(indicators: pd.DataFrame, scores: pd.Series, weights: pd.Series) -> pd.DataFrame:
    """Each indicator's nominal weight, Pearson correlation with the index and effective weight.

    The effective weight is the indicator's share of the squared correlations, r_i^2 / sum_j r_j^2 (Paruolo,
    Saisana and Saltelli 2013 use the correlation ratio; for a linear index the squared correlation is its
    linear version): an indicator whose nominal weight is one quarter may in fact drive more or less.

    Returns:
        Index `indicator`; columns `weight`, `correlation`, `effective_weight`.
    """
    r = indicators.astype(float).corrwith(scores.astype(float)).fillna(0.0)
    squared = r**2
    effective = squared / squared.sum() if squared.sum() > 0 else squared
    return pd.DataFrame({"weight": weights.reindex(indicators.columns).to_numpy(), "correlation": r.to_numpy(),
                         "effective_weight": effective.to_numpy()},
                        index=pd.Index(list(indicators.columns), name="indicator"))  # fmt: skip


# --- a non-compensatory alternative ---------------------------------------------------------------------


def copeland(indicators: pd.DataFrame, weights: Mapping[str, float] | None = None) -> pd.Series:
    """Copeland scores: for every pair of cities, the one ahead on indicators of more weight wins the pair.

    City a is ahead of b on an indicator when its value is strictly larger; a beats b when the weights of
    the indicators where a is ahead sum to more than those where b is ahead. The score is wins minus losses
    (equal support: neither). A large lead on one indicator buys no more than a small one: the method does
    not let strength on one indicator compensate for weakness on others (Munda and Nardo 2009).

    Returns:
        Series `score` indexed like `indicators` (int); rank it with rank_cities.
    """
    w = resolve_weights(list(indicators.columns), weights).to_numpy()
    values = indicators.to_numpy(dtype=float)
    ahead = (values[:, None, :] > values[None, :, :]).astype(float) @ w  # support[a, b] for a over b
    margin = np.round(ahead - ahead.T, SCORE_DECIMALS)
    score = (margin > 0).sum(axis=1) - (margin < 0).sum(axis=1)
    return pd.Series(score.astype(int), index=indicators.index, name="score")


# --- could the quantities themselves measure capacity? ---------------------------------------------------


def comparable_quantities(
    observations: pd.DataFrame, places: Sequence[str], min_places: int = 2
) -> pd.DataFrame:
    """The quantities a "reported capacity" indicator could compare: actual figures (FIGURE_MEASURES) of one
    sector, indicator and unit that the sources give for at least `min_places` of `places`.

    Returns:
        One row per sector, indicator and unit, most places first (then sector, indicator, unit):
        `sector`, `indicator`, `unit`, `measure`, `n_places`, `places` (";"-joined in `places` order),
        `n_district` (figures of a district, not of the whole city: not comparable with a city's) and `fact_id`
        (the first figure's chosen fact, whose label names the indicator).
    """
    columns = ["sector", "indicator", "unit", "measure", "n_places", "places", "n_district", "fact_id"]
    order = {p: i for i, p in enumerate(places)}
    wanted = observations[observations["kind"].eq("actual") & observations["measure"].isin(FIGURE_MEASURES)
                          & observations["place"].isin(order)]  # fmt: skip
    rows = []
    for (sector, indicator, unit), group in wanted.groupby(["sector", "indicator", "unit"], sort=True):
        named = sorted(set(group["place"]), key=order.get)
        if len(named) >= min_places:
            district = int((group["district_en"].fillna("") != "").sum())
            first = group.iloc[0]
            rows.append((sector, indicator, unit, first["measure"], len(named), ";".join(named), district,
                         first["fact_id"]))  # fmt: skip
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values("n_places", ascending=False, kind="stable").reset_index(drop=True)

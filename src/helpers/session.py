"""Start a notebook in one call: check its parameters, load the data, set the theme, open the output sink.

session = start_notebook("01_quantum", lang=lang, currency=currency, ...)
ds, L, sink = session.dataset, session.labels, session.sink
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from helpers.data import Dataset
from helpers.dataset_cache import load_dataset_cached
from helpers.i18n import Labels
from helpers.outputs import OutputSink
from helpers.params import validate_parameters
from helpers.plots import apply_theme
from helpers.selection import as_of_year
from helpers.tables import format_figure, format_money


@dataclass
class Session:
    """What a notebook needs after its parameters cell."""

    notebook: str
    settings: dict
    dataset: Dataset
    labels: Labels
    sink: OutputSink

    @property
    def as_of_year(self) -> int:
        """The year the evidence speaks from: the latest publication among the sources (helpers.selection)."""
        return as_of_year(self.dataset)

    @property
    def currency(self) -> str:
        return self.settings.get("currency", "CNY")

    @property
    def cny_per_usd(self) -> float:
        return float(
            self.settings.get("cny_per_usd", self.dataset.assumptions["exchange_rate"]["cny_per_usd"])
        )

    def money(self, value_cny: float) -> str:
        """A CNY amount in the notebook's currency and language ("CNY 6 bn", "60 億元")."""
        return format_money(value_cny, self.labels, self.currency, self.cny_per_usd)

    def fact(self, fact_id: str) -> pd.Series:
        """One row of data/facts.csv."""
        rows = self.dataset.facts[self.dataset.facts["fact_id"] == fact_id]
        if rows.empty:
            raise KeyError(f"no fact {fact_id!r} in data/facts.csv")
        return rows.iloc[0]

    def figure_text(self, fact_id: str) -> str:
        """A fact's figure written with its bound, for prose (">2,000", "CNY 6 bn")."""
        fact = self.fact(fact_id)
        return format_figure(
            fact["value"], fact["bound"], fact["unit"], self.labels, self.currency, self.cny_per_usd
        )

    def assumptions_table(self) -> pd.DataFrame:
        """The stated assumptions in use: exchange rate and the chosen scenario."""
        fx = self.dataset.assumptions["exchange_rate"]
        rows = [("cny_per_usd", self.cny_per_usd, fx["basis"] if self.cny_per_usd == fx["cny_per_usd"] else
                 "set by the notebook's parameter")]  # fmt: skip
        scenario = self.settings.get("scenario")
        if scenario:
            spec = self.dataset.assumptions["scenarios"][scenario]
            rows.append((f"scenario={scenario}", spec["growth_multiplier"], spec["assumption"]))
        return pd.DataFrame(rows, columns=["assumption", "value", "basis"])


def start_notebook(
    notebook: str, *, dataset: Dataset | None = None, svg: bool | None = None, **parameters: object
) -> Session:
    """Validate `parameters` (unknown names are errors), load and check the data, apply the theme.

    `dataset` replaces the package's data (tests pass a fixture dataset); notebooks never pass it. The data are
    validated here, or, under the report runner, read from the build's validated copy (helpers.dataset_cache).
    `svg`: also write each figure as SVG (None: as $FUTURE_INDUSTRIES_SVG says; the runner's --svg sets it).

    Raises:
        ParameterError: a parameter is unknown, of the wrong type or outside its allowed values.
        DataValidationError: the data tables are not valid.
    """
    settings = validate_parameters(parameters, notebook=notebook)
    dataset = load_dataset_cached() if dataset is None else dataset
    lang = str(settings.get("lang", "en"))
    labels = Labels(lang, dataset)
    apply_theme(lang)
    sink = OutputSink(notebook, settings.get("output_dir") or "", dataset, labels, svg=svg)
    return Session(notebook, settings, dataset, labels, sink)

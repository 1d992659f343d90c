"""Start a notebook in one call: check its parameters, load the data, set the theme, open the output sink.

session = start_notebook("01_quantum", lang=lang, currency=currency, ...)
ds, L, sink = session.dataset, session.labels, session.sink
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pandas as pd

from helpers.data import Dataset
from helpers.dataset_cache import DATASET_CACHE_ENV_VAR, load_dataset_cached
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

    def assumptions_table(self, scenario: bool = True) -> pd.DataFrame:
        """The stated assumptions in use: exchange rate and (unless `scenario` is False) the chosen scenario, in
        the label language (the English basis is data/assumptions.yml's own text; Chinese runs show its
        translation in the labels)."""
        L = self.labels
        fx = self.dataset.assumptions["exchange_rate"]
        basis = (L("cl_assumption_fx_basis", basis=fx["basis"], year=fx["year"])
                 if self.cny_per_usd == fx["cny_per_usd"] else L("cl_assumption_fx_parameter"))  # fmt: skip
        rows = [(L("cl_assumption_fx"), self.cny_per_usd, basis)]
        scenario = self.settings.get("scenario") if scenario else None
        if scenario:
            spec = self.dataset.assumptions["scenarios"][scenario]
            name = L("cl_assumption_scenario", scenario=scenario, label=L.scenario(scenario))
            rows.append((name, spec["growth_multiplier"], L(f"cl_assumption_scenario_basis_{scenario}",
                                                           basis=spec["assumption"])))  # fmt: skip
        columns = [L(f"cl_assumption_col_{c}") for c in ("assumption", "value", "basis")]
        return pd.DataFrame(rows, columns=columns)

    def plan_wording(self, sector_id: str) -> str:
        """The plan's own term for a sector (data/sectors.csv name_zh_plan), as a line in the label language."""
        sectors = self.dataset.sectors.set_index("sector_id")
        return self.labels("cl_session_plan_wording", term=sectors.loc[sector_id, "name_zh_plan"])

    def sources_wording(self, sector_id: str) -> str:
        """The terms the sources use for a sector (data/sectors.csv article_terms), as a line."""
        terms = str(self.dataset.sectors.set_index("sector_id").loc[sector_id, "article_terms"])
        # the data's mark of a garbled term, in the label language
        terms = terms.replace(" (garbled)", self.labels("cl_garbled_mark"))
        return self.labels("cl_session_sources_wording", terms=terms.replace(";", ", "))

    def run_line(self) -> str:
        """Label language, currency and the cities shown (their names in the label language)."""
        cities = self.settings.get("cities") or []
        shown = ", ".join(self.labels.city(c) for c in cities) or self.labels("cl_session_all_cities")
        return self.labels("cl_session_run", lang=self.labels.lang, currency=self.currency, cities=shown)

    def as_of_line(self) -> str:
        """The year the evidence speaks from, as a line."""
        return self.labels("cl_session_as_of", year=self.as_of_year)

    def figures_sources_line(self, shown: pd.DataFrame) -> str:
        """How many observations `shown` holds and what sources state them (kinds and lineage), as a line."""
        from helpers.analysis.synthesis import sources_sentence

        used = sorted({s for text in shown["stated_by"] for s in str(text).split(";")})
        sentence = sources_sentence(self.dataset, used, self.labels)
        return self.labels("cl_session_figures_sources", n=len(shown), sentence=sentence.rstrip("."))

    def six_sectors_lines(self) -> list[str]:
        """The six sectors in the plan's own words (and in Traditional script), one line each after a title."""
        lines = [self.labels("cl_session_six_sectors")]
        for sector in self.dataset.sectors.sort_values("order").itertuples():
            lines.append(self.labels("cl_session_sector_line", order=sector.order, name=sector.name_en,
                                     plan=sector.name_zh_plan, traditional=sector.name_zh))  # fmt: skip
        return lines


def warm_up() -> None:
    """Do once, before the report runner's fork server forks its kernels, what each kernel's first cells would
    otherwise repeat: load the build's validated dataset (kept in memory: `load_dataset_cached(remember=True)`),
    the message catalogue and the Chinese converters, and the fonts and text caches of the theme (one small
    figure drawn with Latin and Chinese text). The kernels inherit all of it. Nothing here writes an output."""
    from helpers import i18n
    from helpers.plots import warm_fonts

    if not os.environ.get(
        DATASET_CACHE_ENV_VAR
    ):  # only under the runner, which names the build's dataset file
        return
    # What needs no data first: the dataset may still be validated by the server's early child meanwhile
    i18n.load_glossary()
    i18n.to_simplified("")
    i18n.to_traditional("")
    warm_fonts()
    dataset = load_dataset_cached(remember=True)
    Labels("en", dataset)


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
    if lang != "en":  # pandas writes "N rows × M columns" under a long table in English
        pd.set_option("display.show_dimensions", False)
    sink = OutputSink(notebook, settings.get("output_dir") or "", dataset, labels, svg=svg)
    return Session(notebook, settings, dataset, labels, sink)

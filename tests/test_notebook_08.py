"""Notebook 08 (city profile): its structure, and headless runs with non-default parameters (papermill).

The slow runs profile a city the sources name in all six races (Beijing, in Traditional Chinese and US dollars, to
2035 under the high scenario), a city they barely mention (Jinan: named once, no figure, no region cluster), and
the national level (`city = "china"`). Every run must succeed without missing-glyph warnings. Minimum outputs:
three figures and two tables for any place with a figure or a region cluster; two figures (coverage and index
position) for a city with neither, such as Jinan; the national profile has coverage, timeline and projection.
"""

from pathlib import Path

import nbformat
import pandas as pd
import pytest

from helpers.data import load_dataset
from helpers.params import ParameterError
from helpers.paths import NOTEBOOKS_DIR
from helpers.session import start_notebook

NOTEBOOK = NOTEBOOKS_DIR / "08_city_profile.ipynb"
PARAMETERS = (
    "lang",
    "currency",
    "cny_per_usd",
    "horizon_year",
    "scenario",
    "city",
    "seed",
    "n_draws",
    "output_dir",
)


def _cells():
    return nbformat.read(NOTEBOOK, as_version=4).cells


def test_starts_with_imports_then_the_parameters_cell():
    code = [c for c in _cells() if c.cell_type == "code"]
    assert "from helpers" in code[0].source
    assert code[1].metadata.get("tags") == ["parameters"]
    lines = code[1].source.splitlines()
    assert [line.split(" = ")[0] for line in lines] == list(PARAMETERS)
    for line in lines:  # papermill's inspect_notebook reads a line with one '=' only
        assert "  # " in line and "=" not in line.split("  # ", 1)[1], line
    assert 'start_notebook(\n    "08_city_profile"' in code[2].source


def test_papermill_reads_every_parameter_and_its_default():
    import papermill

    found = papermill.inspect_notebook(str(NOTEBOOK))
    assert list(found) == list(PARAMETERS)
    assert found["city"]["default"] == '"hefei"' and found["seed"]["default"] == "20251027"


def test_an_unknown_place_is_a_parameter_error(tmp_path):
    with pytest.raises(ParameterError, match="atlantis"):
        start_notebook("08_city_profile", city="atlantis", output_dir=str(tmp_path))


def _run(run_notebook, label: str, min_figures: int = 3, **parameters) -> tuple[Path, dict]:
    executed = run_notebook(NOTEBOOK.name, label=label, **parameters)
    assert not executed.font_warnings(), f"missing-glyph warnings: {executed.font_warnings()}"
    registry = executed.registry
    assert len(registry["figures"]) >= min_figures and len(registry["tables"]) >= 2
    for entry in registry["figures"] + registry["tables"]:
        assert entry["fact_ids"] or entry.get("roles"), entry["name"]
    assert not executed.missing_files(), executed.missing_files()
    return executed.out_dir, registry


def _names(registry: dict, section: str) -> set[str]:
    return {entry["name"] for entry in registry[section]}


@pytest.mark.slow
def test_profiles_beijing_in_traditional_chinese_in_usd_to_2035_high(run_notebook):
    parameters = dict(lang="zh-Hant", currency="USD", horizon_year=2035, scenario="high", city="beijing")
    out, registry = _run(run_notebook, "beijing", **parameters)
    assert registry["lang"] == "zh-Hant"
    expected = {"cp_coverage", "cp_figures_timeline", "cp_peers", "cp_index_position"}
    assert expected <= _names(registry, "figures")
    figures = pd.read_csv(out / "tables" / "cp_figures.csv")
    # one row per observation about Beijing, each figure once whatever the number of sources stating it
    observations = load_dataset().observations
    assert len(figures) == (observations["place"] == "beijing").sum()
    assert figures.iloc[:, -1].is_unique
    assert any("美元" in str(v) for v in figures["數值"])  # money in USD
    index = pd.read_csv(out / "tables" / "cp_index.csv")
    assert index.loc[index["本概況城市"] == "本概況", "城市"].tolist() == ["北京"]


@pytest.mark.slow
def test_profiles_a_barely_mentioned_city_in_simplified_chinese(run_notebook):
    # Jinan: named once (¶8), no figure, region "other": a short profile with coverage and index position only
    out, registry = _run(run_notebook, "jinan", min_figures=2, lang="zh-Hans", city="jinan")
    assert _names(registry, "figures") == {"cp_coverage", "cp_index_position"}
    assert {"cp_placements", "cp_landscape", "cp_index", "cp_gaps"} == _names(registry, "tables")
    placements = pd.read_csv(out / "tables" / "cp_placements.csv")
    assert (placements["角色"] == "未被提及").sum() == 5


@pytest.mark.slow
def test_profiles_the_national_level(run_notebook):
    out, registry = _run(run_notebook, "china", lang="en", currency="USD", horizon_year=2035, city="china")
    assert _names(registry, "figures") == {"cp_coverage", "cp_figures_timeline", "cp_projection"}
    assert "cp_index" not in _names(registry, "tables") and "cp_peers" not in _names(registry, "tables")
    targets = pd.read_csv(out / "tables" / "cp_targets.csv")
    # a target with a baseline gets its required growth (worked by hand on the article fixture in
    # test_analysis_city_profile.py); the others say why not
    assert (targets["Required annual growth"] != "—").any()

"""Notebook 07 (synthesis): its structure, and headless runs with non-default parameters (papermill).

The slow runs check that the notebook runs in Chinese, in USD, with a cities subset and with changed index
settings; that the same seed gives byte-identical rank intervals; and that changed settings change them.
"""

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from helpers.analysis import synthesis as syn
from helpers.data import load_dataset
from helpers.i18n import Labels
from helpers.index import city_indicators, composite_index, prepare_inputs, rank_cities, summarise_ranks
from helpers.paths import NOTEBOOKS_DIR
from helpers.robustness import UncertaintyModel

NOTEBOOK = NOTEBOOKS_DIR / "07_synthesis.ipynb"


def _cells():
    return nbformat.read(NOTEBOOK, as_version=4).cells


def test_starts_with_imports_then_the_parameters_cell():
    code = [c for c in _cells() if c.cell_type == "code"]
    assert "from helpers" in code[0].source
    assert code[1].metadata.get("tags") == ["parameters"]
    for name in ("lang", "currency", "cny_per_usd", "horizon_year", "scenario", "cities", "normalisation",
                 "aggregation", "weights", "seed", "n_draws", "output_dir"):  # fmt: skip
        assert any(
            line.startswith(f"{name} = ") and "  # " in line for line in code[1].source.splitlines()
        ), name
    assert 'start_notebook(\n    "07_synthesis"' in code[2].source


def _run(run_notebook, label: str, **parameters) -> Path:
    executed = run_notebook(NOTEBOOK.name, label=label, **parameters)
    assert not executed.font_warnings(), f"missing-glyph warnings: {executed.font_warnings()}"
    registry = executed.registry
    assert len(registry["figures"]) >= 3 and len(registry["tables"]) >= 2
    assert not executed.missing_files(), executed.missing_files()
    return executed.out_dir


@pytest.mark.slow
def test_runs_in_traditional_chinese_in_usd_to_2035_high(run_notebook):
    out = _run(run_notebook, "zh_hant", lang="zh-Hant", currency="USD", horizon_year=2035, scenario="high")
    registry = json.loads((out / "outputs.json").read_text(encoding="utf-8"))
    assert registry["lang"] == "zh-Hant"
    tracker = pd.read_csv(out / "tables" / "syn_target_tracker.csv")
    assert "狀態" in tracker.columns
    assert any("美元" in str(v) for v in tracker["目標"])  # money targets in USD


@pytest.mark.slow
def test_runs_in_simplified_chinese_for_two_cities(run_notebook):
    out = _run(run_notebook, "zh_hans", lang="zh-Hans", cities=["hefei", "guangzhou"])
    matrix = pd.read_csv(out / "tables" / "syn_city_sector_matrix.csv")
    assert set(matrix["城市"]) == {"合肥", "广州"}
    intervals = pd.read_csv(out / "tables" / "syn_rank_intervals.csv")
    assert len(intervals) == 2


@pytest.mark.slow
def test_changed_index_settings_change_the_intervals_and_a_seed_repeats_them(run_notebook):
    settings = {"weights": {"leader_roles": 2}, "normalisation": "rank", "seed": 7, "n_draws": 500}
    first = _run(run_notebook, "changed_a", **settings)
    second = _run(run_notebook, "changed_b", **settings)
    table = (first / "tables" / "syn_rank_intervals.csv").read_bytes()
    assert table == (second / "tables" / "syn_rank_intervals.csv").read_bytes()  # same seed: same bytes

    # the notebook's table is what the helpers give for the same settings ...
    dataset = load_dataset()
    labels = Labels("en", dataset)
    indicators = city_indicators(dataset)
    ranks = rank_cities(composite_index(indicators, "rank", {"leader_roles": 2}))
    model = UncertaintyModel.of(prepare_inputs(dataset), {"leader_roles": 2})
    expected = syn.intervals_table(summarise_ranks(model.monte_carlo(500, 7).ranks), ranks, labels)
    pd.testing.assert_frame_equal(pd.read_csv(first / "tables" / "syn_rank_intervals.csv"), expected)
    # ... and differs from the default settings' table
    default_ranks = rank_cities(composite_index(indicators))
    default_draws = UncertaintyModel.of(prepare_inputs(dataset)).monte_carlo(1000, 20251027)
    default = syn.intervals_table(summarise_ranks(default_draws.ranks), default_ranks, labels)
    assert not pd.read_csv(first / "tables" / "syn_rank_intervals.csv").equals(default)


@pytest.mark.slow
def test_a_fixed_normalisation_moves_the_intervals(run_notebook):
    """With vary_normalisation=False the Monte Carlo keeps the chosen normalisation, so choosing "rank" gives
    other intervals than drawing all three (same seed and draws)."""
    out = _run(run_notebook, "fixed_rank", normalisation="rank", vary_normalisation=False, n_draws=500)
    table = pd.read_csv(out / "tables" / "syn_rank_intervals.csv")
    dataset = load_dataset()
    labels = Labels("en", dataset)
    inputs = prepare_inputs(dataset)
    ranks = rank_cities(composite_index(city_indicators(dataset), "rank"))
    fixed = summarise_ranks(UncertaintyModel.of(inputs, None, ("rank",)).monte_carlo(500, 20251027).ranks)
    pd.testing.assert_frame_equal(table, syn.intervals_table(fixed, ranks, labels))
    drawn = syn.intervals_table(summarise_ranks(UncertaintyModel.of(inputs).monte_carlo(500, 20251027).ranks),
                                ranks, labels)  # fmt: skip
    assert not table.equals(drawn)

"""A source that is not in the repository, added as data only, reaches its sector notebook's figures and tables,
the synthesis and the city profile, with no code change.

The test copies data/ to a temporary folder, adds one invented report (source `test-added-source`, an
independent origin) with three figures for Shanghai's quantum industry, points the notebooks at the copy with
FUTURE_INDUSTRIES_DATA and runs notebooks 01, 07 and 08 (Shanghai) through papermill. Worked out by hand:

- 01: the counts figure and the landscape table cite the new firm and patent counts; Shanghai's patents per firm
  is 900 / 120 = 7.5, a lower bound (超 900 over an exact 120), so the ratios table has a Shanghai row ">7.50";
  the money-target table cites the new 千亿级 target (10^11 yuan, a lower bound).
- 07 and 08: the synthesis cites at least one of the new figures; Shanghai's profile cites all three.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from conftest import append_rows

from helpers.paths import DATA_DIR, DATA_ENV_VAR

SOURCE_ID = "test-added-source"
NEW_FACTS = {
    "test_quantum_shanghai_firms": ("quantum_firms", "Quantum firms", "量子企业", "count", "actual", 120, "=", "count", "120 家"),
    "test_quantum_shanghai_patents": ("quantum_patents", "Quantum-related patents", "相关专利", "count", "actual", 900, ">=", "count", "超 900 件"),
    "test_quantum_shanghai_cluster_2030": ("quantum_cluster_scale", "Quantum industry cluster scale", "量子产业集群", "industry_scale", "target", 1e11, ">=", "CNY", "千亿级"),
}  # fmt: skip


@pytest.fixture(scope="module")
def grown_data(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("data") / "data"
    shutil.copytree(DATA_DIR, folder)
    append_rows(folder / "sources.csv", [{
        "source_id": SOURCE_ID, "kind": "report", "title": "An invented report for a test",
        "publisher": "Test publisher", "published": "2026-06-01", "language": "zh-Hans",
        "url": "https://example.org/test-added-source", "retrieved": "2026-06-02",
        "note": "Invented for tests/test_follow_the_data.py; never in data/",
    }])  # fmt: skip
    rows = []
    for fact_id, (
        indicator,
        label_en,
        label_zh,
        measure,
        kind,
        value,
        bound,
        unit,
        text,
    ) in NEW_FACTS.items():
        year, note = (2030, "explicit: 到2030年") if kind == "target" else (2026, "implied: no year printed; taken as at the page's date (2026-06-01)")  # fmt: skip
        rows.append({
            "fact_id": fact_id, "sector": "quantum", "place": "shanghai", "indicator": indicator,
            "label_en": label_en, "label_zh": label_zh, "measure": measure, "kind": kind, "year": year,
            "year_note": note, "value": value, "bound": bound, "unit": unit,
            "is_unit_implied": "true" if unit == "CNY" else "false", "quantity_text": text,
            "source_id": SOURCE_ID, "locator": 3,
        })  # fmt: skip
    append_rows(folder / "facts.csv", rows)
    return folder


@pytest.fixture(scope="module")
def grown_runs(grown_data, tmp_path_factory):
    """Run 01, 07 and 08 on the grown data; the registries (outputs.json) by notebook."""
    import json

    import papermill

    from helpers.paths import NOTEBOOKS_DIR

    out = tmp_path_factory.mktemp("runs")
    mp = pytest.MonkeyPatch()
    mp.setenv(DATA_ENV_VAR, str(grown_data))
    registries = {}
    try:
        for name, parameters in (
            ("01_quantum", {}),
            ("07_synthesis", {}),
            ("08_city_profile", {"city": "shanghai"}),
        ):
            papermill.execute_notebook(
                str(NOTEBOOKS_DIR / f"{name}.ipynb"), str(out / f"{name}.ipynb"),
                parameters=dict(parameters, output_dir=str(out / name)), kernel_name="python3", progress_bar=False,
            )  # fmt: skip
            registries[name] = json.loads((out / name / "outputs.json").read_text(encoding="utf-8"))
    finally:
        mp.undo()
    return out, registries


def _cited(registry: dict, section: str, name: str | None = None) -> set[str]:
    return {
        f for entry in registry[section] if name is None or entry["name"] == name for f in entry["fact_ids"]
    }


def test_the_grown_data_is_valid(grown_data) -> None:
    from helpers.data import load_dataset

    dataset = load_dataset(grown_data)
    assert set(NEW_FACTS) <= set(
        dataset.observations["fact_id"]
    )  # an independent origin: its own observations


@pytest.mark.slow
def test_the_new_source_reaches_its_sector_notebook(grown_runs) -> None:
    out, registries = grown_runs
    quantum = registries["01_quantum"]
    assert {"test_quantum_shanghai_firms", "test_quantum_shanghai_patents"} <= _cited(
        quantum, "figures", "q_counts"
    )
    assert set(NEW_FACTS) <= _cited(quantum, "tables", "q_landscape")
    assert "test_quantum_shanghai_cluster_2030" in _cited(quantum, "tables", "q_targets")
    with open(out / "01_quantum" / "tables" / "q_ratios.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    shanghai = [r for r in rows if r["City"].startswith("Shanghai") and r["Ratio"] == "Patents per firm"]
    assert [r["Value"] for r in shanghai] == [">7.50"]


@pytest.mark.slow
def test_the_new_source_reaches_the_synthesis_and_the_city_profile(grown_runs) -> None:
    _, registries = grown_runs
    synthesis = _cited(registries["07_synthesis"], "figures") | _cited(registries["07_synthesis"], "tables")
    assert synthesis & set(NEW_FACTS)
    profile = _cited(registries["08_city_profile"], "figures") | _cited(
        registries["08_city_profile"], "tables"
    )
    assert set(NEW_FACTS) <= profile

"""Sector notebooks 01 to 04 run headlessly through papermill with non-default parameters, and every notebook
runs in English with a city subset (the other test files run 05 to 08 in both Chinese scripts).

Each run (the run_notebook fixture of conftest.py) must succeed, register at least three figures and two
tables, and print no missing-glyph or font warning (FONT_WARNINGS). The committed outputs at default
parameters are checked separately by nbval (make test-notebooks).
"""

from __future__ import annotations

import pytest

RUNS = [
    pytest.param(
        "01_quantum.ipynb",
        dict(lang="zh-Hant", currency="USD", horizon_year=2035, scenario="high"),
        id="01-zh-Hant-USD-2035-high",
    ),
    pytest.param(
        "01_quantum.ipynb", dict(lang="zh-Hans", cities=["beijing", "shenzhen"]), id="01-zh-Hans-subset"
    ),
    pytest.param(
        "02_biomanufacturing.ipynb",
        dict(lang="zh-Hant", currency="USD", horizon_year=2035, scenario="high"),
        id="02-zh-Hant-USD-2035-high",
    ),
    pytest.param(
        "02_biomanufacturing.ipynb",
        dict(lang="zh-Hans", cities=["shanghai", "tianjin"]),
        id="02-zh-Hans-subset",
    ),
    pytest.param(
        "03_hydrogen_fusion.ipynb",
        dict(lang="zh-Hant", currency="USD", horizon_year=2035, scenario="high"),
        id="03-zh-Hant-USD-2035-high",
    ),
    pytest.param(
        "03_hydrogen_fusion.ipynb",
        dict(lang="zh-Hans", cities=["beijing", "guangzhou"]),
        id="03-zh-Hans-subset",
    ),
    pytest.param(
        "04_bci.ipynb",
        dict(lang="zh-Hant", currency="USD", horizon_year=2035, scenario="high"),
        id="04-zh-Hant-USD-2035-high",
    ),
    pytest.param("04_bci.ipynb", dict(lang="zh-Hans", cities=["beijing", "chengdu"]), id="04-zh-Hans-subset"),
    *[
        pytest.param(
            f"{name}.ipynb",
            dict(lang="en", cities=["shanghai", "shenzhen", "hefei"]),
            id=f"{name[:2]}-en-subset",
        )
        for name in (
            "01_quantum",
            "02_biomanufacturing",
            "03_hydrogen_fusion",
            "04_bci",
            "05_embodied_ai",
            "06_6g",
        )
    ],
]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "parameters"), RUNS)
def test_notebook_runs_with_parameters(name: str, parameters: dict, run_notebook) -> None:
    executed = run_notebook(name, **parameters)
    registry, out_dir = executed.registry, executed.out_dir
    assert registry["lang"] == parameters["lang"]
    assert len(registry["figures"]) >= 3, registry["figures"]
    assert len(registry["tables"]) >= 2, registry["tables"]
    for entry in registry["figures"]:
        assert (out_dir / entry["files"]["png"]).is_file() and "svg" not in entry["files"]  # only when asked
        assert entry["caption"] and (entry["fact_ids"] or entry.get("roles"))  # a figure of roles cites roles
    for entry in registry["tables"]:
        assert (out_dir / entry["files"]["csv"]).is_file()
    assert not executed.font_warnings(), executed.font_warnings()

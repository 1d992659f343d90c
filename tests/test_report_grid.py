"""Parameter grids of the report runner, on the tiny fixture notebooks: one job, output name, cache entry and
section per parameter set, an index table on the page, and every grid value checked before any kernel starts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_report import make_workspace, run_build

from helpers.params import ParameterError
from helpers.report.build import expand_grid, job_name
from helpers.report.parameters import ParamsFileError, parse_grid_setting, read_params_file


def write_grid_file(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_params_file_lists_notebooks_and_a_grid(tmp_path) -> None:
    path = write_grid_file(
        tmp_path / "grid.yml", "notebooks: [08_city_profile]\ngrid: {city: all, lang: [en, zh-Hant]}\n"
    )
    params = read_params_file(path)
    assert params.select == ("08_city_profile",) and params.notebooks == {}
    assert params.grid == {"city": "all", "lang": ["en", "zh-Hant"]}
    bad = write_grid_file(tmp_path / "bad.yml", "grid: {lang: []}\n")
    with pytest.raises(ParamsFileError, match="grid 'lang'"):
        read_params_file(bad)


def test_grid_settings_and_all(tmp_path) -> None:
    assert parse_grid_setting("lang=en,zh-Hant") == ("lang", ["en", "zh-Hant"])
    assert parse_grid_setting("horizon_year=2030,2035", 2030) == ("horizon_year", [2030, 2035])
    assert parse_grid_setting("city=all") == ("city", "all")
    with pytest.raises(ParameterError):
        parse_grid_setting("lang")
    (tmp_path / "cities.csv").write_text("place_id,name_en\nchina,China\nhefei,Hefei\n", encoding="utf-8")
    grid = expand_grid(None, ["city=all", "lang=all"], [], tmp_path)
    assert grid["city"] == ["china", "hefei"] and grid["lang"] == ["en", "zh-Hant", "zh-Hans"]
    assert (
        job_name("08_city_profile", {"city": "hefei", "lang": "zh-Hant"})
        == "08_city_profile--city-hefei--lang-zh-Hant"
    )


def test_grid_builds_one_named_output_per_parameter_set_with_an_index(tmp_path) -> None:
    folders = make_workspace(tmp_path)
    params = write_grid_file(tmp_path / "grid.yml", "notebooks: [01_quantum, 04]\n"
                             "grid: {lang: [en, zh-Hant], currency: [CNY, USD]}\n")  # fmt: skip
    outcome = run_build(folders, params_file=params, jobs=2)
    assert outcome.code == 0, outcome.err
    run = folders.reports / "grid"
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    names = [n["name"] for n in manifest["notebooks"]]
    assert names == [f"{nb}--lang-{lang}--currency-{cur}" for nb in ("01_quantum", "04_bci")
                     for lang in ("en", "zh-Hant") for cur in ("CNY", "USD")]  # fmt: skip
    assert manifest["grid"] == {"lang": ["en", "zh-Hant"], "currency": ["CNY", "USD"]}
    for entry in manifest["notebooks"]:
        assert entry["notebook"] in ("01_quantum", "04_bci")
        assert manifest["parameters"][entry["name"]]["lang"] == entry["grid"]["lang"]
        assert all((run / t["csv"]).is_file() for t in entry["tables"])
    usd = (run / "tables" / "01_quantum--lang-en--currency-USD" / "firms.csv").read_text(encoding="utf-8")
    cny = (run / "tables" / "01_quantum--lang-en--currency-CNY" / "firms.csv").read_text(encoding="utf-8")
    assert "spend_usd" in usd and "spend_cny" in cny
    html = (run / "index.html").read_text(encoding="utf-8")
    assert 'id="grid-01_quantum"' in html and 'id="grid-04_bci"' in html
    for name in names:
        assert f'id="nb-{name}"' in html and f'href="#nb-{name}"' in html
    # the cache works per parameter set: a wider grid executes only the new sets
    wider = write_grid_file(tmp_path / "grid.yml", "notebooks: [01_quantum, 04]\n"
                            "grid: {lang: [en, zh-Hant, zh-Hans], currency: [CNY, USD]}\n")  # fmt: skip
    again = run_build(folders, params_file=wider, jobs=2)
    assert again.code == 0, again.err
    assert "4 executed, 8 cached" in again.out
    assert (folders.cache / "01_quantum--lang-zh-Hans--currency-USD").is_dir()


def test_cli_grid_names_the_run_and_bad_values_stop_before_any_kernel(tmp_path) -> None:
    folders = make_workspace(tmp_path)
    outcome = run_build(folders, "01", grid=["lang=en,zh-Hans"])
    assert outcome.code == 0, outcome.err
    assert (folders.reports / "default+01+grid.lang-en-zh-Hans" / "index.html").is_file()
    bad = run_build(folders, "01", grid=["lang=en,fr"], run="bad")
    assert bad.code == 2 and "grid parameter 'lang'" in bad.err and "'fr'" in bad.err
    assert not list(folders.cache.glob("01_quantum--lang-fr*"))
    assert not (folders.reports / "bad").exists()
    unknown = run_build(folders, "01", grid=["city=hefei"], run="bad")
    assert unknown.code == 2 and "no selected notebook declares it" in unknown.err

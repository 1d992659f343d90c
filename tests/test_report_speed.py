"""The runner's speed options: --svg (a part of every cache key) and the environment kernels inherit."""

from __future__ import annotations

import os
from pathlib import Path

from test_report import make_workspace

from helpers.report import cache as cache_mod
from helpers.report.__main__ import make_parser
from helpers.report.build import BuildOptions, environment, kernel_environment, plan_build
from helpers.report.config import DATASET_CACHE_ENV_VAR, SVG_ENV_VAR


def test_svg_is_asked_on_the_command_line_and_changes_every_key(tmp_path: Path) -> None:
    assert make_parser().parse_args(["build", "--svg"]).svg is True
    assert make_parser().parse_args(["build"]).svg is False
    folders = make_workspace(tmp_path)
    plain = plan_build(BuildOptions(), folders)
    with_svg = plan_build(BuildOptions(svg=True), folders)
    assert [p.parts.get("svg") for p in with_svg.notebooks] == ["yes", "yes", "yes"]
    assert all("svg" not in p.parts for p in plain.notebooks)
    assert {p.key for p in plain.notebooks}.isdisjoint(p.key for p in with_svg.notebooks)
    why = cache_mod.describe_change(plain.notebooks[0].parts, with_svg.notebooks[0].parts, None)
    assert why == "changed: svg"


def test_kernels_inherit_svg_and_the_dataset_folder_only_while_they_run(tmp_path: Path, monkeypatch) -> None:
    folders = make_workspace(tmp_path)
    monkeypatch.setenv(SVG_ENV_VAR, "1")  # a shell's setting must not leak into a build without --svg
    monkeypatch.delenv(DATASET_CACHE_ENV_VAR, raising=False)
    values = kernel_environment(BuildOptions(), folders)
    assert values == {SVG_ENV_VAR: "0", DATASET_CACHE_ENV_VAR: str(folders.reports / ".cache" / "datasets")}
    assert kernel_environment(BuildOptions(svg=True), folders)[SVG_ENV_VAR] == "1"
    with environment(values):
        assert {name: os.environ[name] for name in values} == values
    assert os.environ[SVG_ENV_VAR] == "1" and DATASET_CACHE_ENV_VAR not in os.environ

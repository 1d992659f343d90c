"""Slow integration test: build the real notebooks into a temporary reports folder with `python -m
helpers.report`, rebuild without changes, force a rebuild and compare bytes.

Skipped, with the reason, while any of the seven notebooks is missing (later ones, such as a city profile, are
built too). The browser test opens the same page.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.paths import NOTEBOOKS_DIR

pytestmark = pytest.mark.slow
EXPECTED = ("01_quantum", "02_biomanufacturing", "03_hydrogen_fusion", "04_bci", "05_embodied_ai", "06_6g",
            "07_synthesis")  # fmt: skip


def skip_unless_all_notebooks() -> None:
    present = {p.stem for p in NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb")}
    missing = [name for name in EXPECTED if name not in present]
    if missing:
        pytest.skip(f"{len(EXPECTED) - len(missing)} of the 7 notebooks exist; missing: {', '.join(missing)}")


def run_report(reports: Path, *args: str) -> subprocess.CompletedProcess:
    """`python -m helpers.report build` over the real notebooks, writing under `reports`."""
    command = [
        sys.executable,
        "-m",
        "helpers.report",
        "build",
        "--reports-dir",
        str(reports),
        "--no-progress",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=3600)


def build_real_report(base: Path) -> Path:
    """Build the default run of the real notebooks under `base`/reports once per test session; return its
    reports folder (the browser test calls this too)."""
    skip_unless_all_notebooks()
    reports = base / "real-reports"
    if not (reports / "default" / "manifest.json").is_file():
        result = run_report(reports)
        assert result.returncode == 0, result.stdout + result.stderr
    return reports


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_real_notebooks_build_a_complete_report_that_rebuilds_from_cache(tmp_path_factory) -> None:
    reports = build_real_report(tmp_path_factory.getbasetemp())
    run = reports / "default"
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    html = (run / "index.html").read_text(encoding="utf-8")
    names = [n["name"] for n in manifest["notebooks"]]
    assert set(EXPECTED) <= set(names) and names == sorted(names)
    figures = [f for n in manifest["notebooks"] for f in n["figures"]]
    tables = [t for n in manifest["notebooks"] for t in n["tables"]]
    assert figures and tables
    for notebook in manifest["notebooks"]:
        assert notebook["status"] == "ok"
        assert (run / notebook["ipynb"]).is_file() and (run / notebook["html"]).is_file()
    for figure in figures:
        png = (run / figure["png"]).read_bytes()
        assert png.startswith(b"\x89PNG") and b"tIME" not in png  # no timestamp chunk
        assert figure["svg"] is None  # SVG only with --svg (tests/test_outputs.py checks it)
        assert figure["fact_ids"] or figure["roles"] or figure["sources"]  # sources: rankings, document lists
        assert all(f'id="fact-{fact}"' in html for fact in figure["fact_ids"])
        assert all(f'id="role-{role["sector"]}-{role["place"]}"' in html for role in figure["roles"])
        assert f'src="{figure["png"]}"' in html
    for table in tables:
        assert (run / table["csv"]).is_file() and f'href="{table["csv"]}"' in html
    # a second build executes nothing and takes well under a second of runner time
    again = run_report(reports)
    assert again.returncode == 0, again.stderr
    assert "is up to date" in again.stdout and f"0 executed, {len(names)} cached" in again.stdout
    seconds = float(re.search(r"cached, ([0-9.]+) s\)", again.stdout).group(1))
    assert seconds < 1.0
    # same inputs, same bytes: CSV, PNG, SVG, the page, and the manifest apart from its timing
    before = snapshot(run)
    forced = run_report(reports, "--force")
    assert forced.returncode == 0, forced.stderr
    after = snapshot(run)
    compared = [name for name in before if name.endswith((".csv", ".png", ".svg")) or name == "index.html"]
    different = [name for name in compared if before[name] != after.get(name)]
    assert different == []
    manifests = [json.loads(m) for m in (before["manifest.json"], after["manifest.json"])]
    for manifest in manifests:
        manifest.pop("timing")
    assert manifests[0] == manifests[1]

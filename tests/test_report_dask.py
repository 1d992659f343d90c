"""The report runner on Dask `distributed` workers (a LocalCluster of two worker processes): the same outputs
as the local executor, byte for byte, and a worker dying mid-run is retried or fails the build cleanly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_report import make_workspace, run_build, snapshot, write_notebook

pytest.importorskip("distributed")
pytestmark = pytest.mark.slow

GRID = ["lang=en,zh-Hant", "currency=CNY,USD"]


def comparable(run: Path) -> dict[str, bytes]:
    """Every file of a run that must not depend on the executor: CSV tables, figures, index.html, and
    manifest.json without its timing. (Executed notebooks record their own run times and output folder.)"""
    files = {name: data for name, data in snapshot(run).items() if not name.startswith("notebooks/")}
    manifest = json.loads(files.pop("manifest.json"))
    manifest.pop("timing")
    files["manifest.json"] = json.dumps(manifest, sort_keys=True).encode()
    return files


def test_dask_local_cluster_gives_the_local_executors_outputs_byte_for_byte(tmp_path) -> None:
    folders = make_workspace(tmp_path / "local")
    local = run_build(folders, "01", "07", grid=GRID, run="grid")
    assert local.code == 0, local.err
    dask_folders = make_workspace(tmp_path / "dask")
    dask = run_build(dask_folders, "01", "07", grid=GRID, run="grid", dask="local", dask_workers=2)
    assert dask.code == 0, dask.err
    assert "8 executed, 0 cached" in dask.out
    a, b = comparable(folders.reports / "grid"), comparable(dask_folders.reports / "grid")
    assert sorted(a) == sorted(b)
    assert len([n for n in a if n.endswith(".csv")]) == 8 and len([n for n in a if n.endswith(".png")]) == 8
    assert [name for name in a if a[name] != b[name]] == []
    # the same cache: a second Dask build executes nothing
    again = run_build(dask_folders, "01", "07", grid=GRID, run="grid", dask="local", dask_workers=2)
    assert again.code == 0 and "is up to date" in again.out


KILL_WORKER = """
import os, pathlib, signal
marker = pathlib.Path({marker!r})
if {always} or not marker.exists():
    marker.write_text("died")
    os.kill(os.getppid(), signal.SIGKILL)  # the kernel's parent: the Dask worker process
"""


@pytest.mark.parametrize("always", [False, True], ids=["retried", "fails-cleanly"])
def test_a_worker_dying_mid_run_is_retried_or_fails_the_build_cleanly(tmp_path, always) -> None:
    folders = make_workspace(tmp_path)
    good = run_build(folders, "01", run="r", dask="local", dask_workers=2)
    assert good.code == 0, good.err
    before = snapshot(folders.reports / "r")
    marker = tmp_path / "marker"
    write_notebook(folders.notebooks / "02_dies.ipynb", KILL_WORKER.format(marker=str(marker), always=always),
                   parameters='lang = "en"')  # fmt: skip
    outcome = run_build(folders, "01", "02", run="r", dask="local", dask_workers=2, timeout_s=60)
    assert marker.exists()
    if not always:  # the scheduler ran the task again on a new worker, which finished it
        assert outcome.code == 0, outcome.err
        assert "02_dies" in snapshot(folders.reports / "r")["manifest.json"].decode()
    else:  # died twice: the job fails like a notebook failure, nothing is published
        assert outcome.code == 1, outcome.out + outcome.err
        assert "02_dies" in outcome.err and "Dask task failed" in outcome.err
        assert snapshot(folders.reports / "r") == before
        assert not list(folders.reports.glob(".staging-*"))

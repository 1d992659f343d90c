"""The report runner on Dask `distributed` workers (a LocalCluster of two worker processes): the same outputs
as the local executor, byte for byte, a worker dying mid-run is retried or fails the build cleanly, and a
worker that hangs has its job timed out without holding up the others."""

from __future__ import annotations

import contextlib
import json
import subprocess
import time
from pathlib import Path

import psutil
import pytest
from test_report import (
    cli,
    descendants,
    is_alive,
    make_workspace,
    run_build,
    snapshot,
    wait_for,
    write_notebook,
)

pytest.importorskip("distributed")
pytestmark = pytest.mark.slow

GRID = ["lang=en,zh-Hant", "currency=CNY,USD"]


@pytest.fixture(scope="module", autouse=True)
def _stop_resource_tracker():
    """After this module: stop multiprocessing's resource tracker, the helper process that the LocalCluster's
    spawned workers start in the test process and that lives as long as it does; otherwise
    test_report.py::test_no_kernel_outlives_a_build, run later in the same process, sees it as a child."""
    yield
    from multiprocessing import resource_tracker

    stop = getattr(resource_tracker._resource_tracker, "_stop", None)
    if stop is not None:
        stop()


def comparable(run: Path) -> dict[str, bytes]:
    """Every file of a run that must not depend on the executor: CSV tables, figures, index.html, and
    manifest.json without its timing and the hashes of the executed notebooks. (Executed notebooks record their
    own run times and output folder.)"""
    files = {name: data for name, data in snapshot(run).items() if not name.startswith("notebooks/")}
    manifest = json.loads(files.pop("manifest.json"))
    manifest.pop("timing")
    manifest["files"] = {k: v for k, v in manifest["files"].items() if not k.startswith("notebooks/")}
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


HANG_WORKER = """
import os, pathlib, signal
pathlib.Path({marker!r}).write_text(str(os.getppid()))
os.kill(os.getppid(), signal.SIGSTOP)  # the kernel's parent, the Dask worker process: alive, but frozen
"""


def wait_until(condition, limit_s: float = 30) -> None:
    """Wait (at most `limit_s`) for `condition()`: a process to stop or to be gone. The caller asserts."""
    deadline = time.monotonic() + limit_s
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.1)


def test_a_hung_worker_times_its_job_out_and_the_others_go_on(tmp_path) -> None:
    """The notebook's kernel stops its Dask worker with SIGSTOP: the process stays alive (its nanny sees
    nothing wrong; the scheduler drops a worker only after 5 minutes without a heartbeat, then runs the task
    again) but nothing in it runs, like a worker stuck in C code holding the GIL. So neither the worker-side
    watchdog nor nbclient's cell timeout can end the job: only the runner's deadline (the job's timeout plus
    dask_executor.DEADLINE_MARGIN_S, counted from the task's start) can. Without it `communicate` times out."""
    folders = make_workspace(tmp_path)
    good = run_build(folders, "01", run="r")  # the last good report (local executor: it only has to exist)
    assert good.code == 0, good.err
    before = snapshot(folders.reports / "r")
    marker = tmp_path / "hung-worker-pid"
    # padded to be the largest notebook, so that the runner submits it first and the other tasks are
    # scheduled while it hangs (possibly on the same worker, behind it)
    write_notebook(folders.notebooks / "02_hangs.ipynb", HANG_WORKER.format(marker=str(marker)) + "#" * 20000,
                   parameters='lang = "en"')  # fmt: skip
    # --timeout 20: the per-notebook limit, ample for the quick fixture notebooks on a loaded machine
    args = "build 01 02 04 07 --run r --dask local --dask-workers 2 --timeout 20".split()
    process = subprocess.Popen(cli(folders, *args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(marker, process, timeout=120)
        worker = psutil.Process(int(marker.read_text()))
        wait_until(lambda: worker.status() == psutil.STATUS_STOPPED)
        assert worker.status() == psutil.STATUS_STOPPED
        children = descendants(process.pid)  # the workers, the hung worker's kernel, ...
        assert worker in children
        out, err = process.communicate(timeout=240)  # the job's deadline: about 20 + 30 s after it started
    finally:
        if process.poll() is None:  # the test failed: leave nothing behind
            for child in [*descendants(process.pid), psutil.Process(process.pid)]:
                with contextlib.suppress(psutil.NoSuchProcess):
                    child.kill()
            process.communicate()
    assert process.returncode == 1, out + err
    assert "Traceback" not in err, err
    failures = err[err.index("FAILED") :].splitlines()
    assert failures[0] == "FAILED: 1 of 4 notebook(s)", err
    assert failures[1].startswith("  02_hangs: timed out after 20 s on a Dask worker (tcp://"), err
    assert failures[1].endswith("no result 30 s past the limit; task cancelled, worker restarted"), err
    assert failures[2].startswith("the last good report ") and failures[2].endswith(" is left untouched"), err
    rows = {line.split()[0]: line.split()[1] for line in out.splitlines()[1:-1] if line.strip()}
    assert rows["02_hangs"] == "TIMEOUT" and rows["04_bci"] == rows["07_synthesis"] == "executed"
    assert rows["01_quantum"] in ("cached", "executed")  # (the command line hashes the real helpers)
    assert "NOT updated" in out
    # the other jobs went on and were cached; nothing was published; no process is left behind
    assert list((folders.reports / ".cache").glob("04_bci/*/entry.json"))
    assert list((folders.reports / ".cache").glob("07_synthesis/*/entry.json"))
    assert snapshot(folders.reports / "r") == before
    assert not list(folders.reports.glob(".staging-*"))
    wait_until(lambda: not any(is_alive(child) for child in children))  # kernels see their worker go in ~1 s
    assert [(child.pid, child.name()) for child in children if is_alive(child)] == []

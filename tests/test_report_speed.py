"""The runner's speed options: --svg (a part of every cache key), the environment kernels inherit and what the
fork server does once for every kernel, and the work the runner prepares on an idle lane."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from test_report import make_workspace

from helpers import session
from helpers.report import cache as cache_mod
from helpers.report import executor, kernels
from helpers.report.__main__ import make_parser
from helpers.report._forkserver import preload, start_early, warm
from helpers.report.build import (
    BuildOptions,
    Folders,
    environment,
    kernel_environment,
    plan_build,
    prepare_assembly,
)
from helpers.report.config import DATASET_CACHE_ENV_VAR, SVG_ENV_VAR
from helpers.report.notebooks import scan_imports


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


def test_warm_ups_are_called_once_and_their_failures_reported() -> None:
    called, failed = warm(["os:getpid", "helpers.no_such_module:f", "os:no_such_function"])
    assert called == ["os:getpid"]
    assert failed["helpers.no_such_module:f"].startswith("ModuleNotFoundError")
    assert failed["os:no_such_function"].startswith("AttributeError")


def test_an_early_child_imports_its_module_itself(tmp_path: Path, monkeypatch) -> None:
    # The fork server forks its early children first thing: the parent only looks the module up, the child
    # imports it and calls the function; a module that cannot be found is reported and nothing is forked for it.
    (tmp_path / "early_probe_module.py").write_text(
        "import os, pathlib\n\ndef touch():\n    pathlib.Path(os.environ['EARLY_PROBE']).write_text('ran')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("EARLY_PROBE", str(tmp_path / "ran.txt"))
    failed = start_early(["early_probe_module:touch", "no_such_module_here:f", "os.no_such_package.x:f"])
    assert sorted(failed) == ["no_such_module_here:f", "os.no_such_package.x:f"]
    assert all(reason.startswith("ModuleNotFoundError") for reason in failed.values())
    assert "early_probe_module" not in sys.modules
    for _ in range(200):  # the child's work, up to 10 s
        if (tmp_path / "ran.txt").exists():
            break
        time.sleep(0.05)
    assert (tmp_path / "ran.txt").read_text() == "ran"


def test_the_fork_server_validates_the_builds_dataset_before_its_first_kernel(tmp_path: Path) -> None:
    # With the build's dataset folder in its environment, the server's warm-up (helpers.session.warm_up) writes
    # the validated dataset there before it says it is ready, so no kernel validates it again.
    cache = tmp_path / "datasets"
    env = dict(os.environ, **{DATASET_CACHE_ENV_VAR: str(cache), "PYDEVD_DISABLE_FILE_VALIDATION": "1"})
    server = kernels.ForkServer(["helpers.session"], env, tmp_path, warm=("helpers.session:warm_up",))
    try:
        assert server.ready.wait(120) and server.is_alive
        assert server.info["warmed"] == ["helpers.session:warm_up"] and server.info["failed"] == {}
        assert len(list(cache.glob("dataset-*.pickle"))) == 1
    finally:
        server.stop()


def test_warm_up_does_nothing_outside_a_build(monkeypatch) -> None:
    monkeypatch.delenv(DATASET_CACHE_ENV_VAR, raising=False)
    monkeypatch.setattr(session, "load_dataset_cached", lambda **_: pytest.fail("loaded the data"))
    session.warm_up()


def test_imports_name_the_submodules_a_from_import_may_load() -> None:
    sources = ["import numpy as np\nfrom helpers.analysis import quantum as q, common\nfrom helpers import *",
               "%matplotlib inline\nfrom helpers.tables import cited_in", "not python ("]  # fmt: skip
    assert scan_imports(sources) == ("numpy", "helpers.analysis", "helpers.analysis.quantum",
                                     "helpers.analysis.common", "helpers", "helpers.tables",
                                     "helpers.tables.cited_in")  # fmt: skip


def test_preload_skips_names_that_are_no_module_but_reports_missing_modules() -> None:
    loaded, failed = preload(["helpers.tables", "helpers.tables.cited_in", "helpers.no_such_module"])
    assert loaded == ["helpers.tables"]
    assert list(failed) == ["helpers.no_such_module"]


def test_the_runners_assumptions_check_leaves_pandas_unloaded() -> None:
    # The runner checks data/assumptions.yml before any kernel starts; pandas would stay in its memory (about
    # 40 MB) for the whole build, so the check reads the rules through helpers.dictionary alone.
    code = ("import sys\nfrom helpers.paths import DATA_DIR\nfrom helpers.report.build import check_assumptions_file\n"
            "check_assumptions_file(DATA_DIR)\nprint(sorted({'pandas', 'numpy'} & set(sys.modules)))")  # fmt: skip
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def _fake_jobs(monkeypatch, events: list, release: threading.Event, blocked: str = "") -> list:
    """Jobs whose run only records its start and end; the job named `blocked` waits for `release` (10 s at most)."""

    def run_job(job, stop, on_cell):
        job.started = time.monotonic()
        events.append(("start", job.name))
        if job.name == blocked:
            assert release.wait(10), "the idle work did not run while this job ran"
        events.append(("end", job.name))
        return executor.JobResult(job.name, "ok")

    monkeypatch.setattr(executor, "run_job", run_job)
    return [SimpleNamespace(name=name, started=None, timed_out=False, timeout_s=60) for name in "abc"]


def test_the_idle_work_runs_once_every_job_has_started_while_the_last_ones_run(monkeypatch) -> None:
    # Two lanes, three jobs: "a" holds its lane until the idle work has run, so the idle work must run after
    # "b" and "c" started (no job left to start) and while "a" still runs; on the calling thread.
    events, release = [], threading.Event()
    jobs = _fake_jobs(monkeypatch, events, release, blocked="a")

    def idle():
        events.append(("idle", threading.current_thread() is threading.main_thread()))
        release.set()

    results = executor.execute_jobs(jobs, 2, threading.Event(), when_idle=idle)
    assert [r.status for r in results] == ["ok", "ok", "ok"]
    assert events.count(("idle", True)) == 1
    assert events.index(("idle", True)) > max(events.index(("start", name)) for name in "abc")
    assert events.index(("idle", True)) < events.index(("end", "a"))


def test_idle_work_that_fails_changes_nothing_and_one_lane_runs_it_beside_its_last_job(monkeypatch) -> None:
    # One lane: the idle work starts once the last job ("c") has started, and runs while it runs.
    events, release = [], threading.Event()
    jobs = _fake_jobs(monkeypatch, events, release, blocked="c")

    def idle():
        events.append(("idle", ""))
        release.set()
        raise RuntimeError("preparation failed")

    results = executor.execute_jobs(jobs, 1, threading.Event(), when_idle=idle)
    assert [r.status for r in results] == ["ok", "ok", "ok"]
    assert events.index(("start", "c")) < events.index(("idle", "")) < events.index(("end", "c"))
    assert len(events) == 7


def test_the_start_work_runs_once_on_the_calling_thread_while_the_first_jobs_run(monkeypatch) -> None:
    # Two lanes: "a" holds its lane until the start work has run, so that work must run while "a" runs (before
    # it ends), once, on the calling thread; one that fails changes nothing.
    events, release = [], threading.Event()
    jobs = _fake_jobs(monkeypatch, events, release, blocked="a")

    def start():
        events.append(("start work", threading.current_thread() is threading.main_thread()))
        release.set()
        raise RuntimeError("preparation failed")

    results = executor.execute_jobs(jobs, 2, threading.Event(), when_started=start)
    assert [r.status for r in results] == ["ok", "ok", "ok"]
    assert events.count(("start work", True)) == 1
    assert events.index(("start work", True)) < events.index(("end", "a"))


def test_preparing_the_assembly_compiles_the_page_template_into_the_builds_cache(tmp_path: Path) -> None:
    folders = Folders(reports=tmp_path / "reports")
    prepare_assembly(folders)
    assert [p.suffix for p in (folders.cache / "jinja").iterdir()] == [".cache"]  # Jinja's bytecode file


def _makespan(order: list[str], estimates: dict[str, float], lanes: int) -> float:
    """When the last lane finishes if each lane takes the next job of `order` as it frees up."""
    free = [0.0] * lanes
    for name in order:
        lane = free.index(min(free))
        free[lane] += estimates[name]
    return max(free)


def test_two_lanes_take_the_jobs_in_an_order_that_makes_them_finish_together() -> None:
    # Lengths 6, 4, 3, 3, 2, 2 (20 in all): longest first, the lanes get 6+3+2 and 4+3+2, ending at 11; the split
    # {6, 4} / {3, 3, 2, 2} ends both at 10. Interleaved as the lanes free up: a (lane 0, to 6), c (lane 1, to
    # 3), d (lane 1, to 6), then at 6 lane 0 takes b (to 10), lane 1 e (to 8) and f (to 10).
    estimates = {"a": 6, "b": 4, "c": 3, "d": 3, "e": 2, "f": 2}
    assert executor.lane_order(estimates, 2) == ["a", "c", "d", "b", "e", "f"]
    assert _makespan(executor.lane_order(estimates, 2), estimates, 2) == 10
    assert _makespan(sorted(estimates, key=lambda n: -estimates[n]), estimates, 2) == 11


def test_lane_order_is_longest_first_where_it_does_not_split() -> None:
    estimates = {"a": 1, "b": 3, "c": 2, "d": 3}
    assert executor.lane_order(estimates, 3) == ["b", "d", "c", "a"]  # three lanes; ties keep their order
    assert executor.lane_order({"a": 1, "b": 2}, 2) == ["b", "a"]  # two jobs on two lanes: nothing to split
    many = {f"n{i:02d}": float(i % 5 + 1) for i in range(executor.PARTITION_MAX_JOBS + 1)}
    assert executor.lane_order(many, 2) == sorted(many, key=lambda n: -many[n])


def test_each_notebook_after_a_lanes_first_runs_in_the_spare_forked_beside_the_one_before(
    tmp_path: Path, monkeypatch
) -> None:
    # One lane on a machine of two cores (a core free: spares on), the three fixture notebooks: the first kernel
    # is forked on request, with a spare beside it (two
    # jobs wait, no spare yet); the second notebook adopts that spare and forks one more (one job waits); the
    # third adopts it and forks none (no job waits). Nothing is left: no spare, no tracked kernel, no spare's
    # log or connection file.
    from jupyter_core.paths import jupyter_runtime_dir
    from test_report import run_build

    from helpers.report import build as build_mod

    monkeypatch.setattr(build_mod, "default_jobs", lambda: 2)
    folders = make_workspace(tmp_path)
    runtime = Path(jupyter_runtime_dir())
    before = set(runtime.glob("*")) if runtime.is_dir() else set()
    taken, forked = [], []
    take, start = kernels.take_spare, kernels.start_spare
    monkeypatch.setattr(kernels, "take_spare", lambda *args: taken.append(take(*args)) or taken[-1])
    monkeypatch.setattr(kernels, "start_spare", lambda *args: forked.append(args[1]) or start(*args))
    outcome = run_build(folders, jobs=1, force=True)
    assert outcome.code == 0, outcome.err
    assert [spare is not None for spare in taken] == [False, True, True]
    assert len(forked) == 2
    assert kernels.spare_count() == 0 and not kernels.LIVE_KERNELS
    assert not list(folders.reports.rglob(".spare-*"))
    assert (set(runtime.glob("*")) if runtime.is_dir() else set()) == before


def test_lanes_on_every_core_fork_no_spares(tmp_path: Path, monkeypatch) -> None:
    from test_report import run_build

    from helpers.report import build as build_mod

    monkeypatch.setattr(build_mod, "default_jobs", lambda: 1)  # one core, one lane: no core left for a spare
    forked = []
    monkeypatch.setattr(kernels, "start_spare", lambda *args: forked.append(args))
    outcome = run_build(make_workspace(tmp_path), jobs=1, force=True)
    assert outcome.code == 0, outcome.err
    assert forked == []


def test_a_spare_that_does_not_fit_the_kernel_asked_for_is_killed_not_used(tmp_path: Path) -> None:
    # A spare forked for another environment (or folder, or command) is never adopted: killed, its files removed.
    process = subprocess.Popen(["sleep", "60"], start_new_session=True)
    connection, log = tmp_path / "kernel.json", tmp_path / ".spare-1.log"
    connection.write_text("{}", encoding="utf-8")
    log.write_text("", encoding="utf-8")
    command = [sys.executable, "-m", "ipykernel_launcher", "-f", kernels.CONNECTION_FILE]
    spare = kernels.Spare(process.pid, {}, str(connection), command, {"A": "1"}, str(tmp_path), str(log))
    kernels._SPARES[threading.get_ident()] = spare
    kernels.LIVE_KERNELS[process.pid] = kernels.SPARE_OWNER
    server = SimpleNamespace(is_alive=True, exit_codes={})
    try:
        assert kernels.take_spare(server, command, {"A": "2"}, str(tmp_path)) is None
        assert process.wait(10) == -9  # SIGKILL
        assert not connection.exists() and not log.exists()
        assert process.pid not in kernels.LIVE_KERNELS and kernels.spare_count() == 0
    finally:
        process.kill()
        process.wait()


def test_sockets_to_a_kernel_retry_a_refused_connection_sooner_than_zeromqs_default() -> None:
    # The runner connects right after forking a kernel, before it has bound its ports; ZeroMQ's default waits
    # 100 ms before it tries again. The manager's and the client's sockets start sooner and back off no further
    # than that default (a kernel slow to start is not polled harder than ZeroMQ would).
    import zmq

    plain = zmq.Context()
    manager = kernels.ReportKernelManager()
    client = manager.client()
    try:
        default_interval = plain.socket(zmq.DEALER).getsockopt(zmq.RECONNECT_IVL)
        for context in (manager.context, client.context):
            socket = context.socket(zmq.DEALER)
            assert 0 < socket.getsockopt(zmq.RECONNECT_IVL) < default_interval
            assert socket.getsockopt(zmq.RECONNECT_IVL_MAX) == default_interval
            socket.close(linger=0)
    finally:
        plain.destroy(linger=0)


def _start_failures(monkeypatch, outcomes: list[str]) -> list[str]:
    """papermill.execute_notebook replaced: each call takes the next outcome ("dies" before any cell, "dies
    later" after a cell started, "ok" writes the notebook) and is recorded."""
    import papermill

    calls = []

    def execute_notebook(path, output, on_cell_start=None, **_):
        outcome = outcomes[len(calls)]
        calls.append(outcome)
        if outcome == "dies later":
            on_cell_start(cell=None, cell_index=3)
        if outcome.startswith("dies"):
            raise kernels.KernelDiedAtStart("Kernel died before replying to kernel_info")
        Path(output).write_text("{}", encoding="utf-8")

    monkeypatch.setattr(papermill, "execute_notebook", execute_notebook)
    return calls


def test_a_kernel_that_dies_before_it_answers_is_started_once_more(monkeypatch, tmp_path: Path) -> None:
    # the port race of jupyter_client#154: a port taken before the kernel binds it kills the kernel at start;
    # a new kernel has new ports. Once only: a kernel that cannot start fails the job with the reason.
    def job(name: str) -> executor.NotebookJob:
        return executor.NotebookJob(name, tmp_path / f"{name}.ipynb", {}, tmp_path / f"{name}.out.ipynb",
                                    tmp_path, 60)  # fmt: skip

    calls = _start_failures(monkeypatch, ["dies", "ok"])
    result = executor.run_job(job("a"), threading.Event())
    assert result.status == "ok" and calls == ["dies", "ok"]

    calls = _start_failures(monkeypatch, ["dies", "dies", "ok"])
    result = executor.run_job(job("b"), threading.Event())
    assert result.status == "failed" and calls == ["dies", "dies"]
    assert result.failure.ename == "KernelDiedAtStart" and "kernel_info" in result.failure.evalue

    calls = _start_failures(monkeypatch, ["dies later", "ok"])  # a cell had started: not a start failure
    result = executor.run_job(job("c"), threading.Event())
    assert result.status == "failed" and calls == ["dies later"]

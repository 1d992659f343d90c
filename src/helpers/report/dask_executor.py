"""Execute notebook jobs on Dask `distributed` workers: the same interface as `executor.execute_jobs`.

The runner process keeps everything that decides what is published: it plans, checks parameters, looks up the
cache, stores results and swaps the run folder in. Workers only execute: `execute_on_worker` (a module-level,
importable function) receives one `NotebookJob` and the notebook's bytes, runs it with papermill in a temporary
folder of the worker (kernels started as new interpreters: the fork server is per runner process), and returns
the `JobResult` with every file it wrote (executed notebook, outputs). The runner writes those files into its
own work folder, so a worker needs no shared file system, only the package and the data (same lock file).

A worker that dies mid-task: the scheduler reschedules the task on another worker (`--dask local` allows one
such retry; an external scheduler uses its own `distributed.scheduler.allowed-failures`); when it fails again
the job fails like a notebook failure, the build exits 1 and nothing is published.

A worker that hangs (alive, but its task never ends: stuck in C code holding the GIL, or frozen, so that the
worker-side watchdog cannot enforce the notebook's timeout either): each task reports when it starts (an
event on a topic of this build, with the worker's address); once a task has been running for its job's
`timeout_s` plus `DEADLINE_MARGIN_S` without a result, the runner cancels it, restarts that worker through
its nanny (its thread cannot be stopped, and tasks queued behind it would wait for ever) and records the job
as timed out. A task waiting in a queue has no deadline: its clock starts when a worker starts it.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from helpers.report import interrupts
from helpers.report.executor import Failure, JobResult, NotebookJob

LOCAL = "local"
# A task gets this long past its job's timeout to return a result before the runner gives up on it. The
# worker enforces the timeout itself (its watchdog kills the kernel), but only from the moment papermill is
# imported, and then papermill notices the dead kernel (within about a second), writes the partial notebook
# and the result travels back: seconds, more on a loaded machine. So a task still running 30 s after its
# timeout is one whose worker no longer enforces anything.
DEADLINE_MARGIN_S = 30.0
RESTART_TIMEOUT_S = 30.0  # for restarting a hung worker through its nanny


@dataclass
class WorkerTimeout(Failure):
    """A task that gave no result by its deadline: a timeout (kind "timeout") that says where it ran."""

    worker: str = ""

    def describe(self, timeout_s: float | None = None) -> str:
        text = super().describe(timeout_s) + " on a Dask worker"
        text += f" ({self.worker})" if self.worker else ""
        return f"{text}: {self.evalue}" if self.evalue else text


def _report_start(topic: str, name: str) -> None:
    """On a worker: log an event on `topic` saying that `name`'s task starts now, and on which worker."""
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):  # not on a Dask worker (called directly)
        return
    worker.log_event(topic, {"job": name, "worker": worker.address, "pid": os.getpid()})


def execute_on_worker(
    job: NotebookJob, notebook: bytes, started_topic: str | None = None
) -> tuple[JobResult, dict[str, bytes], str]:
    """Run on a worker: execute `job` (whose notebook file holds `notebook`) in a temporary folder.

    First logs an event on `started_topic` (when given), from which the runner times the task.
    Returns (result, files written: path relative to the job's work folder -> bytes, where it ran).
    """
    if started_topic:
        _report_start(started_topic, job.name)
    from helpers.report import kernels
    from helpers.report.executor import run_job, watch_timeouts

    with tempfile.TemporaryDirectory(prefix="report-job-") as folder:
        work = Path(folder)
        source = work / "source" / job.path.name
        source.parent.mkdir()
        source.write_bytes(notebook)
        (work / "outputs").mkdir()
        parameters = dict(job.parameters)
        if "output_dir" in parameters:
            parameters["output_dir"] = str(work / "outputs")
        cwd = job.cwd if Path(job.cwd).is_dir() else source.parent
        local = replace(job, path=source, parameters=parameters, output_ipynb=work / "notebook.ipynb", cwd=cwd,
                        kernel_log=work / "kernel.log", started=None, current_cell=None, timed_out=False,
                        notebook_node=None)  # fmt: skip
        stop, done = threading.Event(), threading.Event()
        watchdog = threading.Thread(target=watch_timeouts, args=([local], stop, done), daemon=True)
        watchdog.start()
        try:
            result = run_job(local, stop)
        finally:
            done.set()
            kernels.kill_kernels()
        files = {}
        for path in sorted(work.rglob("*")):
            if path.is_file() and path.parent != source.parent:
                files[path.relative_to(work).as_posix()] = path.read_bytes()
        result.executed = None
        return result, files, f"{socket.gethostname()}:{os.getpid()}"


def open_client(address: str, workers: int):
    """A distributed Client: a new LocalCluster of `workers` processes (one thread each) for "local", else
    the scheduler at `address`. Returns (client, cluster or None)."""
    import dask
    from distributed import Client, LocalCluster

    if address == LOCAL:
        with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                                   silence_logs=logging.ERROR)  # fmt: skip
        return Client(cluster), cluster
    return Client(address, timeout=30), None


def _completed(pending, on_poll: Callable[[], None] | None = None, poll_s: float = 0.2):
    """Yield futures of a distributed `as_completed` as they finish, checking for a swallowed signal (see
    helpers.report.interrupts) and calling `on_poll` (the deadlines) between polls instead of blocking until
    the next one ends. A future cancelled by `on_poll` is yielded too, as cancelled."""
    while not pending.is_empty():
        interrupts.check()
        if on_poll is not None:
            on_poll()
        if pending.has_ready():
            yield from pending.next_batch(block=False)
        else:
            time.sleep(poll_s)


class Deadlines:
    """When each job's task started on a worker, as the worker reported it, and whether it is overdue.

    The clock is the runner's: a task's start is when its event arrives (through the scheduler, a few
    milliseconds after the worker sent it); a task that runs again (its worker died) starts again.
    """

    def __init__(self, margin_s: float | None = None):
        self.margin_s = DEADLINE_MARGIN_S if margin_s is None else margin_s
        self._lock = threading.Lock()
        self._started: dict[str, tuple[float, str]] = {}

    def on_event(self, event) -> None:
        """Handler of `Client.subscribe_topic` (runs on the client's event loop): event = (time, message)."""
        _, message = event
        if isinstance(message, dict) and "job" in message:
            with self._lock:
                self._started[message["job"]] = (time.monotonic(), str(message.get("worker", "")))

    def overdue(self, job: NotebookJob) -> tuple[float, str] | None:
        """(seconds running, worker) if `job`'s task has run longer than its timeout plus the margin."""
        with self._lock:
            started = self._started.get(job.name)
        if started is None:
            return None
        seconds = time.monotonic() - started[0]
        return (seconds, started[1]) if seconds > job.timeout_s + self.margin_s else None


def _restart_worker(client, key: str, worker: str) -> bool:
    """Restart `worker` (through its nanny), which still runs the cancelled task `key`; return whether it
    restarted. Waits first (up to 10 s) until the scheduler has released `key`: restarting a worker that is
    processing a task counts as that task's failure and would run it again elsewhere."""
    try:
        deadline = time.monotonic() + 10
        while key in client.processing([worker]).get(worker, ()) and time.monotonic() < deadline:
            time.sleep(0.1)
        outcome = client.restart_workers([worker], timeout=RESTART_TIMEOUT_S, raise_for_error=False)
    except Exception:  # noqa: BLE001 - a worker without a nanny, a scheduler that went away: leave it
        return False
    return all(status == "OK" for status in outcome.values())


def execute_jobs_dask(
    jobs: list[NotebookJob],
    address: str,
    workers: int,
    stop: threading.Event,
    on_done: Callable[[JobResult], None] | None = None,
    on_job: Callable[[NotebookJob], None] | None = None,
) -> list[JobResult]:
    """Submit `jobs` to Dask; write each finished job's files into its work folder (job.output_ipynb's folder)
    and return the results in the order of `jobs`. A task that raised or whose workers died is a failed job;
    one still running `DEADLINE_MARGIN_S` past its job's timeout is cancelled, its worker restarted, and the
    job timed out. Interrupts cancel every task, close the client (and the LocalCluster) and re-raise."""
    if not jobs:
        return []
    from distributed import as_completed

    client, cluster = open_client(address, workers)
    results: list[JobResult | None] = [None] * len(jobs)
    started = time.monotonic()
    futures: dict = {}
    deadlines = Deadlines()

    def finish(i: int, result: JobResult) -> None:
        results[i] = result
        if on_job is not None:
            on_job(jobs[i])
        if on_done is not None:
            on_done(result)

    def check_deadlines() -> None:
        for future, i in futures.items():
            overdue = None if results[i] is not None or future.done() else deadlines.overdue(jobs[i])
            if overdue is None:
                continue
            seconds, worker = overdue
            future.cancel(reason="deadline", msg=f"no result {deadlines.margin_s:g} s past the timeout")
            restarted = bool(worker) and _restart_worker(client, future.key, worker)
            what = "task cancelled, worker restarted" if restarted else "task cancelled"
            failure = WorkerTimeout("timeout", evalue=f"no result {deadlines.margin_s:g} s past the limit; {what}",
                                    worker=worker)  # fmt: skip
            finish(i, JobResult(jobs[i].name, "timeout", seconds, failure))

    try:
        batch = uuid.uuid4().hex[:8]
        topic = f"report-task-started-{batch}"
        client.subscribe_topic(topic, deadlines.on_event)
        for i, job in enumerate(jobs):
            future = client.submit(execute_on_worker, job, job.path.read_bytes(), topic,
                                   key=f"notebook-{job.name}-{batch}", pure=False, retries=1)  # fmt: skip
            futures[future] = i
        for future in _completed(as_completed(list(futures)), on_poll=check_deadlines):
            if results[futures[future]] is not None:  # timed out, cancelled above
                continue
            job = jobs[futures[future]]
            try:
                result, files, _where = future.result()
            except Exception as error:  # noqa: BLE001 - KilledWorker, a worker without the package, ...
                text = str(error).splitlines()[0] if str(error) else ""
                result = JobResult(job.name, "failed", time.monotonic() - started,
                                   Failure("kernel", ename=f"Dask task failed ({type(error).__name__})",
                                           evalue=text[:300]))  # fmt: skip
            else:
                work = job.output_ipynb.parent
                for name, data in files.items():
                    target = work / name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(data)
                if (
                    job.kernel_log is not None
                    and (work / "kernel.log").exists()
                    and job.kernel_log != work / "kernel.log"
                ):
                    shutil.move(str(work / "kernel.log"), job.kernel_log)
                result.executed = job.output_ipynb if job.output_ipynb.exists() else None
            finish(futures[future], result)
    except BaseException:
        stop.set()
        for future in futures:
            future.cancel()
        raise
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return [r if r is not None else JobResult(jobs[i].name, "skipped") for i, r in enumerate(results)]

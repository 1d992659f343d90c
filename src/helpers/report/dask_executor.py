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
from dataclasses import replace
from pathlib import Path

from helpers.report import interrupts
from helpers.report.executor import Failure, JobResult, NotebookJob

LOCAL = "local"


def execute_on_worker(job: NotebookJob, notebook: bytes) -> tuple[JobResult, dict[str, bytes], str]:
    """Run on a worker: execute `job` (whose notebook file holds `notebook`) in a temporary folder.

    Returns (result, files written: path relative to the job's work folder -> bytes, where it ran).
    """
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


def _completed(pending, poll_s: float = 0.2):
    """Yield futures of a distributed `as_completed` as they finish, checking for a swallowed signal (see
    helpers.report.interrupts) between polls instead of blocking until the next one ends."""
    while not pending.is_empty():
        if pending.has_ready():
            yield from pending.next_batch(block=False)
        else:
            interrupts.check()
            time.sleep(poll_s)


def execute_jobs_dask(
    jobs: list[NotebookJob],
    address: str,
    workers: int,
    stop: threading.Event,
    on_done: Callable[[JobResult], None] | None = None,
    on_job: Callable[[NotebookJob], None] | None = None,
) -> list[JobResult]:
    """Submit `jobs` to Dask; write each finished job's files into its work folder (job.output_ipynb's folder)
    and return the results in the order of `jobs`. A task that raised or whose workers died is a failed job.
    Interrupts cancel every task, close the client (and the LocalCluster) and re-raise."""
    if not jobs:
        return []
    from distributed import as_completed

    client, cluster = open_client(address, workers)
    results: list[JobResult | None] = [None] * len(jobs)
    started = time.monotonic()
    futures: dict = {}
    try:
        batch = uuid.uuid4().hex[:8]
        for i, job in enumerate(jobs):
            future = client.submit(execute_on_worker, job, job.path.read_bytes(), key=f"notebook-{job.name}-{batch}",
                                   pure=False, retries=1)  # fmt: skip
            futures[future] = i
        for future in _completed(as_completed(list(futures))):
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
            results[futures[future]] = result
            if on_job is not None:
                on_job(job)
            if on_done is not None:
                on_done(result)
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

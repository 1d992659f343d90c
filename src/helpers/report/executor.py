"""Execute notebook jobs in parallel through papermill's Python API, from one process, with a timeout each.

`execute_jobs(jobs, workers, ...)` is the whole interface (a Dask variant can offer the same): it takes
`NotebookJob`s and returns one `JobResult` per job, in the same order. Threads drive papermill; the kernels are
processes of their own (forked from the pre-loaded server when possible, see `kernels`). A watchdog kills the
kernel of a notebook that runs past its timeout. `stop` (set on Ctrl-C or SIGTERM) kills every kernel, and
jobs not yet started never start.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from helpers.report import interrupts, kernels

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def import_papermill():
    """Import papermill without rfc3987_syntax.

    jsonschema imports rfc3987_syntax, when installed, only to check the "iri" string format, which no notebook
    schema uses; building its grammar is most of `import papermill` (2.6 s of 3.3 s on the development machine;
    0.73 s of 1.25 s on another). Marking the module absent makes jsonschema skip that one format checker, in
    this process only.
    """
    blocked = "jsonschema" not in sys.modules and "rfc3987_syntax" not in sys.modules
    if blocked:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]
    try:
        import papermill
    finally:
        if blocked:  # jsonschema is loaded now; a later, direct import may still load the module
            sys.modules.pop("rfc3987_syntax", None)

    # The runner checked the parameters itself; papermill's own parser warns about lines it cannot read
    # (a comment holding brackets), calls declared names unknown and logs each failure the runner reports itself.
    logging.getLogger("papermill").setLevel(logging.CRITICAL)
    return papermill


@dataclass
class NotebookJob:
    """One notebook to execute with given parameters.

    `output_ipynb` receives the executed notebook (also on failure, as far as it ran).
    """

    name: str
    path: Path
    parameters: dict
    output_ipynb: Path
    cwd: Path
    timeout_s: float
    kernel_name: str = "python3"
    cells: int = 0  # code cells to run, for the progress bar
    kernel_log: Path | None = None
    # filled while running
    started: float | None = None
    current_cell: int | None = None
    timed_out: bool = False
    notebook_node: object = None


@dataclass
class Failure:
    """Where and how a notebook failed, short enough to print."""

    kind: str  # "error", "timeout", "interrupted", "kernel"
    cell_index: int | None = None  # 0-based position in the executed notebook
    execution_count: int | None = None
    ename: str = ""
    evalue: str = ""
    line: str = ""  # the failing source line, when the traceback shows it

    def describe(self, timeout_s: float | None = None) -> str:
        where = ""
        if self.cell_index is not None:
            where = f"cell {self.cell_index + 1}"
            where += f" (In [{self.execution_count}])" if self.execution_count else ""
        if self.kind == "timeout":
            return f"timed out after {timeout_s:g} s" + (f" in {where}" if where else "")
        if self.kind == "interrupted":
            return "interrupted" + (f" in {where}" if where else "")
        text = f"{self.ename}: {self.evalue}".strip(": ")
        return f"{where} raised {text}" if where else text


@dataclass
class JobResult:
    """What happened to one job."""

    name: str
    status: str  # "ok", "failed", "timeout", "interrupted", "skipped"
    seconds: float = 0.0
    failure: Failure | None = None
    executed: Path | None = None
    extra: dict = field(default_factory=dict)


def failing_line(traceback_lines: list[str]) -> str:
    """The source line an IPython traceback marks with an arrow ("---->"), without colours."""
    for block in reversed(traceback_lines or []):
        for line in ANSI.sub("", block).splitlines():
            match = re.match(r"^\s*-+>\s*\d+\s(.*)$", line)
            if match:
                return match.group(1).strip()
    return ""


def summarise_evalue(evalue: str, limit: int = 300) -> str:
    text = ANSI.sub("", str(evalue)).strip()
    first = text.splitlines()[0] if text else ""
    return first if len(first) <= limit else first[: limit - 1] + "…"


def run_job(
    job: NotebookJob, stop: threading.Event, on_cell: Callable[[str], None] | None = None
) -> JobResult:
    """Execute one notebook with papermill; return its result (never raises for notebook failures)."""
    if stop.is_set():
        return JobResult(job.name, "skipped")
    papermill = import_papermill()
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    def on_notebook_start(notebook, **_):
        job.notebook_node = notebook

    def on_cell_start(cell, cell_index, **_):
        job.current_cell = cell_index

    def on_cell_executed(cell, cell_index, **_):
        if on_cell is not None:
            on_cell(job.name)

    def execute() -> None:
        papermill.execute_notebook(
            str(job.path),
            str(job.output_ipynb),
            parameters=job.parameters,
            kernel_name=job.kernel_name,
            progress_bar=False,
            request_save_on_cell_execute=False,
            # The kernel's working folder, through nbclient: papermill's own `cwd` would os.chdir() the whole
            # runner, which its threads share.
            resources={"metadata": {"path": str(job.cwd)}},
            start_timeout=60,
            execution_timeout=max(1, int(job.timeout_s) + 1),
            kernel_manager_class=kernels.ReportKernelManager,
            on_notebook_start=on_notebook_start,
            on_cell_start=on_cell_start,
            on_cell_executed=on_cell_executed,
        )

    kernels.set_current_job(job.name)
    kernels.set_kernel_log(job.kernel_log)
    job.started = time.monotonic()
    failure: Failure | None = None
    try:
        try:
            execute()
        except kernels.KernelDiedAtStart:
            # A kernel that died before it answered ran nothing: start a new one (new ports) once more. A kernel
            # that cannot start at all dies again, and that failure is reported.
            if stop.is_set() or job.timed_out or job.current_cell is not None:
                raise
            kernels.kill_kernels(job.name)
            execute()
    except PapermillExecutionError as error:
        failure = Failure("error", error.cell_index, error.exec_count, error.ename,
                          summarise_evalue(error.evalue), failing_line(error.traceback))  # fmt: skip
    except (DeadKernelError, CellTimeoutError) as error:
        if job.timed_out or isinstance(error, CellTimeoutError):
            failure = Failure("timeout", job.current_cell)
        elif stop.is_set():
            failure = Failure("interrupted", job.current_cell)
        else:
            failure = Failure(
                "kernel", job.current_cell, ename="the kernel died", evalue=summarise_evalue(error)
            )
    except Exception as error:  # noqa: BLE001 - any other failure (kernel start, I/O) is this job's failure
        kind = "interrupted" if stop.is_set() else "timeout" if job.timed_out else "kernel"
        failure = Failure(kind, job.current_cell, ename=type(error).__name__, evalue=summarise_evalue(error))
    finally:
        kernels.set_current_job(None)
        kernels.kill_kernels(job.name)  # normally already shut down; never leave one behind
    seconds = time.monotonic() - job.started
    if failure is None:
        return JobResult(job.name, "ok", seconds, executed=job.output_ipynb)
    if failure.kind != "error":  # papermill wrote the notebook only for a cell error: write what ran
        save_partial(job)
    status = {"error": "failed", "kernel": "failed"}.get(failure.kind, failure.kind)
    return JobResult(
        job.name, status, seconds, failure, job.output_ipynb if job.output_ipynb.exists() else None
    )


def save_partial(job: NotebookJob) -> None:
    """Write the in-memory notebook of a job that did not finish (timeout, dead kernel), as far as it ran."""
    if job.notebook_node is None:
        return
    try:
        import nbformat

        nbformat.write(job.notebook_node, str(job.output_ipynb))
    except Exception:  # noqa: BLE001 - best effort: the summary still reports the failure
        pass


def watch_timeouts(jobs: list[NotebookJob], stop: threading.Event, done: threading.Event) -> None:
    """Kill the kernel of any job running past its timeout (checked ten times a second)."""
    while not done.wait(0.1):
        now = time.monotonic()
        for job in jobs:
            if job.started is not None and not job.timed_out and now - job.started > job.timeout_s:
                job.timed_out = True
                kernels.kill_kernels(job.name)


PARTITION_MAX_JOBS = 12  # lane_order tries every split of up to this many jobs over two lanes (2**11 splits)


def lane_order(estimates: dict[str, float], workers: int) -> list[str]:
    """The order to start jobs in (names of `estimates`, each job's expected length) on `workers` lanes that
    each take the next job as they free up, so that the lanes finish as close together as the estimates allow.

    Longest first (LPT), except on two lanes with at most PARTITION_MAX_JOBS jobs: there every split of the jobs
    into two lanes is tried, the split whose longer lane is shortest is kept (the first such split, the jobs
    taken in the order of `estimates`), each lane runs its jobs longest first, and the order interleaves the
    two lanes as they would free up by the estimates. For lengths 6, 4, 3, 3, 2, 2 LPT ends at 11 (6+3+2,
    4+3+2 = 9), the split {6, 4} / {3, 3, 2, 2} at 10 both. When the estimates are wrong, a lane that frees up
    early simply takes the next job.
    """
    names = sorted(estimates, key=lambda name: -estimates[name])  # stable: ties keep the given order
    if workers != 2 or not 2 < len(names) <= PARTITION_MAX_JOBS:
        return names
    total = sum(estimates.values())
    best_mask, best_longer = 0, float("inf")
    for mask in range(1 << (len(names) - 1)):  # the longest job always in lane 0: each split once
        lane0 = estimates[names[0]] + sum(estimates[n] for i, n in enumerate(names[1:]) if mask >> i & 1)
        longer = max(lane0, total - lane0)
        if longer < best_longer:
            best_mask, best_longer = mask, longer
    lanes = [[names[0]], []]
    for i, name in enumerate(names[1:]):
        lanes[0 if best_mask >> i & 1 else 1].append(name)
    free, order = [0.0, 0.0], []
    while lanes[0] or lanes[1]:
        lane = min((0, 1), key=lambda k: (free[k], k))  # the lane that frees up first takes a job
        own = lane if lanes[lane] else 1 - lane  # its own next one, else the other lane's
        name = lanes[own].pop(0)
        free[lane] += estimates[name]
        order.append(name)
    return order


def run_quietly(work: Callable[[], None]) -> None:
    """Call `work`, ignoring any exception but an interrupt (see `execute_jobs`' `when_idle`)."""
    try:
        work()
    except Exception:  # noqa: BLE001 - preparation only: the work it prepares meets the same failure
        pass


def execute_jobs(
    jobs: list[NotebookJob],
    workers: int,
    stop: threading.Event,
    on_cell: Callable[[str], None] | None = None,
    on_done: Callable[[JobResult], None] | None = None,
    when_idle: Callable[[], None] | None = None,
    spares: bool = False,
    when_started: Callable[[], None] | None = None,
) -> list[JobResult]:
    """Execute `jobs` on `workers` threads; return their results in the order of `jobs`.

    `when_idle` runs once on the calling thread as soon as every job has started (no job is left to start: from
    then on the lanes only finish, and a lane that finishes early leaves a core to it), while the last jobs
    still run; what it raises is ignored (it may only prepare work that is done again without it), except an
    interrupt. It runs on the calling thread, not a thread of its own: an interrupt raised in the main thread
    while it waits on a module lock another thread holds can leave that lock broken (CPython 3.11), and a
    second thread importing then hangs for ever.

    `when_started` runs the same way, once, right after the jobs are handed to the lanes: while their kernels
    start (the fork server imports and warms up on one core), the calling thread would only wait.

    `spares`: each lane keeps a spare kernel for its next job (helpers.report.kernels.want_spares), which boots
    while the lane's notebook runs. Worth it only where the lanes leave a core free: on the 2-core machine one
    lane with spares built in 21.5 s instead of 23.5 s, while two lanes gained nothing (the spares' start-up
    took CPU from the notebooks) and peaked about 70 MB higher.

    Interrupts (KeyboardInterrupt, or anything raised in the calling thread while waiting) set `stop`, kill
    every kernel, wait for the threads to finish and re-raise.
    """
    if not jobs:
        return []
    done = threading.Event()
    watchdog = threading.Thread(target=watch_timeouts, args=(jobs, stop, done), daemon=True, name="timeouts")
    watchdog.start()
    if (
        spares
    ):  # a lane that launches a kernel forks one for its next job, while more jobs wait than spares exist
        kernels.want_spares(lambda alive: sum(job.started is None for job in jobs) > alive)
    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="notebook")
    futures: dict[Future, int] = {pool.submit(run_job, job, stop, on_cell): i for i, job in enumerate(jobs)}
    idle_pending = when_idle is not None
    results: list[JobResult | None] = [None] * len(jobs)
    try:
        if when_started is not None:
            run_quietly(when_started)
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            interrupts.check()
            for future in finished:
                result = future.result()
                results[futures[future]] = result
                if on_done is not None:
                    on_done(result)
            if idle_pending and pending and all(job.started is not None for job in jobs):
                idle_pending = False
                run_quietly(when_idle)
    except BaseException:
        stop.set()
        for future in futures:
            future.cancel()
        kernels.kill_kernels()
        pool.shutdown(wait=True, cancel_futures=True)
        kernels.want_spares(None)
        kernels.kill_kernels()
        raise
    finally:
        done.set()
        pool.shutdown(wait=True)
        kernels.want_spares(None)
        kernels.discard_spares()
    return [r if r is not None else JobResult(jobs[i].name, "skipped") for i, r in enumerate(results)]

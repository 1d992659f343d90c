"""One build of a report run: plan, check parameters, execute what changed, assemble, publish atomically.

plan (read notebooks and parameters; nothing started yet)
-> check every parameter (before any kernel starts)
-> expand a parameter grid: one job per parameter set, named "<notebook>--<name>-<value>..." (its own output
   folders, cache entries and section; `Planned.base` is the notebook as read)
-> look up each job's cache key; execute the others in parallel (fork server + papermill threads, or Dask
   distributed workers with --dask: `dask_executor`; caching, collection and publishing stay here)
-> on any failure: keep the failed notebooks in <reports>/.failed/<run>/, exit 1, leave the report alone
-> assemble <reports>/.staging-<run>-<pid>/ from the cache and swap it in for <reports>/<run>/
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import os
import shutil
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from helpers.params import ParameterError
from helpers.readers import ReadError, cap_lines, read_csv_dicts
from helpers.report import cache as cache_mod
from helpers.report import interrupts
from helpers.report.config import (
    DATASET_CACHE_ENV_VAR,
    DEFAULT_TIMEOUT_S,
    KERNEL_EARLY,
    KERNEL_WARM_UP,
    KEY_PACKAGES,
    RESERVED_RUN_NAMES,
    RUNNER_PARAMETERS,
    SVG_ENV_VAR,
    Folders,
    default_jobs,
)
from helpers.report.interrupts import Interrupted
from helpers.report.notebooks import (
    NotebookError,
    NotebookInfo,
    find_notebooks,
    read_notebook,
    select_notebooks,
)
from helpers.report.parameters import (
    GRID_ALL,
    ParamsFile,
    ParamsFileError,
    check_override,
    choose_run_name,
    convert_text,
    parse_grid_setting,
    parse_setting,
    read_params_file,
    resolve_parameters,
    slug,
)
from helpers.report.publish import (
    PublishError,
    RunLock,
    RunLockedError,
    check_writable,
    publish,
    remove_stale_staging,
    staging_dir,
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 3
EXIT_SIGINT, EXIT_SIGTERM = 130, 143


@dataclass
class BuildOptions:
    """What `python -m helpers.report build` was asked to do."""

    notebooks: list[str] = field(default_factory=list)
    settings: list[str] = field(default_factory=list)  # "name=value" or "notebook.name=value"
    params_file: Path | None = None
    run: str | None = None
    jobs: int = field(default_factory=default_jobs)
    force: bool = False
    timeout_s: float = DEFAULT_TIMEOUT_S
    progress: bool | None = None  # None: when stderr is a terminal
    fork: bool = True  # fork kernels from a pre-loaded server (Linux)
    grid: list[str] = field(default_factory=list)  # "name=v1,v2" or "name=all": one job per combination
    dask: str | None = None  # None: this machine; "local": a LocalCluster; else a scheduler address
    dask_workers: int | None = None  # workers of `--dask local` (default: --jobs)
    replace: bool = False  # let a build of only some notebooks replace a run that holds others
    svg: bool = False  # also write every figure as SVG (part of each cache key)


@dataclass
class Planned:
    """One notebook of the build, before and after execution."""

    info: NotebookInfo
    parameters: dict
    parts: dict
    key: str
    record: dict | None = None  # the cache entry when cached (or once stored)
    reason: str = ""
    executed: bool = False
    seconds: float = 0.0
    status: str = "ok"
    failure_text: str = ""
    failure_line: str = ""
    kept: Path | None = None
    base: NotebookInfo | None = None  # for a grid job: the notebook as read (info.name is the job's name)
    point: dict = field(default_factory=dict)  # for a grid job: its grid values

    @property
    def notebook(self) -> str:
        """The notebook's own name (a grid job's info.name is "<notebook>--<name>-<value>...")."""
        return self.base.name if self.base is not None else self.info.name


@dataclass
class Plan:
    """Everything decided before execution."""

    run: str
    params_file: ParamsFile | None
    settings: dict[str, object]  # the -p settings, flat ("name" or "notebook.name" -> value)
    notebooks: list[Planned]
    inputs: cache_mod.Inputs
    common: dict[str, object]  # parameters for every notebook that declares them (file, then -p)
    per_notebook: dict[str, dict[str, object]]
    grid: dict[str, list] = field(default_factory=dict)  # name -> values (expanded), in the order given


def read_place_ids(data_dir: Path) -> list[str]:
    """place_id values of data/cities.csv (empty when it is missing), in file order."""
    rows = read_csv_dicts(data_dir / "cities.csv", "data/cities.csv")
    return [row.get("place_id", "") for row in rows if row.get("place_id")]


def expand_grid(params_file: ParamsFile | None, cli_grid: list[str], infos: list[NotebookInfo],
                data_dir: Path) -> dict[str, list]:  # fmt: skip
    """The build's grid: the file's `grid:` updated by `--grid` settings, "all" expanded (for `city`: every
    place id of data/cities.csv; for a name whose rule has a set of values: that set).

    Raises:
        ParameterError: a malformed --grid, "all" for a name without a known set, a name given twice.
    """
    from helpers.params import RULES

    defaults = {}
    for info in infos:
        for name, parameter in info.parameters.items():
            defaults.setdefault(name, parameter.default)
    grid: dict[str, object] = dict(params_file.grid if params_file else {})
    for text in cli_grid:
        name, values = parse_grid_setting(text, defaults.get(name := text.partition("=")[0].strip()))
        grid[name] = values
    expanded: dict[str, list] = {}
    for name, values in grid.items():
        if values == GRID_ALL:
            rule = RULES.get(name)
            if name == "city":
                values = read_place_ids(data_dir)
            elif rule is not None and rule.choices is not None and rule.kind is not list:
                values = list(rule.choices())
            else:
                raise ParameterError(f"grid {name!r}: 'all' needs a parameter with a known set of values")
            if not values:
                raise ParameterError(f"grid {name!r}: 'all' found no values (is data/cities.csv there?)")
        if not isinstance(values, list):
            values = [values]
        expanded[name] = list(dict.fromkeys(values)) if all(isinstance(v, str) for v in values) else values
    return expanded


def job_name(notebook: str, point: dict) -> str:
    """The output name of one grid job: "08_city_profile--city-hefei--lang-zh-Hant"."""
    return notebook + "".join(f"--{name}-{slug(value)}" for name, value in point.items())


def read_sector_ids(data_dir: Path) -> tuple[str, ...]:
    """sector_id values of data/sectors.csv (empty when it is missing)."""
    return tuple(
        row.get("sector_id", "") for row in read_csv_dicts(data_dir / "sectors.csv", "data/sectors.csv")
    )


def split_settings(
    settings: list[str], infos: list[NotebookInfo], available: list[Path]
) -> tuple[dict[str, object], dict[str, dict[str, object]], dict[str, object]]:
    """Turn `-p` texts into (common, per notebook, flat name -> value for the run name), typed by rule/default.

    Raises:
        ParameterError: a malformed setting; NotebookError: an unknown notebook prefix.
    """
    defaults = {}
    for info in infos:
        for name, parameter in info.parameters.items():
            defaults.setdefault(name, parameter.default)
    common: dict[str, object] = {}
    per_notebook: dict[str, dict[str, object]] = {}
    flat: dict[str, object] = {}
    for text in settings:
        notebook, name, raw = parse_setting(text)
        value = convert_text(name, raw, defaults.get(name))
        if notebook is None:
            common[name] = value
            flat[name] = value
        else:
            stem = select_notebooks(available, [notebook])[0].stem
            per_notebook.setdefault(stem, {})[name] = value
            flat[f"{stem}.{name}"] = value
    return common, per_notebook, flat


def normalise_notebook_keys(values: dict[str, dict], available: list[Path]) -> dict[str, dict]:
    """Per-notebook sections keyed by full notebook names (a file may say "07" or "synthesis").

    Raises:
        NotebookError: a key that names no notebook.
    """
    return {select_notebooks(available, [key])[0].stem: dict(v) for key, v in values.items()}


def plan_build(options: BuildOptions, folders: Folders) -> Plan:
    """Read notebooks, parameter file and settings; resolve parameters and cache keys. Starts nothing.

    Raises:
        NotebookError, ParamsFileError, ParameterError: bad input, with a message naming what and where.
    """
    available = find_notebooks(folders.notebooks)
    if not available:
        raise NotebookError(f"no notebooks named NN_*.ipynb in {folders.notebooks}")
    params_file = read_params_file(options.params_file) if options.params_file else None
    chosen_names = options.notebooks or (list(params_file.select) if params_file else [])
    selected = select_notebooks(available, chosen_names)
    sector_ids = read_sector_ids(folders.data)
    all_infos = {path.stem: read_notebook(path, sector_ids) for path in available}
    infos = [all_infos[path.stem] for path in selected]
    cli_common, cli_per_notebook, flat = split_settings(options.settings, list(all_infos.values()), available)
    common = dict(params_file.parameters if params_file else {})
    common.update(cli_common)
    per_notebook = normalise_notebook_keys(params_file.notebooks if params_file else {}, available)
    for name, values in cli_per_notebook.items():
        per_notebook.setdefault(name, {}).update(values)
    # Names are checked against every notebook (a shared file may set what only unselected ones declare);
    # values only for the notebooks this build runs.
    resolve_parameters(list(all_infos.values()), common, per_notebook, check_rules=False)
    chosen = {info.name for info in infos}
    resolved = resolve_parameters(
        infos,
        {k: v for k, v in common.items() if any(k in info.parameters for info in infos)},
        {k: v for k, v in per_notebook.items() if k in chosen},
        check_rules=False,
    )
    grid = expand_grid(params_file, options.grid, list(all_infos.values()), folders.data)
    problems = [f"grid parameter {name!r}: no selected notebook declares it" for name in grid
                if not any(name in info.parameters for info in infos)]  # fmt: skip
    problems += [f"grid parameter {name!r} is set by the report runner; do not set it" for name in grid
                 if name in RUNNER_PARAMETERS]  # fmt: skip
    if problems:
        raise ParameterError("\n".join(cap_lines(problems)))
    subset = tuple(info.name for info in infos) if options.notebooks and len(infos) < len(all_infos) else ()
    run_settings = dict(flat)
    cli_grid_names = [text.partition("=")[0].strip() for text in options.grid]
    run_settings.update({f"grid.{name}": grid[name] for name in cli_grid_names})
    run = choose_run_name(options.run, params_file, run_settings, subset)
    if run in RESERVED_RUN_NAMES:
        raise ParameterError(f"run name {run!r} is reserved; choose another with --run")
    inputs = cache_mod.Inputs.collect(folders)
    planned = []
    for info in infos:
        names = [name for name in grid if name in info.parameters]
        if not names:
            parts = cache_mod.key_parts(
                inputs, info.sha256, info.kernel_name, resolved[info.name], info.sectors
            )
            parts.update({"svg": "yes"} if options.svg else {})
            planned.append(Planned(info, resolved[info.name], parts, cache_mod.cache_key(parts)))
            continue
        seen: dict[str, dict] = {}
        for combo in itertools.product(*(grid[name] for name in names)):
            point = dict(zip(names, combo, strict=True))
            name = job_name(info.name, point)
            if name in seen:
                raise ParameterError(
                    f"grid values {seen[name]} and {point} give the same output name {name!r}"
                )
            seen[name] = point
            parameters = dict(resolved[info.name], **point)
            title = f"{info.title} ({', '.join(f'{k}={v}' for k, v in point.items())})"
            job_info = dataclasses.replace(info, name=name, title=title)
            parts = cache_mod.key_parts(inputs, info.sha256, info.kernel_name, parameters, info.sectors)
            parts.update({"svg": "yes"} if options.svg else {})
            planned.append(
                Planned(job_info, parameters, parts, cache_mod.cache_key(parts), base=info, point=point)
            )
    return Plan(run, params_file, flat, planned, inputs, common, per_notebook, grid)


def check_values(plan: Plan, to_run: list[Planned]) -> None:
    """Check types and allowed values for the notebooks about to execute (cached ones passed this before).

    Raises:
        ParameterError: naming each bad parameter, its notebook and what is allowed.
    """
    infos = list({p.notebook: (p.base or p.info) for p in to_run}.values())
    common = {k: v for k, v in plan.common.items() if any(k in i.parameters for i in infos)}
    per_notebook = {k: v for k, v in plan.per_notebook.items() if k in {i.name for i in infos}}
    resolve_parameters(infos, common, per_notebook, check_rules=True)
    problems = []  # every grid value, for every notebook of the grid, before any kernel starts
    for info in infos:
        for name, values in plan.grid.items():
            if name not in info.parameters:
                continue
            for value in values:
                why = check_override(name, value, info)
                if why:
                    problems.append(f"{info.name}: grid parameter {name!r}: {why}")
    if problems:
        raise ParameterError("\n".join(cap_lines(list(dict.fromkeys(problems)))))


class Progress:
    """A tqdm bar over the code cells of the notebooks being executed (silent when not a terminal)."""

    def __init__(self, total: int, enabled: bool | None, stream: TextIO):
        from tqdm import tqdm

        disable = (not stream.isatty()) if enabled is None else not enabled
        self.bar = tqdm(total=total, unit="cell", desc="executing", file=stream, disable=disable, leave=False,
                        dynamic_ncols=True)  # fmt: skip
        self.lock = threading.Lock()

    def cell(self, notebook: str) -> None:
        with self.lock:
            self.bar.set_postfix_str(notebook, refresh=False)
            self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def kernel_environment(options: BuildOptions, folders: Folders) -> dict[str, str]:
    """What the kernels of a build (and the fork server, and local Dask workers) inherit: whether to write SVG,
    and where the build's validated dataset is (the first kernel validates and stores it, the others read it)."""
    return {SVG_ENV_VAR: "1" if options.svg else "0", DATASET_CACHE_ENV_VAR: str(folders.datasets)}


@contextlib.contextmanager
def environment(values: dict[str, str]):
    """Set environment variables for the duration of the block, then restore them as they were."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def start_kernel_server(to_run: list[Planned], options: BuildOptions, folders: Folders):
    """Start the fork server for the kernels of `to_run` (see helpers.report.kernels), unless the build runs on
    Dask or without it (--no-fork); return it, or None. Call inside `environment(kernel_environment(...))`: the
    server and its kernels inherit the environment it is started in."""
    if not options.fork or options.dask:
        return None
    from helpers.report import kernels

    preload = sorted({name for p in to_run for name in p.info.imports})
    warm = tuple(name for name in KERNEL_WARM_UP if name.partition(":")[0] in preload)
    early = KERNEL_EARLY if warm else ()
    return kernels.start_fork_server(preload, folders.notebooks, warm, early)


def stop_kernel_server(server) -> None:
    """Stop the fork server started by start_kernel_server (None: nothing to stop)."""
    from helpers.report import kernels

    kernels.stop_fork_server()
    if server is not None and server.is_alive:
        server.stop()


def run_notebooks(
    plan: Plan, to_run: list[Planned], options: BuildOptions, folders: Folders, err: TextIO, server=None
) -> None:
    """Execute `to_run` in parallel (kernels forked by `server` when one runs: start_kernel_server); store
    successes in the cache and keep failures in .failed/<run>/. Stops `server` at the end."""
    from helpers.report import kernels
    from helpers.report.executor import NotebookJob, execute_jobs, import_papermill

    work_root = folders.cache / "work" / plan.run
    shutil.rmtree(work_root, ignore_errors=True)
    jobs = []
    for planned in to_run:
        work = work_root / planned.info.name
        (work / "outputs").mkdir(parents=True)
        parameters = dict(planned.parameters)
        if "output_dir" in planned.info.parameters:
            parameters["output_dir"] = str(work / "outputs")
        cells = planned.info.code_cells + (1 if parameters else 0)
        jobs.append(NotebookJob(planned.info.name, planned.info.path, parameters, work / "notebook.ipynb",
                                folders.notebooks, options.timeout_s, planned.info.kernel_name, cells,
                                work / "kernel.log"))  # fmt: skip
    jobs = order_jobs(jobs, folders, 1 if options.dask else options.jobs)
    stop = threading.Event()
    progress = Progress(sum(job.cells for job in jobs), options.progress, err)
    by_name = {p.info.name: p for p in to_run}
    finished = False
    try:
        if options.dask:
            from helpers.report.dask_executor import execute_jobs_dask

            results = execute_jobs_dask(jobs, options.dask, options.dask_workers or options.jobs, stop,
                                        on_done=lambda result: after_job(result, by_name, plan, folders),
                                        on_job=lambda job: [progress.cell(job.name) for _ in range(job.cells)])  # fmt: skip
        else:
            import_papermill()  # while the server pre-loads
            results = execute_jobs(jobs, options.jobs, stop, on_cell=progress.cell,
                                   on_done=lambda result: after_job(result, by_name, plan, folders),
                                   when_idle=lambda: prepare_assembly(folders),
                                   spares=server is not None and options.jobs < default_jobs(),
                                   when_started=lambda: prepare_pages(to_run))  # fmt: skip
        finished = True
    finally:
        progress.close()
        kernels.kill_kernels()
        stop_kernel_server(server)
        if not finished:  # interrupted: no half-written work stays behind
            shutil.rmtree(work_root, ignore_errors=True)
    for job, result in zip(jobs, results, strict=True):
        planned = by_name[job.name]
        planned.executed, planned.seconds = True, result.seconds
        if result.status != "ok" and planned.status == "ok":
            planned.status = result.status
            planned.failure_text = result.failure.describe(job.timeout_s) if result.failure else result.status
            planned.failure_line = result.failure.line if result.failure else ""
            planned.kept = keep_failed(job.output_ipynb, job.kernel_log, folders.failed / plan.run, job.name)
    shutil.rmtree(work_root, ignore_errors=True)


def order_jobs(jobs: list, folders: Folders, workers: int) -> list:
    """The order to start `jobs` in on `workers` lanes (executor.lane_order), from their expected length: the
    seconds of their last execution when every one has run before, else their file size (outputs committed
    with the notebook grow with its figures)."""
    from helpers.report.executor import lane_order

    store = cache_mod.Cache(folders.cache)
    seconds = {}
    for job in jobs:
        record = store.latest_record(job.name)
        if record and "seconds" in record:
            seconds[job.name] = float(record["seconds"])
    if len(seconds) != len(jobs):
        seconds = {job.name: float(job.path.stat().st_size) for job in jobs}
    by_name = {job.name: job for job in jobs}
    return [by_name[name] for name in lane_order(seconds, workers)]


def prepare_pages(to_run: list[Planned]) -> None:
    """What writing the notebooks' pages needs before the first one ends: the exporter, its compiled templates
    and the highlighted code of `to_run` (helpers.report.notebook_html.prepare_export). The runner calls it while
    the kernels start."""
    from helpers.report.notebook_html import prepare_export

    prepare_export(sorted({planned.info.path for planned in to_run}))


def after_job(result, by_name: dict[str, Planned], plan: Plan, folders: Folders) -> None:
    """On the main thread as each job ends: export HTML and store a success in the cache."""
    planned = by_name[result.name]
    if result.status != "ok":
        return
    from helpers.report.notebook_html import export_html  # nbconvert: imported only when a page is written

    work = result.executed.parent
    try:
        export_html(result.executed, work / "notebook.html")
    except Exception as error:  # noqa: BLE001 - a notebook that cannot be rendered fails the build
        planned.status, planned.failure_text = "failed", f"nbconvert could not render it: {error}"
        return
    record = {
        "notebook": planned.info.name, "key": planned.key, "parts": planned.parts,
        "parameters": planned.parameters, "seconds": round(result.seconds, 3),
    }  # fmt: skip
    entry = cache_mod.Cache(folders.cache).store(planned.info.name, planned.key, work, record)
    planned.record = dict(record, path=entry)


def keep_failed(ipynb: Path, log: Path | None, failed_dir: Path, name: str) -> Path | None:
    """Move a failed executed notebook (and its kernel log) to `failed_dir`; return where it now is."""
    failed_dir.mkdir(parents=True, exist_ok=True)
    kept = None
    if ipynb.exists():
        kept = failed_dir / f"{name}.ipynb"
        shutil.move(str(ipynb), kept)
    if log is not None and log.exists() and log.stat().st_size:
        shutil.move(str(log), failed_dir / f"{name}.kernel.log")
    return kept


def parameter_rows(plan: Plan) -> list[dict]:
    """Rows of the page's parameter table: each name and value with the notebooks that use it."""
    values: dict[tuple[str, str], list[str]] = {}
    for planned in plan.notebooks:
        for name, value in planned.parameters.items():
            if name in RUNNER_PARAMETERS or name in planned.point:
                continue
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
            values.setdefault((name, text), []).append(planned.info.name)
    everyone = [p.info.name for p in plan.notebooks]
    rows = []
    for (name, text), notebooks in sorted(values.items()):
        declared_by = [p.info.name for p in plan.notebooks if name in p.parameters]
        scope = "all" if notebooks == everyone else ", ".join(notebooks)
        if notebooks == declared_by and notebooks != everyone:
            scope = ", ".join(notebooks)
        rows.append({"name": name, "value": text, "notebooks": scope})
    for name, grid_values in plan.grid.items():
        users = list(dict.fromkeys(p.notebook for p in plan.notebooks if name in p.point))
        texts = [v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for v in grid_values]
        rows.append({"name": name, "value": "grid: " + ", ".join(texts), "notebooks": ", ".join(users)})
    return rows


def grid_index(plan: Plan, data_dir: Path) -> list[dict]:
    """Per notebook run over a grid, a table for the page: rows are the first grid name's values (cities),
    columns the combinations of the others (languages), each cell a link to that job's section."""
    cities = {row.get("place_id"): row for row in read_csv_dicts(data_dir / "cities.csv")}
    tables = []
    for notebook in dict.fromkeys(p.notebook for p in plan.notebooks if p.point):
        jobs = [p for p in plan.notebooks if p.notebook == notebook and p.point]
        names = list(jobs[0].point)
        row_name, column_names = names[0], names[1:]
        columns = list(dict.fromkeys(tuple(p.point[n] for n in column_names) for p in jobs))
        cells = {(p.point[row_name], tuple(p.point[n] for n in column_names)): p.info.name for p in jobs}
        rows = []
        for value in dict.fromkeys(p.point[row_name] for p in jobs):
            label = str(value)
            city = cities.get(value) if row_name == "city" else None
            if city:
                label = f"{city.get('name_en', '')} {city.get('name_zh', '')} ({value})".strip()
            links = [{"href": f"#nb-{cells[(value, c)]}", "text": ", ".join(map(str, c)) or "profile"}
                     if (value, c) in cells else None for c in columns]  # fmt: skip
            rows.append({"label": label, "links": links})
        header = [", ".join(f"{n}={v}" for n, v in zip(column_names, c, strict=True)) or "" for c in columns]
        tables.append({"notebook": notebook, "title": (jobs[0].base or jobs[0].info).title, "row_name": row_name,
                       "columns": header, "rows": rows})  # fmt: skip
    return tables


def relative(path: Path | None, root: Path) -> str | None:
    if path is None:
        return None
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def plain_roles(roles: list[dict]) -> list[dict]:
    """City roles as the manifest records them: sector and place."""
    return [{"sector": r["sector"], "place": r["place"]} for r in roles]


def make_fingerprint(plan: Plan, folders: Folders, git: dict) -> str:
    """Hash of everything the published run depends on: each notebook's cache key, the runner's own code
    (which draws the page), the data (the appendix cites it), the git state and the run's parameters."""
    return cache_mod.sha256_json({
        "run": plan.run, "keys": {p.info.name: p.key for p in plan.notebooks},
        "runner": cache_mod.hash_tree(folders.helpers / "report"), "data": plan.inputs.data.files, "git": git,
        "params_file": relative(plan.params_file.path, folders.repo) if plan.params_file else None,
        "description": plan.params_file.description if plan.params_file else "", "settings": plan.settings,
    })  # fmt: skip


def is_up_to_date(target: Path, fingerprint: str) -> bool:
    """True when the published run was built from exactly these inputs and is still whole: every file the
    manifest records is there with its recorded hash (a deleted or edited figure makes the run rebuild)."""
    try:
        manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(manifest, dict) or manifest.get("fingerprint") != fingerprint:
        return False
    return (target / "index.html").is_file() and not cache_mod.damaged_files(target, manifest.get("files"))


def published_notebooks(target: Path) -> list[str]:
    """The sections (notebook or grid job names) of the run published at `target`; [] when there is none."""
    try:
        manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
        return [str(n["name"]) for n in manifest["notebooks"]]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def check_replaces(plan: Plan, target: Path, replace: bool) -> str | None:
    """Why this build may not publish over `target` (it lacks notebooks the published run holds, so it would
    replace a fuller report with a partial one), or None. `replace` (--replace) allows it."""
    lost = [name for name in published_notebooks(target) if name not in {p.info.name for p in plan.notebooks}]
    if not lost or replace:
        return None
    shown = ", ".join(lost[:10]) + (f" and {len(lost) - 10} more" if len(lost) > 10 else "")
    return (
        f"run {plan.run!r} ({target}) holds {len(lost)} notebook(s) this build does not: {shown}; publishing "
        f"would replace the fuller report. Build them all, choose another run with --run NAME, or pass --replace"
    )


def check_run_writable(target: Path) -> None:
    """The published run folder (when there is one) and its folders can be replaced.

    Raises:
        PublishError: naming the first folder that cannot be written.
    """
    if not target.exists():
        return
    for folder in [target, *sorted(p for p in target.rglob("*") if p.is_dir())]:
        if not os.access(folder, os.W_OK | os.X_OK):
            raise PublishError(f"cannot replace the report folder {folder}: it is not writable (locked)")


def check_assumptions_file(data_dir: Path) -> None:
    """Validate data/assumptions.yml (when the data folder has one) before any kernel starts: every notebook
    reads its values.

    Raises:
        ReadError: naming each bad key, as helpers.dictionary.load_assumptions finds it.
    """
    if not (Path(data_dir) / "assumptions.yml").is_file():
        return
    from helpers.dictionary import DataValidationError, load_assumptions  # not helpers.data: no pandas here

    try:
        load_assumptions(Path(data_dir))
    except DataValidationError as error:
        raise ReadError(str(error)) from None


def provenance_notice(sources: cache_mod.SourceTexts) -> str:
    """One line naming the sources whose text was not found (their figures are not checked), or ""."""
    unchecked = sources.unchecked
    if not unchecked:
        return ""
    where = sources.folder or "../shared/sources or $FUTURE_INDUSTRIES_SOURCES (no such folder)"
    shown = ", ".join(unchecked[:20]) + (f" and {len(unchecked) - 20} more" if len(unchecked) > 20 else "")
    return (
        f"provenance: {len(unchecked)} source text(s) not found in {where}, so their figures are NOT checked "
        f"against the text: {shown}"
    )


def prepare_assembly(folders: Folders) -> None:
    """Load what `assemble_report` needs and no notebook changes: the page template, compiled into the build's
    Jinja bytecode cache. The runner calls it once every notebook has started, beside the last ones, instead of
    after them; without it, the assembly does it itself. (The data's evidence needs no pandas: it is read from
    the records stored with the build's dataset, see helpers.dataset_cache. The page font needs no preparing:
    HarfBuzz subsets it in about 10 ms, see helpers.report.fonts.)"""
    from helpers.report.render import make_environment

    make_environment(folders.cache / "jinja").get_template("index.html.j2")


def assemble_report(plan: Plan, folders: Folders, staging: Path, git: dict, fingerprint: str,
                    err: TextIO | None = None) -> dict:  # fmt: skip
    """Fill `staging` with the run's files, index.html and the page's font subset (`fonts`: warnings to
    `err`); return the manifest (also written there)."""
    from helpers.report import fonts
    from helpers.report.environment import read_installed_versions
    from helpers.report.render import build_appendix, collect_section, load_evidence, render_index

    sections = []
    for planned in plan.notebooks:
        entry = Path(planned.record["path"])
        sections.append(
            collect_section(entry, staging, planned.info.name, planned.info.title, planned.parameters)
        )
    langs = {p.parameters.get("lang") for p in plan.notebooks if "lang" in p.parameters}
    lang = langs.pop() if len(langs) == 1 else "en"
    appendix = build_appendix(
        sections, folders.data, str(lang), load_evidence(folders.data, folders.datasets)
    )
    git = dict(git, commit_short=str(git["commit"])[:12])
    params_file = relative(plan.params_file.path, folders.repo) if plan.params_file else None
    context = {
        "run": plan.run, "html_lang": lang if lang in ("en", "zh-Hant", "zh-Hans") else "en",
        "description": plan.params_file.description if plan.params_file else "",
        "params_file": params_file, "settings": sorted((k, json.dumps(v, ensure_ascii=False) if not isinstance(v, str)
                                                        else v) for k, v in plan.settings.items()),
        "git": git, "parameter_rows": parameter_rows(plan), "sections": sections, **appendix,
        "unchecked_sources": plan.inputs.sources.unchecked,
        "grid_tables": grid_index(plan, folders.data),
    }  # fmt: skip
    source_font = fonts.find_font(err)
    context["page_font"] = fonts.FONT_FILE if source_font else None
    html = render_index(context, folders.cache / "jinja")
    (staging / "index.html").write_text(html, encoding="utf-8", newline="\n")
    font = fonts.write_font(source_font, html, staging, err) if source_font else None
    manifest = {
        "run": plan.run,
        "description": context["description"],
        "params_file": params_file,
        "settings": plan.settings,
        **({"grid": plan.grid} if plan.grid else {}),
        "parameters": {p.info.name: p.parameters for p in plan.notebooks},
        "git": {"commit": git["commit"], "dirty": git["dirty"]},
        "python": plan.inputs.python,
        "packages": read_installed_versions(KEY_PACKAGES),
        "inputs": {
            "helpers": plan.inputs.helpers,
            "requirements.lock": plan.inputs.lock,
            "data": plan.inputs.data.files,
            "notebooks": {p.info.name: p.info.sha256 for p in plan.notebooks},
        },
        "notebooks": [
            {
                "name": s.name,
                "title": s.title,
                **({"notebook": p.notebook, "grid": p.point} if p.point else {}),
                "status": "ok",
                "cache_key": p.key,
                "sectors": list(p.info.sectors) if p.info.sectors is not None else "all",
                "ipynb": s.ipynb,
                "html": s.html or None,
                "figures": [
                    {
                        "name": f.name,
                        "caption": f.caption,
                        "fact_ids": f.fact_ids,
                        "roles": plain_roles(f.roles),
                        "sources": list(f.sources),
                        "png": f.png,
                        "svg": f.svg,
                    }
                    for f in s.figures
                ],  # fmt: skip
                "tables": [
                    {
                        "name": t.name,
                        "caption": t.caption,
                        "fact_ids": t.fact_ids,
                        "roles": plain_roles(t.roles),
                        "sources": list(t.sources),
                        "csv": t.csv,
                        "rows": t.total_rows,
                    }
                    for t in s.tables
                ],
            }
            for s, p in zip(sections, plan.notebooks, strict=True)
        ],  # fmt: skip
        "provenance": {
            "sources_folder_found": plan.inputs.sources.folder is not None,
            "unchecked": plan.inputs.sources.unchecked,
        },
        "facts": [f["fact_id"] for f in appendix["facts"]],
        "roles": [{"sector": r["sector"], "place": r["place"]} for r in appendix["roles"]],
        "font": font,
        "fingerprint": fingerprint,
    }
    return manifest


def write_manifest(manifest: dict, plan: Plan, staging: Path, started: float) -> None:
    """Add the timing fields (the only ones that differ between two builds of the same inputs) and write."""
    manifest["timing"] = {
        "build_seconds": round(time.perf_counter() - started, 3),
        "notebooks": {
            p.info.name: {"executed": p.executed, "seconds": round(p.seconds if p.executed else p.record.get("seconds", 0), 3),
                          "why": p.reason}
            for p in plan.notebooks
        },
    }  # fmt: skip
    manifest["files"] = cache_mod.hash_files(staging, exclude=("manifest.json",))
    text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
    (staging / "manifest.json").write_text(text, encoding="utf-8", newline="\n")


def print_summary(plan: Plan, out: TextIO, target: Path, seconds: float, published: bool,
                  up_to_date: bool = False) -> None:  # fmt: skip
    """The one-screen summary: per notebook executed or cached, seconds, figures, tables, and why it ran."""
    rows = []
    for p in plan.notebooks:
        figures = tables = ""
        if p.record is not None and p.status == "ok":
            registry_path = Path(p.record["path"]) / "outputs" / "outputs.json"
            try:
                registry = json.loads(registry_path.read_text(encoding="utf-8"))
                figures, tables = str(len(registry.get("figures", []))), str(len(registry.get("tables", [])))
            except (OSError, ValueError):
                figures = tables = "0"
        state = (
            "executed"
            if p.executed and p.status == "ok"
            else "cached"
            if p.status == "ok"
            else p.status.upper()
        )
        seconds_text = (
            f"{p.seconds:.1f}" if p.executed else f"({p.record.get('seconds', 0):.1f})" if p.record else ""
        )
        why = p.reason if p.executed else ""
        rows.append((p.info.name, state, seconds_text, figures, tables, why))
    width = max([len("notebook")] + [len(r[0]) for r in rows])
    print(
        f"  {'notebook':<{width}}  {'status':<9} {'seconds':>7} {'figures':>7} {'tables':>6}  why", file=out
    )
    for name, state, secs, figures, tables, why in rows:
        print(f"  {name:<{width}}  {state:<9} {secs:>7} {figures:>7} {tables:>6}  {why}", file=out)
    executed = sum(p.executed for p in plan.notebooks)
    cached = sum(not p.executed and p.status == "ok" for p in plan.notebooks)
    tail = f"{executed} executed, {cached} cached, {seconds:.2f} s"
    if up_to_date:
        print(
            f"report {plan.run!r} is up to date: {relative(target / 'index.html', Path.cwd())} ({tail})",
            file=out,
        )
    elif published:
        print(f"report {plan.run!r}: {relative(target / 'index.html', Path.cwd())} ({tail})", file=out)
    else:
        print(f"report {plan.run!r} NOT updated ({tail})", file=out)


def print_failures(plan: Plan, out: TextIO, target: Path) -> None:
    """A few lines per failed notebook: notebook, cell and error, the failing line, where the notebook is kept."""
    failed = [p for p in plan.notebooks if p.status != "ok"]
    print(f"FAILED: {len(failed)} of {len(plan.notebooks)} notebook(s)", file=out)
    for p in failed:
        print(f"  {p.info.name}: {p.failure_text}", file=out)
        if p.failure_line:
            print(f"      > {p.failure_line}", file=out)
        if p.kept is not None:
            print(f"    executed notebook kept at {relative(p.kept, Path.cwd())}", file=out)
    state = "left untouched" if target.exists() else "not created"
    print(f"the last good report {relative(target, Path.cwd())}/ is {state}", file=out)


def build(options: BuildOptions, folders: Folders | None = None, out: TextIO | None = None,
          err: TextIO | None = None) -> int:  # fmt: skip
    """Build one report run; return the exit code (0 ok, 1 a notebook failed, 2 bad input, 3 run busy,
    130/143 interrupted). Messages go to `err`, the summary to `out` (default: stderr and stdout)."""
    started = time.perf_counter()
    folders = folders or Folders()
    out = out or sys.stdout
    err = err or sys.stderr
    old_handlers = interrupts.install()
    staging = None
    try:
        try:
            plan = plan_build(options, folders)
            check_writable(folders.reports)
        except (NotebookError, ParamsFileError, ParameterError, PublishError, ReadError) as error:
            print(f"error: {error}", file=err)
            return EXIT_USAGE
        target = folders.reports / plan.run
        notice = provenance_notice(plan.inputs.sources)
        if notice and os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
            print(f"error: {notice} (CI=true makes this an error)", file=err)
            return EXIT_USAGE
        if notice:
            print(f"warning: {notice}", file=err)
        try:
            lock = RunLock(folders.locks, plan.run).__enter__()
        except RunLockedError as error:
            print(f"error: {error}", file=err)
            return EXIT_LOCKED
        try:
            why = check_replaces(plan, target, options.replace)
            if why:
                print(f"error: {why}", file=err)
                return EXIT_USAGE
            try:
                check_run_writable(target)
            except PublishError as error:
                print(f"error: {error}", file=err)
                return EXIT_USAGE
            remove_stale_staging(folders.reports, plan.run)
            store = cache_mod.Cache(folders.cache)
            to_run = []
            for planned in plan.notebooks:
                planned.record = None if options.force else store.lookup(planned.info.name, planned.key)
                if planned.record is None:
                    to_run.append(planned)
                    damaged = store.damaged.get((planned.info.name, planned.key))
                    planned.reason = (
                        "forced (--force)"
                        if options.force
                        else f"cache entry damaged ({', '.join(damaged[:3])})"
                        if damaged
                        else cache_mod.describe_change(
                            store.latest_parts(planned.info.name), planned.parts, planned.info.sectors
                        )
                    )
            if to_run:
                with environment(kernel_environment(options, folders)):
                    server = start_kernel_server(to_run, options, folders)  # it loads while the checks run
                    try:
                        check_values(plan, to_run)
                        check_assumptions_file(folders.data)
                    except (ParameterError, ReadError) as error:
                        stop_kernel_server(server)
                        print(f"error: {error}", file=err)
                        return EXIT_USAGE
                    run_notebooks(plan, to_run, options, folders, err, server)
            interrupts.check()
            if any(p.status != "ok" for p in plan.notebooks):
                print_failures(plan, err, target)
                print_summary(plan, out, target, time.perf_counter() - started, published=False)
                return EXIT_FAILED
            from helpers.report.environment import read_git_state

            git = read_git_state(folders.repo)
            fingerprint = make_fingerprint(plan, folders, git)
            if not to_run and is_up_to_date(target, fingerprint):
                print_summary(
                    plan, out, target, time.perf_counter() - started, published=True, up_to_date=True
                )
                return EXIT_OK
            staging = staging_dir(folders.reports, plan.run)
            manifest = assemble_report(plan, folders, staging, git, fingerprint, err)
            write_manifest(manifest, plan, staging, started)
            interrupts.check()
            try:
                publish(staging, target)
            except PermissionError as error:
                print(f"error: cannot replace the report folder {target}: {error.strerror}", file=err)
                return EXIT_USAGE
            staging = None
            for planned in plan.notebooks:
                store.prune(planned.info.name, protect=(planned.key,))
            shutil.rmtree(folders.failed / plan.run, ignore_errors=True)
            print_summary(plan, out, target, time.perf_counter() - started, published=True)
            return EXIT_OK
        finally:
            lock.__exit__()
    except (KeyboardInterrupt, Interrupted) as interrupt:
        signum = interrupt.signum if isinstance(interrupt, Interrupted) else signal.SIGINT
        from helpers.report import kernels

        kernels.kill_kernels()
        kernels.stop_fork_server()
        print("interrupted: every kernel stopped; nothing was published, the last good report is untouched",
              file=err)  # fmt: skip
        return EXIT_SIGTERM if signum == signal.SIGTERM else EXIT_SIGINT
    except Exception as error:  # noqa: BLE001 - e.g. a registry that lists a missing file
        print(f"error: {type(error).__name__}: {error}", file=err)
        return EXIT_FAILED
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        interrupts.restore(old_handlers)

"""Command line of the report runner: build a run, list the notebooks' parameters, compare two runs.

python -m helpers.report                                # build the default run (same as `make report`)
python -m helpers.report build 01 quantum -p lang=zh-Hant -j 2 --force
python -m helpers.report build --params params/usd.yml  # its own run folder: reports/usd/
python -m helpers.report build --svg                    # also write every figure as SVG
python -m helpers.report build --params params/city-profiles.yml   # a grid: every city x 3 languages
python -m helpers.report build 08 --grid city=hefei,beijing --grid lang=en,zh-Hant --dask local
python -m helpers.report list                           # notebooks, declared parameters, defaults
python -m helpers.report diff default usd               # what changed between two runs
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

from helpers.report.config import DEFAULT_TIMEOUT_S, RUN_NAME_PATTERN, Folders, default_jobs

COMMANDS = ("build", "list", "diff")


def add_folder_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("folders (for tests and experiments)")
    group.add_argument(
        "--notebooks-dir", type=Path, help="folder of NN_*.ipynb notebooks (default: notebooks/)"
    )
    group.add_argument(
        "--reports-dir", type=Path, help="folder of report runs and the cache (default: reports/)"
    )
    group.add_argument(
        "--data-dir", type=Path, help="data folder hashed for the cache and cited (default: data/)"
    )


class PathError(ValueError):
    """A path argument outside where the runner may write."""


def check_reports_dir(path: Path, repo: Path) -> Path:
    """`path` resolved, when the runner may write there: inside the repository only reports/ (or a folder in
    it); outside it a new or empty folder, or one that already holds report runs (tests, experiments).

    Raises:
        PathError: naming the folder and what is allowed.
    """
    resolved = Path(path).resolve()
    reports = (repo / "reports").resolve()
    if resolved == reports or reports in resolved.parents:
        return resolved
    if resolved == repo.resolve() or repo.resolve() in resolved.parents:
        raise PathError(
            f"--reports-dir {path}: inside the repository the runner writes only to reports/ (or a folder in it)"
        )
    if resolved.is_dir():
        names = {p.name for p in resolved.iterdir()}
        is_reports = bool(names & {".cache", ".locks"}) or any(resolved.glob("*/manifest.json"))
        if names and not is_reports:
            raise PathError(
                f"--reports-dir {path}: a folder that holds other files, not report runs; give reports/, a new "
                "or empty folder, or one built before"
            )
    elif resolved.exists():
        raise PathError(f"--reports-dir {path}: not a folder")
    return resolved


def make_folders(args: argparse.Namespace) -> Folders:
    """The build's folders from the options (--reports-dir checked by check_reports_dir).

    Raises:
        PathError: a --reports-dir where the runner may not write.
    """
    defaults = Folders()
    reports = getattr(args, "reports_dir", None)
    return Folders(
        notebooks=(args.notebooks_dir or defaults.notebooks).resolve(),
        reports=check_reports_dir(reports, defaults.repo) if reports else defaults.reports.resolve(),
        data=(getattr(args, "data_dir", None) or defaults.data).resolve(),
    )


def check_number(name: str, value: float, low: float, integer: bool = False) -> str | None:
    """Why a numeric option is not allowed (NaN, infinite, below `low`), or None."""
    if not math.isfinite(value) or value < low:
        kind = "a whole number" if integer else "a finite number of seconds"
        return f"{name} must be {kind} of at least {low:g}; got {value!r}"
    return None


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.report",
        description="Execute the notebooks (cached, in parallel) and publish reports/<run>/index.html.",
        epilog="Without a command, 'build' is assumed. Exit codes: 0 ok, 1 a notebook failed, 2 bad input or a "
        "folder that cannot be written, 3 the run is being built by another process, 130/143 interrupted.",
    )
    commands = parser.add_subparsers(dest="command", metavar="{build,list,diff}")
    build = commands.add_parser("build", help="execute what changed and publish the run (default)")
    build.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                       help="only these notebooks: 01_quantum, 01 or quantum (default: all)")  # fmt: skip
    build.add_argument("-p", "--param", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                       help="set a parameter for every notebook that declares it, or NOTEBOOK.NAME=VALUE for one; "
                       "typed by its rule (horizon_year=2035, cities=hefei,beijing)")  # fmt: skip
    build.add_argument("--params", dest="params_files", type=Path, metavar="FILE", action="append", default=[],
                       help="YAML parameter file, e.g. params/usd.yml (its run folder: reports/usd/); "
                       "repeat to build several runs one after another")  # fmt: skip
    build.add_argument("--run", metavar="NAME", help="name of the run and of its folder reports/NAME/")
    build.add_argument("-j", "--jobs", type=int, default=default_jobs(), metavar="N",
                       help=f"notebooks executed at once (default: the cores, here {default_jobs()})")  # fmt: skip
    build.add_argument("--force", action="store_true", help="execute every notebook even when cached")
    build.add_argument("--replace", action="store_true",
                       help="let a build of only some notebooks replace a run that holds others")  # fmt: skip
    build.add_argument("--svg", action="store_true",
                       help="also write every figure as SVG (the page links it); off by default: PNG only")  # fmt: skip
    build.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, metavar="SECONDS",
                       help=f"per-notebook time limit (default: {DEFAULT_TIMEOUT_S:g})")  # fmt: skip
    build.add_argument(
        "--list", action="store_true", help="list the notebooks and their parameters, then stop"
    )
    build.add_argument("--no-progress", action="store_true", help="no progress bar")
    build.add_argument("--no-fork", action="store_true",
                       help="start each kernel as a new interpreter instead of forking a pre-loaded one")  # fmt: skip
    build.add_argument("--grid", action="append", default=[], metavar="NAME=V1,V2",
                       help="run every notebook declaring NAME once per value (repeat for a product: "
                       "--grid city=hefei,beijing --grid lang=en,zh-Hant; NAME=all: every allowed value, for city "
                       "every place id of data/cities.csv)")  # fmt: skip
    build.add_argument("--dask", metavar="ADDRESS",
                       help="execute on Dask distributed workers: 'local' for a LocalCluster on this machine, or a "
                       "scheduler address (tcp://host:8786)")  # fmt: skip
    build.add_argument("--dask-workers", type=int, metavar="N",
                       help="workers of --dask local (default: --jobs)")  # fmt: skip
    add_folder_options(build)
    listing = commands.add_parser(
        "list", help="list the notebooks with their declared parameters and defaults"
    )
    listing.add_argument("notebooks", nargs="*", metavar="NOTEBOOK")
    add_folder_options(listing)
    diff = commands.add_parser("diff", help="print and write what changed between two runs")
    diff.add_argument("run_a", metavar="RUN_A")
    diff.add_argument("run_b", metavar="RUN_B")
    diff.add_argument("--output", type=Path, metavar="FILE",
                      help="CSV to write (default: reports/diffs/RUN_A--RUN_B.csv)")  # fmt: skip
    diff.add_argument("--reports-dir", type=Path, help="folder of report runs (default: reports/)")
    return parser


def list_notebooks(args: argparse.Namespace) -> int:
    """Print each notebook with its declared parameters, defaults and what they accept."""
    from helpers.params import RULES
    from helpers.report.build import read_sector_ids
    from helpers.report.notebooks import NotebookError, find_notebooks, read_notebook, select_notebooks

    folders = make_folders(args)
    try:
        paths = select_notebooks(find_notebooks(folders.notebooks), args.notebooks)
        infos = [read_notebook(path, read_sector_ids(folders.data)) for path in paths]
    except NotebookError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not infos:
        print(f"no notebooks named NN_*.ipynb in {folders.notebooks}")
    for info in infos:
        reads = ", ".join(info.sectors) if info.sectors is not None else "all sectors"
        print(f"{info.name}  {info.title}  [reads {reads}]")
        width = max([len(name) for name in info.parameters] or [0])
        for name, parameter in info.parameters.items():
            rule = RULES.get(name)
            allowed = "set by the runner" if name == "output_dir" else rule.describe() if rule else "no rule"
            note = f"  # {parameter.help}" if parameter.help else ""
            print(f"    {name:<{width}} = {parameter.default!r:<14} {allowed}{note}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code. A closed output pipe (`list | head`) ends it quietly."""
    try:
        return run_command(argv)
    except BrokenPipeError:
        # the reader went away: point stdout at /dev/null so the interpreter's final flush stays quiet
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def run_command(argv: list[str] | None = None) -> int:
    """Parse `argv` and run the command."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help")):
        argv.insert(0, "build")
    args = make_parser().parse_args(argv)
    try:
        if args.command == "list" or (args.command == "build" and args.list):
            return list_notebooks(args)
        if args.command == "diff":
            from helpers.report.diff import diff_runs

            reports = (
                check_reports_dir(args.reports_dir, Folders().repo) if args.reports_dir else Folders().reports
            )
            for run in (args.run_a, args.run_b):
                if not RUN_NAME_PATTERN.match(run):
                    raise PathError(f"run {run!r}: a run name (a folder of {reports}), not a path")
            output = args.output.resolve() if args.output else None
            if output is not None and reports.resolve() not in output.parents:
                raise PathError(f"--output {args.output}: the diff is written inside {reports}")
            return diff_runs(reports, args.run_a, args.run_b, output)
        folders = make_folders(args)
    except PathError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    from helpers.report.build import BuildOptions, build

    problems = [
        check_number("--jobs", args.jobs, 1, integer=True),
        check_number("--timeout", args.timeout, 0.001),
        check_number("--dask-workers", args.dask_workers, 1, integer=True)
        if args.dask_workers is not None
        else None,
        "--run names one run; give it with a single --params file"
        if args.run and len(args.params_files) > 1
        else None,
    ]
    problems = [p for p in problems if p]
    if problems:
        print("\n".join(f"error: {p}" for p in problems), file=sys.stderr)
        return 2
    codes = []
    for params_file in args.params_files or [None]:
        if len(args.params_files) > 1:
            print(f"== {params_file}", flush=True)
        options = BuildOptions(
            notebooks=args.notebooks, settings=args.settings, params_file=params_file, run=args.run,
            jobs=args.jobs, force=args.force, timeout_s=args.timeout, progress=False if args.no_progress else None,
            fork=not args.no_fork, grid=args.grid, dask=args.dask, dask_workers=args.dask_workers,
            replace=args.replace,
            svg=args.svg,
        )  # fmt: skip
        codes.append(build(options, folders))
        if codes[-1] >= 128:  # interrupted: do not start the next run
            break
    return max(codes)


def exit_now(code: int) -> None:
    """End the process with `code` once the command has finished: logging and the output streams flushed, then
    `os._exit`, without the interpreter's teardown of every module a build loaded (nbconvert, jupyter_client,
    pandas ...), which kept the shell waiting about 0.16 s after each build. Nothing is left to clean by then:
    files are closed, kernels and the fork server stopped, a Dask client and its LocalCluster closed; the
    interpreter's exit functions left (zmq, jupyter_client's heartbeat, tqdm's monitor, multiprocessing) only
    note the exit or join children that have ended."""
    import logging

    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed or broken pipe: nothing more can reach the reader
            pass
    os._exit(code)


if __name__ == "__main__":
    exit_now(main())

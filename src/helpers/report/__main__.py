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
import sys
from pathlib import Path

from helpers.report.config import DEFAULT_TIMEOUT_S, Folders, default_jobs

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


def make_folders(args: argparse.Namespace) -> Folders:
    defaults = Folders()
    return Folders(
        notebooks=(args.notebooks_dir or defaults.notebooks).resolve(),
        reports=(getattr(args, "reports_dir", None) or defaults.reports).resolve(),
        data=(getattr(args, "data_dir", None) or defaults.data).resolve(),
    )


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.report",
        description="Execute the notebooks (cached, in parallel) and publish reports/<run>/index.html.",
        epilog="Without a command, 'build' is assumed. Exit codes: 0 ok, 1 a notebook failed, 2 bad input, "
        "3 the run is being built by another process, 130/143 interrupted.",
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
    """Run the command line; return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help")):
        argv.insert(0, "build")
    args = make_parser().parse_args(argv)
    if args.command == "list" or (args.command == "build" and args.list):
        return list_notebooks(args)
    if args.command == "diff":
        from helpers.report.diff import diff_runs

        reports = (args.reports_dir or Folders().reports).resolve()
        return diff_runs(reports, args.run_a, args.run_b, args.output)
    from helpers.report.build import BuildOptions, build

    if args.jobs < 1:
        print("error: --jobs must be at least 1", file=sys.stderr)
        return 2
    if args.timeout <= 0:
        print("error: --timeout must be positive", file=sys.stderr)
        return 2
    if args.dask_workers is not None and args.dask_workers < 1:
        print("error: --dask-workers must be at least 1", file=sys.stderr)
        return 2
    if args.run and len(args.params_files) > 1:
        print("error: --run names one run; give it with a single --params file", file=sys.stderr)
        return 2
    codes = []
    for params_file in args.params_files or [None]:
        if len(args.params_files) > 1:
            print(f"== {params_file}", flush=True)
        options = BuildOptions(
            notebooks=args.notebooks, settings=args.settings, params_file=params_file, run=args.run,
            jobs=args.jobs, force=args.force, timeout_s=args.timeout, progress=False if args.no_progress else None,
            fork=not args.no_fork, grid=args.grid, dask=args.dask, dask_workers=args.dask_workers,
            svg=args.svg,
        )  # fmt: skip
        codes.append(build(options, make_folders(args)))
        if codes[-1] >= 128:  # interrupted: do not start the next run
            break
    return max(codes)


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark of the report runner on the real notebooks: prints times, ratios and peak memory (not a test).

    .venv/bin/python benchmarks/bench_report.py            # or: make benchmark
    .venv/bin/python benchmarks/bench_report.py --quick    # skip the papermill loop and the plain scripts
    .venv/bin/python benchmarks/bench_report.py --part grid                       # only the grid (below)
    .venv/bin/python benchmarks/bench_report.py --part grid --grid-params FILE    # another grid

Measured, each as the wall time of whole commands (interpreter start included), in a temporary folder (the
repository's reports/ is not touched; notebooks are copied so one can be edited):

1. cold build with one job, then with every core (empty cache), each `--repeat` times (default 3: the median
   counts, every run's seconds are printed; the papermill loop and the scripts run once, being long enough);
2. no-change rebuild (best of three);
3. rebuild after one notebook changed (a markdown cell appended to 04);
4. the `papermill` command run over the same notebooks one after another;
5. the notebooks exported with `jupyter nbconvert --to script` (export not timed), run one after another;
6. the grid of params/city-profiles.yml (every city x 3 languages of 08_city_profile), cold, three ways: the
   local executor with one job and with every core, and a two-worker Dask LocalCluster (`--dask local`);
   with the seconds per profile.

The cold builds also record how long each `OutputSink.save_figure` and `save_table` took (the kernels append a
line per save to the file named by $FUTURE_INDUSTRIES_TIMINGS): the summary gives the median seconds per figure
and per table of each kind (over all its repeats), beside the ratios.

CPU seconds are the user and system time of the command's whole process tree (kernels included: each level
reaps its children), which other work on the machine skews far less than wall time.

Peak memory is measured in runs of its own: one more cold build of each kind, whose seconds do not count. The sampler
walks the command's process tree: the sum of RSS ten times a second (shared pages are counted in every process,
so forked kernels are over-counted) and the sum of PSS every 0.4 s (each shared page split between the
processes sharing it: what the tree really occupies). Reading every process's memory map costs CPU: 0.4 s in a
12 s two-job build, which it slowed by about 0.3 s (three builds each way), while the one-process papermill loop
leaves it a free core; so no timed run of measurements 1-5 is sampled (until 2026-12-06 every run was, which
made the two-job build look about 0.3 s slower against the loop than it is), and their other rows print no
memory. The grid (6) samples its runs, as before.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
AIMS = {
    "cold vs scripts": "cold build (all cores) no slower than the plain scripts: ratio <= 1",
    "cold vs papermill": "cold build (all cores) at most 0.2x the papermill loop",
    "no-change": "no-change rebuild under 0.5 s",
    "figure": "median seconds per figure at most 0.28 s (a quarter of about 1.1 s before issue 15)",
    "memory": "peak memory under 600 MB",
}


@dataclass
class Measure:
    label: str
    seconds: float
    peak_rss_mb: float
    peak_pss_mb: float
    cpu_seconds: float = float("nan")  # user + system time of the command's process tree


class MemorySampler(threading.Thread):
    """Samples the RSS and PSS sums of a process and its descendants until stopped."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_rss = 0
        self.peak_pss = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        tick = 0
        while not self.stopped.wait(0.05 if tick == 0 else 0.1):
            tick += 1
            with_pss = tick % 4 == 1  # reading smaps for PSS costs more: first sample, then every 0.4 s
            try:
                root = psutil.Process(self.pid)
                processes = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
            rss = pss = 0
            for process in processes:
                try:
                    if with_pss:
                        info = process.memory_full_info()
                        pss += getattr(info, "pss", info.rss)
                    else:
                        info = process.memory_info()
                    rss += info.rss
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
            self.peak_rss = max(self.peak_rss, rss)
            if with_pss:
                self.peak_pss = max(self.peak_pss, pss)


def run_measured(label: str, commands: list[list[str]], env: dict[str, str], cwd: Path,
                 memory: bool = False) -> Measure:  # fmt: skip
    """Run `commands` one after another; return their total wall time and CPU seconds, and with `memory` the
    peak memory of any of them (else NaN: the sampler's own CPU would slow what is timed, see the module
    docstring).

    Raises:
        SystemExit: a command failed (its output is printed).
    """
    total, peak_rss, peak_pss = 0.0, 0, 0
    load = os.getloadavg()[0]  # other work on the machine skews every figure: shown with each
    before = resource.getrusage(resource.RUSAGE_CHILDREN)  # every process reaped below adds its tree's CPU
    for command in commands:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True)  # fmt: skip
        sampler = MemorySampler(process.pid) if memory else None
        if sampler is not None:
            sampler.start()
        output, _ = process.communicate()
        total += time.perf_counter() - started
        if sampler is not None:
            sampler.stopped.set()
            sampler.join()
            peak_rss, peak_pss = max(peak_rss, sampler.peak_rss), max(peak_pss, sampler.peak_pss)
        if process.returncode != 0:
            print(
                f"{label}: {' '.join(command)} failed ({process.returncode}):\n{output[-3000:]}",
                file=sys.stderr,
            )
            raise SystemExit(1)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    nan = float("nan")
    measure = Measure(
        label, total, peak_rss / 2**20 if memory else nan, peak_pss / 2**20 if memory else nan, cpu
    )
    peaks = (f"peak RSS {measure.peak_rss_mb:6.0f} MB   PSS {measure.peak_pss_mb:6.0f} MB" if memory
             else "(memory not sampled)")  # fmt: skip
    print(f"  {label:<34} {measure.seconds:8.2f} s   CPU {cpu:7.1f} s   {peaks}   (load before: {load:.1f})",
          flush=True)  # fmt: skip
    return measure


@dataclass
class SaveTimes:
    """The seconds of each figure and table a build saved (from its $FUTURE_INDUSTRIES_TIMINGS file)."""

    label: str
    figures: list[float]
    tables: list[float]

    @classmethod
    def read(cls, label: str, path: Path) -> SaveTimes:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        return cls(label, [r["seconds"] for r in rows if r["kind"] == "figure"],
                   [r["seconds"] for r in rows if r["kind"] == "table"])  # fmt: skip

    @staticmethod
    def median(values: list[float]) -> float:
        return statistics.median(values) if values else float("nan")


def median_measure(runs: list[Measure], label: str, memory: Measure) -> Measure:
    """One measure of repeated timed runs and one run sampled for memory: the median seconds and CPU seconds of
    the timed runs (printed: every run's seconds), the peaks of the memory run."""
    seconds = [m.seconds for m in runs]
    print(f"    (median of {len(runs)}: {statistics.median(seconds):.2f} s; runs "
          f"{', '.join(f'{t:.2f}' for t in seconds)})")  # fmt: skip
    return Measure(f"{label} (median of {len(runs)})", statistics.median(seconds), memory.peak_rss_mb,
                   memory.peak_pss_mb, statistics.median(m.cpu_seconds for m in runs))  # fmt: skip


def report_command(notebooks: Path, reports: Path, *extra: str) -> list[str]:
    return [PYTHON, "-m", "helpers.report", "build", "--notebooks-dir", str(notebooks), "--reports-dir",
            str(reports), "--no-progress", *extra]  # fmt: skip


def export_scripts(notebooks: list[Path], target: Path, outputs: Path, env: dict[str, str]) -> list[Path]:
    """Export each notebook to a plain script writing its outputs under `outputs` (not timed)."""
    subprocess.run([PYTHON, "-m", "jupyter", "nbconvert", "--to", "script", "--output-dir", str(target),
                    *map(str, notebooks)], env=env, check=True, capture_output=True)  # fmt: skip
    scripts = []
    for notebook in notebooks:
        script = target / f"{notebook.stem}.py"
        text = script.read_text(encoding="utf-8")
        folder = json.dumps(str(outputs / notebook.stem))
        text = re.sub(r"^output_dir\s*=.*$", f"output_dir = {folder}", text, count=1, flags=re.MULTILINE)
        text = "from IPython.display import display  # a builtin in a kernel, not in a script\n" + text
        script.write_text(text, encoding="utf-8")
        scripts.append(script)
    return scripts


def append_markdown_cell(path: Path) -> None:
    """Change a notebook without changing what it computes."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    notebook["cells"].append({"cell_type": "markdown", "id": "bench-touch", "metadata": {},
                              "source": "Touched by the benchmark."})  # fmt: skip
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def print_summary(measures: dict[str, Measure], jobs: int, saves: list[SaveTimes] = ()) -> None:
    """Ratios against the aims, the median seconds per figure and table, then Markdown tables for the README."""
    cold = measures["cold_n"].seconds
    print("\nratios")
    for times in saves:
        print(f"  median s/figure, {times.label:<22} {times.median(times.figures):6.3f} s (aim <= 0.28 s; "
              f"{len(times.figures)} figures)")  # fmt: skip
        print(f"  median s/table, {times.label:<23} {times.median(times.tables):6.3f} s "
              f"({len(times.tables)} tables)")  # fmt: skip
    print(f"  cold 1 job / cold {jobs} jobs            {measures['cold_1'].seconds / cold:6.2f}")
    if "scripts" in measures:
        print(f"  cold {jobs} jobs / plain scripts         {cold / measures['scripts'].seconds:6.2f}   "
              f"(aim <= 1)")  # fmt: skip
        print(f"  cold {jobs} jobs / papermill loop        {cold / measures['papermill'].seconds:6.3f}   "
              f"(aim <= 0.2: three decimals, so that 0.204 does not print as 0.20)")  # fmt: skip
        print(f"  CPU seconds, cold {jobs} jobs / loop     "
              f"{measures['cold_n'].cpu_seconds / measures['papermill'].cpu_seconds:6.2f}   (the work, whatever the load)")  # fmt: skip
    print(f"  no-change rebuild                     {measures['nochange'].seconds:6.2f} s (aim < 0.5 s)")
    peak = max(m.peak_pss_mb for m in measures.values() if m.label.startswith("cold"))
    print(f"  peak PSS of a build                   {peak:6.0f} MB (aim < 600 MB)")
    print("\n| measurement | seconds | CPU seconds | peak RSS sum (MB) | peak PSS sum (MB) |")
    print("|---|---:|---:|---:|---:|")
    for measure in measures.values():
        rss, pss = (("—", "—") if measure.peak_pss_mb != measure.peak_pss_mb  # NaN: not sampled
                    else (f"{measure.peak_rss_mb:.0f}", f"{measure.peak_pss_mb:.0f}"))  # fmt: skip
        print(f"| {measure.label} | {measure.seconds:.2f} | {measure.cpu_seconds:.1f} | {rss} | {pss} |")
    if saves:
        print("\n| saved in | figures | median s/figure | tables | median s/table |")
        print("|---|---:|---:|---:|---:|")
        for times in saves:
            print(f"| {times.label} | {len(times.figures)} | {times.median(times.figures):.3f} | {len(times.tables)} | "
                  f"{times.median(times.tables):.3f} |")  # fmt: skip


def count_profiles(reports: Path) -> int:
    """The jobs of the run just built under `reports` (its only run folder)."""
    manifests = [p for p in reports.glob("*/manifest.json") if not p.parent.name.startswith(".")]
    return len(json.loads(manifests[0].read_text(encoding="utf-8"))["notebooks"]) if manifests else 0


def bench_grid(
    tmp: Path, notebooks: Path, params: Path, jobs: int, env: dict[str, str]
) -> dict[str, Measure]:
    """Cold builds of a parameter grid: local executor with 1 and `jobs` jobs, then `--dask local` with two
    workers; prints the seconds per profile and a Markdown table."""
    measures: dict[str, Measure] = {}
    ways = {
        "grid_1": ("grid, local executor, 1 job", ["-j", "1"]),
        "grid_n": (f"grid, local executor, {jobs} jobs", ["-j", str(jobs)]),
        "grid_dask": ("grid, Dask LocalCluster, 2 workers", ["--dask", "local", "--dask-workers", "2"]),
    }
    profiles = 0
    for key, (label, extra) in ways.items():
        reports = tmp / key
        command = report_command(notebooks, reports, "--params", str(params), *extra)
        measures[key] = run_measured(label, [command], env, REPO, memory=True)
        profiles = count_profiles(reports)
    print(f"\ngrid of {params.name}: {profiles} profiles")
    print("\n| grid build | seconds | seconds per profile | peak RSS sum (MB) | peak PSS sum (MB) |\n"
          "|---|---:|---:|---:|---:|")  # fmt: skip
    for measure in measures.values():
        per = measure.seconds / profiles if profiles else float("nan")
        print(f"| {measure.label} | {measure.seconds:.1f} | {per:.2f} | {measure.peak_rss_mb:.0f} | "
              f"{measure.peak_pss_mb:.0f} |")  # fmt: skip
    return measures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--jobs", type=int, default=len(os.sched_getaffinity(0)), help="jobs of the parallel build"
    )
    parser.add_argument("--quick", action="store_true", help="skip the papermill loop and the plain scripts")
    parser.add_argument("--keep", type=Path, help="copy the temporary folder here at the end")
    parser.add_argument("--repeat", type=int, default=3,
                        help="cold builds of each kind, each into an empty folder: their median counts, the "
                             "figures and tables of all of them give the medians per save (default 3)")  # fmt: skip
    parser.add_argument("--part", choices=("all", "notebooks", "grid"), default="all",
                        help="notebooks: measurements 1-5; grid: the parameter grid (6); all: both")  # fmt: skip
    parser.add_argument("--grid-params", type=Path, default=REPO / "params" / "city-profiles.yml",
                        help="parameter file of the grid (default: params/city-profiles.yml)")  # fmt: skip
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1; got {args.repeat}")
    sources = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if not sources:
        print("no notebooks to measure in notebooks/", file=sys.stderr)
        return 1
    env = dict(os.environ)
    cache = REPO / ".cache"
    env.setdefault("MPLCONFIGDIR", str(cache / "matplotlib"))
    env.setdefault("IPYTHONDIR", str(cache / "ipython"))
    env.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # measure with bytecode caching, as in a default Python setup
    env.pop("FUTURE_INDUSTRIES_TIMINGS", None)  # set per build below
    env.pop("FUTURE_INDUSTRIES_SVG", None)  # PNG only, as a default build
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    load = os.getloadavg()[0]
    print(
        f"{len(sources)} notebooks, {os.cpu_count()} cores, parallel jobs {args.jobs}, load average {load:.1f}"
    )
    measures: dict[str, Measure] = {}
    with tempfile.TemporaryDirectory(prefix="bench-report-") as folder:
        tmp = Path(folder)
        notebooks = tmp / "notebooks"
        notebooks.mkdir()
        for source in sources:
            shutil.copy(source, notebooks / source.name)
        copies = sorted(notebooks.glob("*.ipynb"))
        if args.part == "grid":
            bench_grid(tmp, notebooks, args.grid_params.resolve(), args.jobs, env)
            if args.keep:
                shutil.copytree(tmp, args.keep, dirs_exist_ok=True)
            return 0
        timed = {key: tmp / f"timings-{key}.jsonl" for key in ("cold_1", "cold_n")}
        for key, label, jobs in (
            ("cold_1", "cold build, 1 job", 1),
            ("cold_n", f"cold build, {args.jobs} jobs", args.jobs),
        ):
            runs = []
            for i in range(
                args.repeat
            ):  # each into an empty reports folder (the last one, rn, is kept below)
                reports = tmp / (("r1" if jobs == 1 else "rn") + ("" if i == args.repeat - 1 else f"-{i}"))
                runs.append(run_measured(label, [report_command(notebooks, reports, "-j", str(jobs))],
                                         dict(env, FUTURE_INDUSTRIES_TIMINGS=str(timed[key])), REPO))  # fmt: skip
            sampled = run_measured(f"{label}, memory", [report_command(notebooks, tmp / f"memory-{key}", "-j",
                                   str(jobs))], env, REPO, memory=True)  # fmt: skip
            measures[key] = median_measure(runs, label, sampled)
        saves = [SaveTimes.read(label, timed[key]) for key, label in
                 (("cold_1", "cold build, 1 job"), ("cold_n", f"cold build, {args.jobs} jobs"))]  # fmt: skip
        runs = [
            run_measured("no-change rebuild", [report_command(notebooks, tmp / "rn")], env, REPO)
            for _ in range(3)
        ]
        best = min(runs, key=lambda m: m.seconds)
        measures["nochange"] = Measure("no-change rebuild (best of 3)", best.seconds, best.peak_rss_mb,
                                       best.peak_pss_mb, best.cpu_seconds)  # fmt: skip
        print(f"    (median {statistics.median(m.seconds for m in runs):.2f} s)")
        touched = next((p for p in copies if p.stem.startswith("04")), copies[0])
        append_markdown_cell(touched)
        measures["one"] = run_measured(f"one notebook changed ({touched.stem})",
                                       [report_command(notebooks, tmp / "rn", "-j", str(args.jobs))], env, REPO)  # fmt: skip
        if not args.quick:
            loop = [[PYTHON, "-m", "papermill", str(p), str(tmp / "pm" / p.name), "-p", "output_dir",
                     str(tmp / "pm" / p.stem), "--cwd", str(notebooks), "--no-progress-bar"] for p in copies]  # fmt: skip
            (tmp / "pm").mkdir()
            measures["papermill"] = run_measured("papermill command, one by one", loop, env, REPO)
            scripts = export_scripts(copies, tmp / "scripts", tmp / "script-out", env)
            script_env = dict(env, MPLBACKEND="Agg")
            measures["scripts"] = run_measured("plain scripts, one by one",
                                               [[PYTHON, str(s)] for s in scripts], script_env, notebooks)  # fmt: skip
        if args.part == "all":
            bench_grid(tmp, notebooks, args.grid_params.resolve(), args.jobs, env)
        if args.keep:
            shutil.copytree(tmp, args.keep, dirs_exist_ok=True)
    print_summary(measures, args.jobs, saves)
    return 0


if __name__ == "__main__":
    sys.exit(main())

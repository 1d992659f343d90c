"""Adversarial inputs and faults (issue 14): what a tired user, a careless script and a hostile file would do.

Every case asserts the exit code, that the message names the file, line, column or parameter at fault, and that
the last good report is byte for byte as it was (or, for a damaged cache or published file, rebuilt to the same
bytes: every file but the manifest's timing). The last good report is built ONCE per session on the tiny fixture
notebooks of tests/fixtures/report (standard library only); each case works on a copy of that workspace.
Data-layer cases validate a copy of the small hand-made dataset tests/fixtures/evidence with
`python -m helpers.data` (helpers.data.main).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from helpers import data as data_mod
from helpers import paths as paths_mod
from helpers.paths import LOCK_FILE, REPO_ROOT
from helpers.report.__main__ import main
from helpers.report.config import Folders

REPORT_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "report"
EVIDENCE = Path(__file__).resolve().parent / "fixtures" / "evidence"
RUN = "default"


@dataclass
class Result:
    code: int
    out: str
    err: str


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def without_timing(files: dict[str, bytes]) -> dict[str, object]:
    """A run's files with the manifest's timing (the one part that differs between two builds) left out."""
    manifest = json.loads(files["manifest.json"])
    manifest.pop("timing")
    return {**{k: v for k, v in files.items() if k != "manifest.json"}, "manifest.json": manifest}


def as_executed_again(files: dict[str, bytes]) -> dict[str, object]:
    """What a notebook executed again reproduces byte for byte: every file but the executed notebooks (papermill
    stamps their start and end times) and the manifest's timing and file hashes (which cover those)."""
    kept = without_timing({k: v for k, v in files.items() if not k.startswith("notebooks/")})
    kept["manifest.json"].pop("files")  # type: ignore[union-attr]
    return kept


def folder_args(folders: Folders) -> list[str]:
    return ["--no-progress", "--notebooks-dir", str(folders.notebooks), "--reports-dir", str(folders.reports),
            "--data-dir", str(folders.data)]  # fmt: skip


def run_main(argv: list[str]) -> Result:
    """helpers.report's command line in this process (no interpreter start-up per case)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as stop:  # argparse
            code = int(stop.code or 0)
    return Result(code, out.getvalue(), err.getvalue())


def build(folders: Folders, *args: str) -> Result:
    return run_main(["build", *args, *folder_args(folders)])


@pytest.fixture(scope="session")
def last_good(tmp_path_factory) -> Folders:
    """The last good report: the fixture workspace built once (its cache filled)."""
    root = tmp_path_factory.mktemp("adversarial")
    for name in ("notebooks", "data", "helpers_stub"):
        shutil.copytree(REPORT_FIXTURES / name, root / name)
    folders = Folders(notebooks=root / "notebooks", reports=root / "reports", data=root / "data",
                      helpers=root / "helpers_stub", lock=LOCK_FILE, repo=REPO_ROOT)  # fmt: skip
    result = build(folders)
    assert result.code == 0, result.err
    return folders


@pytest.fixture
def ws(last_good: Folders, tmp_path: Path) -> Folders:
    """A private copy of the last good workspace (report and cache included)."""
    root = tmp_path / "ws"
    shutil.copytree(last_good.notebooks.parent, root, symlinks=True)
    return replace(last_good, notebooks=root / "notebooks", reports=root / "reports", data=root / "data",
                   helpers=root / "helpers_stub")  # fmt: skip


@pytest.fixture
def good(ws: Folders) -> dict[str, bytes]:
    return snapshot(ws.reports / RUN)


def assert_named(result: Result, code: int, fragments: list[str]) -> None:
    text = result.err + result.out
    assert result.code == code, text
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in:\n{text}"
    assert "Traceback" not in text


# -- parameters and options (checked before any kernel starts) -----------------------------------------------

OPTION_CASES = {
    "cny_per_usd NaN": (["-p", "cny_per_usd=nan"], ["'cny_per_usd'", "nan"]),
    "cny_per_usd inf": (["-p", "cny_per_usd=inf"], ["'cny_per_usd'", "inf"]),
    "cny_per_usd -inf": (["-p", "cny_per_usd=-inf"], ["'cny_per_usd'", "-inf"]),
    "cny_per_usd overflow": (["-p", "cny_per_usd=1e999"], ["'cny_per_usd'", "inf"]),
    "cny_per_usd text": (["-p", "cny_per_usd=abc"], ["'cny_per_usd'", "'abc'"]),
    "cny_per_usd zero": (["-p", "cny_per_usd=0"], ["'cny_per_usd'", "0.01"]),
    "cny_per_usd negative": (["-p", "01.cny_per_usd=-7"], ["01_quantum", "'cny_per_usd'", "-7"]),
    "horizon_year fraction": (["-p", "horizon_year=2030.5"], ["'horizon_year'", "2030.5"]),
    "horizon_year NaN": (["-p", "horizon_year=nan"], ["'horizon_year'", "'nan'"]),
    "horizon_year out of range": (["-p", "horizon_year=3000"], ["'horizon_year'", "2050", "3000"]),
    "n_draws NaN": (["-p", "07.n_draws=nan"], ["07_synthesis", "'n_draws'", "'nan'"]),
    "n_draws huge": (["-p", "n_draws=10000000"], ["'n_draws'", "100000"]),
    "lang unknown": (["-p", "lang=fr"], ["'lang'", "'fr'"]),
    "currency unknown": (["-p", "currency=EUR"], ["'currency'", "'EUR'"]),
    "unknown parameter": (["-p", "colour=red"], ["'colour'"]),
    "runner's own parameter": (["-p", "output_dir=/tmp/x"], ["'output_dir'", "set by the report runner"]),
    "setting without =": (["-p", "lang"], ["'lang'", "name=value"]),
    "setting without a name": (["-p", "=en"], ["name=value"]),
    "unknown notebook prefix": (["-p", "99.lang=en"], ["99"]),
    "timeout NaN": (["--timeout", "nan"], ["--timeout", "nan"]),
    "timeout inf": (["--timeout", "inf"], ["--timeout", "inf"]),
    "timeout negative": (["--timeout", "-5"], ["--timeout", "-5"]),
    "timeout zero": (["--timeout", "0"], ["--timeout"]),
    "jobs zero": (["-j", "0"], ["--jobs", "0"]),
    "dask workers zero": (["--dask", "local", "--dask-workers", "0"], ["--dask-workers"]),
    "unknown notebook": (["99_nothing"], ["99_nothing"]),
    "run name a path": (["--run", "../escape"], ["run name", "../escape"]),
    "run name hidden": (["--run", ".hidden"], ["run name", ".hidden"]),
    "run name reserved": (["--run", "diffs"], ["'diffs'", "reserved"]),
    "run name too long": (["--run", "x" * 200], ["run name"]),
    "grid name no notebook declares": (["--grid", "city=hefei"], ["'city'"]),
    "grid value outside its set": (["--grid", "lang=en,fr"], ["'lang'", "'fr'"]),
    "grid without values": (["--grid", "lang"], ["--grid", "'lang'"]),
    "grid of the runner's parameter": (["--grid", "output_dir=a,b"], ["'output_dir'"]),
    "partial build over the full run": (
        ["01", "--run", RUN],
        ["'default'", "04_bci", "07_synthesis", "--replace"],
    ),
    "params file missing": (["--params", "/nonexistent/params.yml"], ["/nonexistent/params.yml"]),
}


@pytest.mark.parametrize("case", OPTION_CASES)
def test_bad_option_is_a_clear_error(ws: Folders, good: dict, case: str) -> None:
    args, fragments = OPTION_CASES[case]
    assert_named(build(ws, *args), 2, fragments)
    assert snapshot(ws.reports / RUN) == good


def test_nan_weight_is_refused_before_any_kernel(ws: Folders, good: dict) -> None:
    source = (ws.notebooks / "07_synthesis.ipynb").read_text(encoding="utf-8")
    (ws.notebooks / "07_synthesis.ipynb").write_text(
        source.replace("n_draws = 100  #", "weights = {}  # indicator weights\\nn_draws = 100  #"),
        encoding="utf-8",
    )
    assert_named(build(ws, "-p", "weights={a: .nan, b: 1}", "--run", "w"), 2, ["'weights'", "nan"])
    assert_named(build(ws, "-p", "weights={a: -1}", "--run", "w"), 2, ["'weights'", "-1"])
    assert not (ws.reports / "w").exists()
    assert snapshot(ws.reports / RUN) == good


# -- parameter files -----------------------------------------------------------------------------------------

ALIAS_BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True)
)  # 483 bytes, 9^9 values expanded
PARAMS_CASES = {
    "alias bomb": (ALIAS_BOMB, ["alias bomb"]),
    "too many aliases": ("x: &x 1\n" + "".join(f"k{i}: *x\n" for i in range(200)), ["aliases"]),
    "larger than a megabyte": ("description: '" + "x" * 1_100_000 + "'\n", ["larger than"]),
    "nested too deeply": ("parameters: " + "[" * 200 + "]" * 200 + "\n", ["nested"]),
    "not UTF-8": (b"description: \xff\xfe caf\xe9\n", ["expected UTF-8", "line 1"]),
    "not YAML": ("parameters: [unclosed\n", ["line 2", "not valid YAML"]),
    "a list, not a mapping": ("- a\n- b\n", ["must be a mapping"]),
    "unknown top-level key": ("currency: USD\n", ["'currency'"]),
    "NaN rate": ("parameters: {cny_per_usd: .nan}\n", ["'cny_per_usd'", "nan"]),
    "infinite rate": ("parameters: {cny_per_usd: .inf}\n", ["'cny_per_usd'", "inf"]),
    "rate as text": ("parameters: {cny_per_usd: seven}\n", ["'cny_per_usd'", "'seven'"]),
    "horizon as bool": ("parameters: {horizon_year: yes}\n", ["'horizon_year'", "bool"]),
    "parameters a list": ("parameters: [1, 2]\n", ["'parameters'"]),
    "empty grid list": ("grid: {lang: []}\n", ["grid 'lang'", "non-empty list"]),
    "run name a path": ("run: ../../etc\n", ["run name", "../../etc"]),
    "run name not text": ("run: [a, b]\n", ["'run'"]),
    "python object tag": (
        "description: !!python/object/apply:os.system ['echo hacked']\n",
        ["not valid YAML"],
    ),
    "NUL bytes": (b"\x00\x01\x02binary", ["params.yml"]),
    "partial build over the full run": (
        "run: default\nnotebooks: [04_bci]\n",
        ["'default'", "01_quantum", "--replace"],
    ),
    "notebook section names no notebook": ("notebooks:\n  42: {lang: en}\n", ["'42'"]),
}


@pytest.mark.parametrize("case", PARAMS_CASES)
def test_bad_parameter_file_is_a_clear_error(ws: Folders, good: dict, tmp_path: Path, case: str) -> None:
    content, fragments = PARAMS_CASES[case]
    path = tmp_path / "params.yml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    assert_named(build(ws, "--params", str(path)), 2, fragments)
    assert snapshot(ws.reports / RUN) == good


def test_many_problems_are_capped_at_fifty(ws: Folders, good: dict, tmp_path: Path) -> None:
    path = tmp_path / "params.yml"
    path.write_text("notebooks:\n  01_quantum:\n" + "".join(f"    p{i:05}: 1\n" for i in range(20_000)))
    result = build(ws, "--params", str(path))
    assert_named(result, 2, ["01_quantum: unknown parameter 'p00000'", "... and 19950 more"])
    assert len(result.err) < 20_000
    assert snapshot(ws.reports / RUN) == good


# -- paths ---------------------------------------------------------------------------------------------------


def test_reports_dir_inside_the_repository_but_outside_reports(ws: Folders, good: dict) -> None:
    result = run_main(["build", *folder_args(ws), "--reports-dir", str(REPO_ROOT / "data")])
    assert_named(result, 2, ["--reports-dir", "reports/"])
    assert snapshot(ws.reports / RUN) == good


def test_reports_dir_holding_other_files(ws: Folders, good: dict, tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("precious")
    result = run_main(["build", *folder_args(ws), "--reports-dir", str(tmp_path / "mine")])
    assert_named(result, 2, ["--reports-dir", "mine", "other files"])
    assert os.listdir(tmp_path / "mine") == ["thesis.tex"]
    assert snapshot(ws.reports / RUN) == good


def test_reports_dir_that_is_a_file(ws: Folders, good: dict, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    assert_named(run_main(["build", *folder_args(ws), "--reports-dir", str(tmp_path / "file")]), 2,
                 ["--reports-dir", "not a folder"])  # fmt: skip
    assert snapshot(ws.reports / RUN) == good


def test_notebooks_dir_without_notebooks(ws: Folders, good: dict, tmp_path: Path) -> None:
    result = run_main(["build", *folder_args(ws), "--notebooks-dir", str(tmp_path / "none")])
    assert_named(result, 2, ["no notebooks", "none"])
    assert snapshot(ws.reports / RUN) == good


DIFF_CASES = {
    "run name a path": (["default", "../../etc"], ["'../../etc'", "not a path"]),
    "run name absolute": (["/etc", "default"], ["'/etc'"]),
    "output outside reports": (
        ["default", "default", "--output", "/tmp/escaped.csv"],
        ["--output", "/tmp/escaped.csv"],
    ),
    "missing run": (["default", "nothing"], ["'nothing'", "runs: default"]),
}


@pytest.mark.parametrize("case", DIFF_CASES)
def test_bad_diff_is_a_clear_error(ws: Folders, good: dict, case: str) -> None:
    args, fragments = DIFF_CASES[case]
    assert_named(run_main(["diff", *args, "--reports-dir", str(ws.reports)]), 2, fragments)
    assert not Path("/tmp/escaped.csv").exists()
    assert snapshot(ws.reports / RUN) == good


def test_diff_reports_dir_in_the_data_folder(ws: Folders, good: dict) -> None:
    result = run_main(["diff", "a", "b", "--reports-dir", str(REPO_ROOT / "data")])
    assert_named(result, 2, ["--reports-dir", "reports/"])
    assert snapshot(ws.reports / RUN) == good


def test_list_into_a_closed_pipe_ends_quietly(ws: Folders) -> None:
    command = [sys.executable, "-m", "helpers.report", "list", "--notebooks-dir", str(ws.notebooks),
               "--data-dir", str(ws.data)]  # fmt: skip
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        process.stdout.read(10)
        process.stdout.close()  # like `| head -c 10`
        err = process.stderr.read().decode()
        code = process.wait(timeout=60)
    assert code == 0 and "Traceback" not in err and "BrokenPipe" not in err


# -- data files the runner reads -------------------------------------------------------------------------------

RUNNER_DATA_CASES = {
    "sources.csv not UTF-8": (
        "sources.csv",
        lambda t: t.replace(b"Fixture & Co", b"Fixture \xff Co"),
        ["data/sources.csv", "line 2", "UTF-8"],
    ),
    "sources.csv unclosed quote": (
        "sources.csv",
        lambda t: t + b'src-z,news,"unclosed\n',
        ["data/sources.csv", "line"],
    ),
    "sectors.csv not UTF-8": ("sectors.csv", lambda t: b"\xfe" + t, ["data/sectors.csv", "line 1", "UTF-8"]),
    "facts.csv unclosed quote": (
        "facts.csv",
        lambda t: t + b'q_bad,quantum,"never closed\n',
        ["data/facts.csv", "line"],
    ),
}


@pytest.mark.parametrize("case", RUNNER_DATA_CASES)
def test_bad_data_file_read_by_the_runner(ws: Folders, good: dict, case: str) -> None:
    name, change, fragments = RUNNER_DATA_CASES[case]
    path = ws.data / name
    path.write_bytes(change(path.read_bytes()))
    assert_named(build(ws), 2, fragments)
    assert snapshot(ws.reports / RUN) == good


ASSUMPTION_CASES = {
    "rate NaN": (
        "cny_per_usd: 7.0",
        "cny_per_usd: .nan",
        ["data/assumptions.yml", "'exchange_rate.cny_per_usd'"],
    ),
    "rate zero": ("cny_per_usd: 7.0", "cny_per_usd: 0", ["'exchange_rate.cny_per_usd'", "0.01"]),
    "negative multiplier": (
        "growth_multiplier: 1.0",
        "growth_multiplier: -1",
        ["'scenarios.base.growth_multiplier'"],
    ),
    "not YAML": ("scenarios:", "scenarios: [", ["data/assumptions.yml", "not valid YAML"]),
}


@pytest.mark.parametrize("case", ASSUMPTION_CASES)
def test_bad_assumptions_stop_the_build_before_any_kernel(ws: Folders, good: dict, case: str) -> None:
    old, new, fragments = ASSUMPTION_CASES[case]
    edit(ws.data / "assumptions.yml", old, new)
    assert_named(build(ws), 2, fragments)
    assert snapshot(ws.reports / RUN) == good


def test_byte_order_mark_in_sectors_keeps_each_notebook_to_its_sector(ws: Folders) -> None:
    path = ws.data / "sectors.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    result = run_main(["list", "--notebooks-dir", str(ws.notebooks), "--data-dir", str(ws.data)])
    assert result.code == 0 and "[reads quantum]" in result.out and "[reads bci]" in result.out


# -- the data layer: python -m helpers.data on a copy of tests/fixtures/evidence -------------------------------


@pytest.fixture
def evidence(tmp_path: Path) -> Path:
    shutil.copytree(EVIDENCE, tmp_path / "data")
    return tmp_path / "data"


def validate(data_dir: Path) -> Result:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = data_mod.main([str(data_dir)])
    return Result(code, out.getvalue(), err.getvalue())


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


FIRST_FACT = "q_hefei_firms_c,quantum,hefei,,,quantum_firms,Quantum firms,量子企業,count,actual,2025,implied: taken as at the date,93,"
DATA_CASES = {
    "NaN value": (
        "facts.csv",
        FIRST_FACT,
        FIRST_FACT.replace(",93,", ",nan,"),
        ["data/facts.csv, line 2, column 'value'", "finite number", "'nan'"],
    ),
    "infinite value": (
        "facts.csv",
        FIRST_FACT,
        FIRST_FACT.replace(",93,", ",inf,"),
        ["data/facts.csv, line 2, column 'value'", "'inf'"],
    ),
    "year with a fraction": (
        "facts.csv",
        FIRST_FACT,
        FIRST_FACT.replace(",2025,", ",2025.5,"),
        ["data/facts.csv, line 2, column 'year'", "'2025.5'"],
    ),
    "blank required cell": (
        "facts.csv",
        FIRST_FACT,
        FIRST_FACT.replace(",quantum,hefei,", ",quantum,,"),
        ["data/facts.csv, line 2, column 'place'", "blank"],
    ),
    "unknown sector": (
        "facts.csv",
        FIRST_FACT,
        FIRST_FACT.replace(",quantum,", ",quantom,"),
        ["data/facts.csv, line 2, column 'sector'", "'quantom'"],
    ),
    "extra column": ("facts.csv", "fact_id,", "fact_id,extra,", ["data/facts.csv", "line"]),
    "assumptions rate zero": (
        "assumptions.yml",
        "cny_per_usd: 7.19",
        "cny_per_usd: 0",
        ["data/assumptions.yml", "'exchange_rate.cny_per_usd'", "0.01"],
    ),
    "assumptions rate text": (
        "assumptions.yml",
        "cny_per_usd: 7.19",
        "cny_per_usd: abc",
        ["'exchange_rate.cny_per_usd'", "finite number", "'abc'"],
    ),
    "assumptions rate NaN": (
        "assumptions.yml",
        "cny_per_usd: 7.19",
        "cny_per_usd: .nan",
        ["'exchange_rate.cny_per_usd'", "finite number", "nan"],
    ),
    "assumptions negative multiplier": (
        "assumptions.yml",
        "growth_multiplier: 0.5",
        "growth_multiplier: -0.5",
        ["'scenarios.low.growth_multiplier'", "-0.5"],
    ),
    "assumptions unknown key": (
        "assumptions.yml",
        "  year: 2024",
        "  year: 2024\n  yera: 2025",
        ["'exchange_rate.yera'", "unknown key"],
    ),
    "assumptions alias bomb": (
        "assumptions.yml",
        "source_id: pkg-assumptions",
        "source_id: pkg-assumptions\n"
        + ALIAS_BOMB.replace("\n", "\n  ").replace("a: &a", "bomb:\n  a: &a", 1),
        ["data/assumptions.yml", "alias bomb"],
    ),
}


@pytest.mark.parametrize("case", DATA_CASES)
def test_bad_data_is_a_clear_error(evidence: Path, case: str) -> None:
    name, old, new, fragments = DATA_CASES[case]
    edit(evidence / name, old, new)
    assert_named(validate(evidence), 2, fragments)


def test_good_fixture_data_validates(evidence: Path) -> None:
    assert validate(evidence).code == 0


def test_byte_order_mark_is_read_like_no_mark(evidence: Path) -> None:
    path = evidence / "facts.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert validate(evidence).code == 0
    assert list(data_mod.load_dataset(evidence).facts["fact_id"])[0] == "q_hefei_firms_c"


def test_assumptions_without_scenarios(evidence: Path) -> None:
    text = (evidence / "assumptions.yml").read_text(encoding="utf-8")
    (evidence / "assumptions.yml").write_text(
        text.split("scenarios:")[0] + "scenarios: {}\n", encoding="utf-8"
    )
    assert_named(validate(evidence), 2, ["data/assumptions.yml", "'scenarios'", "at least one"])


def test_assumptions_without_exchange_rate(evidence: Path) -> None:
    text = (evidence / "assumptions.yml").read_text(encoding="utf-8")
    start, end = text.index("exchange_rate:"), text.index("scenarios:")
    (evidence / "assumptions.yml").write_text(text[:start] + text[end:], encoding="utf-8")
    assert_named(validate(evidence), 2, ["'exchange_rate.cny_per_usd'", "missing"])


def test_quoted_newline_does_not_shift_line_numbers(evidence: Path) -> None:
    path = evidence / "facts.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    # the note of the first fact spans two physical lines; the third fact (file line 5 after that) is bad
    lines[1] = lines[1].rstrip("\n") + '"a note\nover two lines"\n'
    lines[1] = lines[1].replace(',"a note', ',"a note', 1)
    header_fields = lines[0].count(",")
    assert lines[1].count(",") == header_fields  # the note was the last, empty field
    third = lines[3].split(",")
    third[12] = "nan"  # value
    lines[3] = ",".join(third)
    path.write_text("".join(lines), encoding="utf-8")
    assert_named(validate(evidence), 2, ["data/facts.csv, line 5, column 'value'", "'nan'"])


def test_twenty_thousand_bad_rows_give_a_short_sorted_message(evidence: Path) -> None:
    path = evidence / "facts.csv"
    header, first = path.read_text(encoding="utf-8").splitlines()[:2]
    fields = first.split(",")
    rows = []
    for i in range(20_000):
        fields[0], fields[12] = f"bad_{i:05}", "nan"
        rows.append(",".join(fields))
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    result = validate(evidence)
    assert_named(result, 2, ["data/facts.csv, line 2, column 'value'", "more"])
    assert len(result.err) < 20_000
    shown = [
        int(line.split("line ")[1].split(",")[0])
        for line in result.err.splitlines()
        if line.startswith("  - data/facts.csv, line")
    ]
    assert shown == sorted(shown) and len(shown) <= 50


# -- the cache and the published run: damaged files are detected and rebuilt to the same bytes --------------------


def cache_entry(folders: Folders, notebook: str) -> Path:
    entries = [p.parent for p in (folders.reports / ".cache" / notebook).glob("*/entry.json")]
    assert len(entries) == 1
    return entries[0]


def first_table(entry: Path) -> Path:
    return sorted((entry / "outputs" / "tables").glob("*.csv"))[0]


def first_figure(entry: Path) -> Path:
    return sorted((entry / "outputs" / "figures").glob("*.png"))[0]


CACHE_FAULTS = {
    "truncated outputs.json": lambda e: (e / "outputs" / "outputs.json").write_text(
        '{"figures": [', encoding="utf-8"
    ),
    "emptied cached table": lambda e: first_table(e).write_text("", encoding="utf-8"),
    "deleted cached figure": lambda e: first_figure(e).unlink(),
    "one byte of a cached figure changed": lambda e: first_figure(e).write_bytes(
        first_figure(e).read_bytes()[:-1] + b"\x00"
    ),
    "garbage entry.json": lambda e: (e / "entry.json").write_bytes(b"\x00garbage"),
    "deleted entry.json": lambda e: (e / "entry.json").unlink(),
    "deleted executed notebook": lambda e: (e / "notebook.ipynb").unlink(),
}


@pytest.mark.parametrize("case", CACHE_FAULTS)
def test_damaged_cache_entry_is_executed_again(ws: Folders, good: dict, case: str) -> None:
    entry = cache_entry(ws, "01_quantum")
    CACHE_FAULTS[case](entry)
    result = build(ws)
    assert_named(result, 0, ["01_quantum", "executed"])
    assert "1 executed, 2 cached" in result.out
    if case not in ("garbage entry.json", "deleted entry.json"):
        assert "cache entry damaged" in result.out
    assert as_executed_again(snapshot(ws.reports / RUN)) == as_executed_again(good)
    assert build(ws).code == 0  # the store replaced the damaged entry: now cached
    assert "0 executed, 3 cached" in build(ws).out


def test_forced_build_replaces_a_truncated_entry(ws: Folders, good: dict) -> None:
    CACHE_FAULTS["truncated outputs.json"](cache_entry(ws, "04_bci"))
    assert_named(build(ws, "--force"), 0, ["3 executed"])
    assert as_executed_again(snapshot(ws.reports / RUN)) == as_executed_again(good)
    assert "0 executed, 3 cached" in build(ws).out


def published_file(folders: Folders, suffix: str) -> Path:
    return sorted(p for p in (folders.reports / RUN).rglob(f"*{suffix}") if p.is_file())[0]


PUBLISHED_FAULTS = {
    "deleted figure": lambda f: published_file(f, ".png").unlink(),
    "edited figure": lambda f: published_file(f, ".svg").write_text("<svg/>", encoding="utf-8"),
    "emptied table": lambda f: published_file(f, ".csv").write_text("", encoding="utf-8"),
    "edited index.html": lambda f: (f.reports / RUN / "index.html").write_text("defaced", encoding="utf-8"),
    "deleted notebook page": lambda f: published_file(f, ".html").unlink(),
    "truncated manifest.json": lambda f: (f.reports / RUN / "manifest.json").write_text(
        "{", encoding="utf-8"
    ),
}


@pytest.mark.parametrize("case", PUBLISHED_FAULTS)
def test_damaged_published_run_is_restored(ws: Folders, good: dict, case: str) -> None:
    PUBLISHED_FAULTS[case](ws)
    result = build(ws)
    assert_named(result, 0, ["0 executed, 3 cached", "report 'default'"])
    assert "up to date" not in result.out
    assert without_timing(snapshot(ws.reports / RUN)) == without_timing(good)


def test_replace_flag_lets_a_partial_build_publish(ws: Folders) -> None:
    result = build(ws, "01", "--run", RUN, "--replace")
    assert result.code == 0, result.err
    manifest = json.loads((ws.reports / RUN / "manifest.json").read_text(encoding="utf-8"))
    assert [n["name"] for n in manifest["notebooks"]] == ["01_quantum"]


# -- provenance: a missing source text is a visible state -----------------------------------------------------


@pytest.fixture
def with_source_text(ws: Folders, tmp_path: Path, monkeypatch) -> Path:
    """Give src-a of the fixture data a kept text; no sources folder is found unless the test makes one."""
    path = ws.data / "sources.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines = [lines[0] + ",file_name,sha256"] + [
        line + (",src-a.txt,abc" if line.startswith("src-a,") else ",,") for line in lines[1:]
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(paths_mod, "REPO_ROOT", tmp_path / "no-repo")  # so ../shared/sources is not found
    monkeypatch.delenv(paths_mod.SOURCES_ENV_VAR, raising=False)
    monkeypatch.delenv("CI", raising=False)
    return tmp_path / "sources"


def test_missing_source_text_is_an_error_under_ci(ws: Folders, good: dict, with_source_text: Path,
                                                  monkeypatch) -> None:  # fmt: skip
    monkeypatch.setenv("CI", "true")
    assert_named(build(ws), 2, ["src-a", "NOT checked", "CI=true"])
    assert snapshot(ws.reports / RUN) == good


def test_missing_source_text_is_named_in_build_manifest_and_appendix(ws: Folders, good: dict,
                                                                     with_source_text: Path) -> None:  # fmt: skip
    result = build(ws, "--run", "prov")
    assert_named(result, 0, ["warning: provenance", "src-a", "NOT checked"])
    manifest = json.loads((ws.reports / "prov" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["provenance"] == {"sources_folder_found": False, "unchecked": ["src-a"]}
    assert "Not checked:" in (ws.reports / "prov" / "index.html").read_text(encoding="utf-8")
    assert snapshot(ws.reports / RUN) == good


def test_a_source_text_that_appears_executes_the_notebooks_again(ws: Folders, with_source_text: Path,
                                                                  monkeypatch) -> None:  # fmt: skip
    assert build(ws, "--run", "prov").code == 0
    with_source_text.mkdir()
    (with_source_text / "src-a.txt").write_text("2025-10-27\n\nthe text\n", encoding="utf-8")
    monkeypatch.setenv(paths_mod.SOURCES_ENV_VAR, str(with_source_text))
    result = build(ws, "--run", "prov")
    assert_named(result, 0, ["3 executed", "source texts"])
    assert "warning: provenance" not in result.err
    manifest = json.loads((ws.reports / "prov" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["provenance"] == {"sources_folder_found": True, "unchecked": []}


# -- notebooks and their kernels that misbehave ------------------------------------------------------------------


def add_notebook(folders: Folders, *sources: str) -> None:
    cells = [{"cell_type": "markdown", "id": "t", "metadata": {}, "source": "# 05 misbehaves"},
             {"cell_type": "code", "id": "p", "metadata": {"tags": ["parameters"]}, "execution_count": None,
              "outputs": [], "source": 'output_dir = ""  # folder'}]  # fmt: skip
    cells += [{"cell_type": "code", "id": f"c{i}", "metadata": {}, "execution_count": None, "outputs": [],
               "source": source} for i, source in enumerate(sources)]  # fmt: skip
    notebook = {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                "language": "python"}}, "nbformat": 4, "nbformat_minor": 5}  # fmt: skip
    (folders.notebooks / "05_misbehaves.ipynb").write_text(json.dumps(notebook), encoding="utf-8")


REGISTRY = "import json, pathlib\nroot = pathlib.Path(output_dir)\n"
NOTEBOOK_FAULTS = {
    "raises": (
        ["raise ValueError('bad value in cell')"],
        ["05_misbehaves", "ValueError", "bad value in cell"],
    ),
    "kernel exits": (["import os\nos._exit(3)"], ["05_misbehaves"]),
    "kernel killed": (["import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"], ["05_misbehaves"]),
    "registry lists a missing figure": (
        [
            REGISTRY + "(root / 'outputs.json').write_text(json.dumps({'figures': [{'name': 'f', 'files': "
            "{'png': 'figures/f.png'}}], 'tables': []}))"
        ],
        ["05_misbehaves", "figures/f.png"],
    ),
    "registry not JSON": (
        [REGISTRY + "(root / 'outputs.json').write_text('{not json')"],
        ["05_misbehaves", "outputs.json", "not JSON"],
    ),
    "registry lists a missing table": (
        [
            REGISTRY
            + "(root / 'outputs.json').write_text(json.dumps({'figures': [], 'tables': [{'name': 't', "
            "'files': {'csv': 'tables/t.csv'}}]}))"
        ],
        ["05_misbehaves", "tables/t.csv"],
    ),
    "table not UTF-8": (
        [
            REGISTRY + "(root / 'tables').mkdir()\n(root / 'tables' / 't.csv').write_bytes(b'a\\n\\xff\\n')\n"
            "(root / 'outputs.json').write_text(json.dumps({'figures': [], 'tables': [{'name': 't', "
            "'files': {'csv': 'tables/t.csv'}}]}))"
        ],
        ["t.csv", "line 2", "UTF-8"],
    ),
}


@pytest.mark.parametrize("case", NOTEBOOK_FAULTS)
def test_misbehaving_notebook_leaves_the_last_good_report(ws: Folders, good: dict, case: str) -> None:
    sources, fragments = NOTEBOOK_FAULTS[case]
    add_notebook(ws, *sources)
    result = build(ws, "--timeout", "60")
    assert_named(result, 1, fragments)
    assert "NOT updated" in result.out or "error:" in result.err
    assert snapshot(ws.reports / RUN) == good


def test_notebook_past_its_timeout(ws: Folders, good: dict) -> None:
    add_notebook(ws, "import time\ntime.sleep(60)")
    assert_named(build(ws, "--timeout", "2"), 1, ["05_misbehaves", "timed out after 2 s"])
    assert snapshot(ws.reports / RUN) == good


def test_sigterm_mid_build(ws: Folders, good: dict) -> None:
    marker = ws.reports / "started.txt"
    add_notebook(ws, f"import pathlib, time\npathlib.Path({str(marker)!r}).write_text('x')\ntime.sleep(120)")
    command = [sys.executable, "-m", "helpers.report", "build", *folder_args(ws)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(1200):
            if marker.exists() or process.poll() is not None:
                break
            subprocess.run(["sleep", "0.05"], check=False)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 143, err
    assert "interrupted" in err and "the last good report is untouched" in err
    marker.unlink()
    assert snapshot(ws.reports / RUN) == good


# -- folders that cannot be written ------------------------------------------------------------------------------


def test_locked_report_folder_exits_2(ws: Folders, good: dict, monkeypatch) -> None:
    target = str(ws.reports / RUN)
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode, **kw: False if str(p) == target else real_access(p, mode, **kw)
    )
    (ws.data / "facts.csv").write_text(
        (ws.data / "facts.csv").read_text(encoding="utf-8").replace("93 家", "94 家"), encoding="utf-8"
    )
    assert_named(build(ws), 2, ["cannot replace the report folder", RUN, "not writable"])
    assert snapshot(ws.reports / RUN) == good


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")
def test_disk_full_leaves_the_last_good_report(ws: Folders, good: dict, tmp_path: Path) -> None:
    mount = tmp_path / "small"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], check=False).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        shutil.copytree(ws.reports, mount / "reports")
        small = replace(ws, reports=mount / "reports")
        before = snapshot(small.reports / RUN)
        filler = mount / "filler"
        descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT)
        with contextlib.suppress(OSError):  # fill the disk to the last block
            while os.write(descriptor, b"\0" * 4096):
                pass
        os.close(descriptor)
        result = build(small, "--force")
        assert result.code in (1, 2), result.out + result.err
        assert "No space left" in result.err + result.out or "FAILED" in result.err
        assert snapshot(small.reports / RUN) == before
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)

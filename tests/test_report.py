"""Tests of the report runner on tiny fixture notebooks (tests/fixtures/report/) in temporary folders.

The fixture notebooks import only the standard library, so a build takes a few seconds. Each test that needs
"a last good report" copies one published workspace (built once per module) and checks that the bad build
left it byte for byte as it was.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import psutil
import pytest

from helpers.paths import LOCK_FILE, REPO_ROOT
from helpers.report.__main__ import main
from helpers.report.build import BuildOptions, build
from helpers.report.config import Folders

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "report"


@dataclass
class Outcome:
    code: int
    out: str
    err: str
    seconds: float


def make_workspace(root: Path) -> Folders:
    """Copy the fixture notebooks, data and helpers stand-in under `root`; return folders pointing there."""
    for name in ("notebooks", "data", "helpers_stub"):
        shutil.copytree(FIXTURES / name, root / name)
    return Folders(notebooks=root / "notebooks", reports=root / "reports", data=root / "data",
                   helpers=root / "helpers_stub", lock=LOCK_FILE, repo=REPO_ROOT)  # fmt: skip


def run_build(folders: Folders, *notebooks: str, **options) -> Outcome:
    """Build in this process; return exit code, summary, messages and seconds."""
    out, err = io.StringIO(), io.StringIO()
    options.setdefault("progress", False)
    started = time.perf_counter()
    code = build(BuildOptions(notebooks=list(notebooks), **options), folders, out=out, err=err)
    return Outcome(code, out.getvalue(), err.getvalue(), time.perf_counter() - started)


def cli(folders: Folders, *args: str) -> list[str]:
    """The command line that builds `folders` in a subprocess."""
    return [sys.executable, "-m", "helpers.report", *args, "--no-progress",
            "--notebooks-dir", str(folders.notebooks), "--reports-dir", str(folders.reports),
            "--data-dir", str(folders.data)]  # fmt: skip


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` with its bytes (to prove a report was left untouched)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def without_timing(path: Path) -> dict:
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest.pop("timing")
    return manifest


def write_notebook(path: Path, *sources: str, parameters: str = 'output_dir = ""  # folder') -> Path:
    """A minimal notebook: a title, a parameters cell, then one code cell per source."""
    cells = [{"cell_type": "markdown", "id": "t", "metadata": {}, "source": f"# {path.stem}"},
             {"cell_type": "code", "id": "p", "metadata": {"tags": ["parameters"]}, "execution_count": None,
              "outputs": [], "source": parameters}]  # fmt: skip
    cells += [{"cell_type": "code", "id": f"c{i}", "metadata": {}, "execution_count": None, "outputs": [],
               "source": source} for i, source in enumerate(sources)]  # fmt: skip
    notebook = {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                "language": "python"}}, "nbformat": 4, "nbformat_minor": 5}  # fmt: skip
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return path


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def is_alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def wait_for(path: Path, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Folders:
    """A workspace whose default run is built (and cached) once for the module."""
    folders = make_workspace(tmp_path_factory.mktemp("published"))
    outcome = run_build(folders)
    assert outcome.code == 0, outcome.err
    return folders


@pytest.fixture
def workspace(published: Folders, tmp_path: Path) -> Folders:
    """A private copy of the published workspace (report and cache included)."""
    root = tmp_path / "ws"
    shutil.copytree(published.notebooks.parent, root, symlinks=True)
    return replace(published, notebooks=root / "notebooks", reports=root / "reports", data=root / "data",
                   helpers=root / "helpers_stub")  # fmt: skip


# -- a good build ------------------------------------------------------------------------------------------


def test_build_publishes_every_part_of_the_report(published: Folders) -> None:
    run = published.reports / "default"
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    html = (run / "index.html").read_text(encoding="utf-8")
    assert [n["name"] for n in manifest["notebooks"]] == ["01_quantum", "04_bci", "07_synthesis"]
    for notebook in manifest["notebooks"]:
        assert (run / notebook["ipynb"]).is_file() and (run / notebook["html"]).is_file()
        for figure in notebook["figures"]:
            assert (run / figure["png"]).read_bytes().startswith(b"\x89PNG")
            assert (run / figure["svg"]).is_file()
            assert f'src="{figure["png"]}"' in html and f'href="{figure["svg"]}"' in html
        for table in notebook["tables"]:
            assert (run / table["csv"]).is_file() and f'href="{table["csv"]}" download' in html
    assert manifest["parameters"]["07_synthesis"]["n_draws"] == 100
    assert "output_dir" not in manifest["parameters"]["01_quantum"]
    assert set(manifest["inputs"]) == {"helpers", "requirements.lock", "data", "notebooks"}
    assert manifest["packages"]["papermill"] and manifest["git"]["commit"]
    assert manifest["timing"]["notebooks"]["01_quantum"]["executed"] is True
    # captions link each fact id to the appendix, which gives source, paragraph and the quantity as printed
    assert 'href="#fact-q_firms"' in html and 'id="fact-q_firms"' in html
    appendix = html.split('id="fact-q_firms"', 1)[1].split("</tr>", 1)[0]
    assert "93 家" in appendix and 'href="#source-src-a"' in appendix and "¶6" in appendix
    assert 'id="source-src-a"' in html
    # city roles the outputs draw on link to their own rows, with role, focus, source and paragraph
    assert 'href="#role-quantum-hefei"' in html
    role_row = html.split('id="role-quantum-hefei"', 1)[1].split("</tr>", 1)[0]
    assert "leader" in role_row and "Computing" in role_row and "¶6" in role_row
    assert manifest["notebooks"][0]["figures"][0]["roles"] == [{"sector": "quantum", "place": "hefei"}]
    assert not list(published.reports.glob(".staging-*"))


def test_data_and_captions_holding_html_appear_escaped(published: Folders) -> None:
    html = (published.reports / "default" / "index.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;platforms&lt;/b&gt;" in html  # a caption
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; 24 個" in html  # quantity_text of a fact
    assert "Fixture article on &lt;future&gt; industries" in html  # a source title
    assert "<script" not in html and "<b>platforms" not in html


def test_second_build_executes_nothing_and_is_quick(workspace: Folders) -> None:
    before = snapshot(workspace.reports / "default")
    outcome = run_build(workspace)
    assert outcome.code == 0, outcome.err
    assert "is up to date" in outcome.out and "0 executed, 3 cached" in outcome.out
    assert outcome.seconds < 1.0
    assert snapshot(workspace.reports / "default") == before


def test_forced_build_gives_the_same_bytes(workspace: Folders) -> None:
    run = workspace.reports / "default"
    before = snapshot(run)
    outcome = run_build(workspace, force=True)
    assert outcome.code == 0, outcome.err
    assert "3 executed, 0 cached" in outcome.out and "forced" in outcome.out
    after = snapshot(run)
    compared = [name for name in before if name.endswith((".csv", ".png", ".svg")) or name == "index.html"]
    assert compared and all(before[name] == after[name] for name in compared)
    previous = {k: v for k, v in json.loads(before["manifest.json"]).items() if k != "timing"}
    assert without_timing(run / "manifest.json") == previous


def test_changed_sector_data_reexecutes_only_its_readers(workspace: Folders) -> None:
    facts = workspace.data / "facts.csv"
    facts.write_text(facts.read_text(encoding="utf-8").replace("93 家", "94 家"), encoding="utf-8")
    outcome = run_build(workspace)
    assert outcome.code == 0, outcome.err
    lines = {line.split()[0]: line for line in outcome.out.splitlines()[1:-1]}
    assert "executed" in lines["01_quantum"] and "facts.csv (quantum rows)" in lines["01_quantum"]
    assert "executed" in lines["07_synthesis"] and "facts.csv" in lines["07_synthesis"]
    assert "cached" in lines["04_bci"]
    # a row of a sector no notebook reads by name still reaches the synthesis, which reads all data
    facts.write_text(facts.read_text(encoding="utf-8").replace("超 1000 家", "超 1001 家"), encoding="utf-8")
    outcome = run_build(workspace)
    assert "1 executed, 2 cached" in outcome.out and "executed" in outcome.out.split("07_synthesis")[1]


def test_parameters_name_their_own_run_and_diff_reports_changes(workspace: Folders) -> None:
    outcome = run_build(workspace, settings=["horizon_year=2040"])
    assert outcome.code == 0, outcome.err
    run = workspace.reports / "default+horizon_year-2040"
    assert json.loads((run / "manifest.json").read_text())["parameters"]["04_bci"]["horizon_year"] == 2040
    out = io.StringIO()
    from helpers.report.diff import diff_runs

    assert diff_runs(workspace.reports, "default", run.name, out=out) == 0
    text = out.getvalue()
    assert "parameter horizon_year" in text and "2030 -> 2040" in text
    assert "rank of shanghai: 3 -> 1" in text and "rank of hefei: 1 -> 3" in text
    assert "figures changed" not in text  # same PNG bytes: no change reported
    written = (workspace.reports / "diffs" / f"default--{run.name}.csv").read_text(encoding="utf-8")
    assert written.startswith("kind,notebook,item,row,column,run_a,run_b,change\n") and "ranking" in written


def test_params_file_builds_into_its_own_run(workspace: Folders, tmp_path: Path) -> None:
    params = tmp_path / "usd.yml"
    params.write_text(
        "description: In US dollars\nparameters:\n  currency: USD\nnotebooks:\n  07: {n_draws: 50}\n"
    )
    outcome = run_build(workspace, params_file=params)
    assert outcome.code == 0, outcome.err
    manifest = json.loads((workspace.reports / "usd" / "manifest.json").read_text())
    assert manifest["parameters"]["01_quantum"]["currency"] == "USD"
    assert manifest["parameters"]["07_synthesis"]["n_draws"] == 50
    assert "In US dollars" in (workspace.reports / "usd" / "index.html").read_text(encoding="utf-8")
    csv_text = (workspace.reports / "usd" / "tables" / "01_quantum" / "firms.csv").read_text()
    assert "spend_usd" in csv_text


def test_selecting_notebooks_by_number_or_topic(workspace: Folders) -> None:
    outcome = run_build(workspace, "04", "quantum", run="two")
    assert outcome.code == 0, outcome.err
    manifest = json.loads((workspace.reports / "two" / "manifest.json").read_text())
    assert [n["name"] for n in manifest["notebooks"]] == ["01_quantum", "04_bci"]


def test_several_parameter_files_build_one_run_each(workspace: Folders, tmp_path: Path, capsys) -> None:
    for name, currency in (("cny", "CNY"), ("usd", "USD")):
        (tmp_path / f"{name}.yml").write_text(f"parameters: {{currency: {currency}}}\n", encoding="utf-8")
    args = ["build", "04", "--params", str(tmp_path / "cny.yml"), "--params", str(tmp_path / "usd.yml"),
            "--notebooks-dir", str(workspace.notebooks), "--reports-dir", str(workspace.reports),
            "--data-dir", str(workspace.data), "--no-progress"]  # fmt: skip
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "== " in out and "report 'cny+04'" in out and "report 'usd+04'" in out
    assert (workspace.reports / "usd+04" / "index.html").is_file()


def test_kernels_run_in_the_notebooks_folder_and_the_runner_stays_put(workspace: Folders) -> None:
    check = f"import os\nassert os.getcwd() == {str(workspace.notebooks)!r}, os.getcwd()"
    for name in ("05_here", "06_here"):
        write_notebook(workspace.notebooks / f"{name}.ipynb", check)
    before = os.getcwd()
    outcome = run_build(workspace, "05", "06", jobs=2)
    assert outcome.code == 0, outcome.err
    assert os.getcwd() == before


def test_kernels_started_without_the_fork_server(workspace: Folders) -> None:
    outcome = run_build(workspace, "04", force=True, fork=False)
    assert outcome.code == 0, outcome.err
    assert "1 executed" in outcome.out


def test_no_kernel_outlives_a_build(workspace: Folders) -> None:
    assert run_build(workspace, "01", force=True).code == 0
    assert [p for p in psutil.Process().children(recursive=True) if is_alive(p)] == []


def test_list_shows_declared_parameters_and_defaults(capsys) -> None:
    assert (
        main(["list", "--notebooks-dir", str(FIXTURES / "notebooks"), "--data-dir", str(FIXTURES / "data")])
        == 0
    )
    out = capsys.readouterr().out
    assert "07_synthesis  Synthesis fixture  [reads all sectors]" in out
    assert "01_quantum  Quantum fixture" in out and "[reads quantum]" in out
    assert "horizon_year = 2030" in out and "int from 2026 to 2050" in out
    assert "n_draws      = 100" in out and "# Monte Carlo draws" in out


# -- bad input: a clear message, a non-zero exit, the last good report intact --------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["99_nothing"], ["unknown notebook '99_nothing'", "01_quantum, 04_bci, 07_synthesis"]),
        (["-p", "colour=red"], ["unknown parameter 'colour'", "01_quantum, 04_bci declare lang, currency"]),
        (
            ["-p", "01_quantum.n_draws=5"],
            ["01_quantum: unknown parameter 'n_draws'", "declares lang, currency"],
        ),
        (
            ["-p", "horizon_year=soon"],
            ["parameter 'horizon_year'", "01_quantum", "expected int from 2026 to 2050"],
        ),
        (["-p", "horizon_year=2070"], ["parameter 'horizon_year'", "got 2070"]),
        (
            ["-p", "lang=fr"],
            ["parameter 'lang' (label language)", "str in {en, zh-Hant, zh-Hans}", "got 'fr'"],
        ),
        (["-p", "output_dir=/tmp/x"], ["'output_dir' is set by the report runner"]),
        (["-p", "lang"], ["expected name=value"]),
        (["--run", "../escape"], ["run name '../escape'"]),
    ],
)
def test_bad_settings_fail_before_any_kernel(
    workspace: Folders, args: list[str], expected: list[str]
) -> None:
    before = snapshot(workspace.reports / "default")
    result = subprocess.run(cli(workspace, "build", *args), capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    for text in expected:
        assert text in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(workspace.reports / "default") == before


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "cannot be read"),
        ("parameters: [unclosed\n", ", line 2, column 1: not valid YAML"),
        ("- a\n- b\n", "must be a mapping"),
        ("currency: USD\n", "unknown key(s) 'currency'"),
        ("parameters:\n  horizon_year: '2035'\n", "expected int from 2026 to 2050; got str '2035'"),
        ("parameters:\n  scenario: high\n", "unknown parameter 'scenario'"),
        ("notebooks:\n  42: {lang: en}\n", "unknown notebook '42'"),
    ],
)
def test_bad_parameter_files(workspace: Folders, tmp_path: Path, content: str | None, expected: str) -> None:
    params = tmp_path / "bad.yml"
    if content is not None:
        params.write_text(content, encoding="utf-8")
    before = snapshot(workspace.reports / "default")
    outcome = run_build(workspace, params_file=params)
    assert outcome.code == 2 and expected in outcome.err, outcome.err
    assert snapshot(workspace.reports / "default") == before


def test_unwritable_output_folder(workspace: Folders, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    outcome = run_build(replace(workspace, reports=blocker / "reports"))
    assert outcome.code == 2 and "cannot write the reports folder" in outcome.err


def test_a_notebook_that_raises(workspace: Folders) -> None:
    write_notebook(
        workspace.notebooks / "05_fails.ipynb", "x = 1", "y = x + 1\nraise ValueError(f'boom {y}')"
    )
    before = snapshot(workspace.reports / "default")
    outcome = run_build(workspace)
    assert outcome.code == 1
    kept = workspace.reports / ".failed" / "default" / "05_fails.ipynb"
    assert "05_fails: cell 5 (In [4]) raised ValueError: boom 2" in outcome.err
    assert "> raise ValueError(f'boom {y}')" in outcome.err
    assert "executed notebook kept at" in outcome.err and kept.is_file()
    assert len(outcome.err.splitlines()) <= 8 and "Traceback" not in outcome.err
    assert "NOT updated" in outcome.out and "FAILED" in outcome.out.split("05_fails")[1]
    assert "ValueError" in kept.read_text(encoding="utf-8")
    assert snapshot(workspace.reports / "default") == before
    # the others were cached: fixing the notebook executes only it, and publishes
    write_notebook(workspace.notebooks / "05_fails.ipynb", "x = 1")
    outcome = run_build(workspace)
    assert outcome.code == 0 and "1 executed, 3 cached" in outcome.out
    assert not kept.exists()


def test_a_notebook_that_times_out(workspace: Folders) -> None:
    write_notebook(workspace.notebooks / "05_slow.ipynb", "import time", "time.sleep(60)")
    before = snapshot(workspace.reports / "default")
    outcome = run_build(workspace, "05", run="default", timeout_s=2, replace=True)
    assert outcome.code == 1
    assert "05_slow: timed out after 2 s in cell 5" in outcome.err
    assert (workspace.reports / ".failed" / "default" / "05_slow.ipynb").is_file()
    assert outcome.seconds < 30
    assert snapshot(workspace.reports / "default") == before


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupt_stops_every_kernel_and_publishes_nothing(
    workspace: Folders, signum: int, code: int
) -> None:
    marker = workspace.reports / "started.txt"
    write_notebook(workspace.notebooks / "05_long.ipynb", "import pathlib, time",
                   f"pathlib.Path({str(marker)!r}).write_text('x')\ntime.sleep(120)")  # fmt: skip
    before = snapshot(workspace.reports / "default")
    process = subprocess.Popen(cli(workspace, "build", "--force"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)  # fmt: skip
    wait_for(marker, process)
    children = descendants(process.pid)
    assert any(
        "ipykernel" in " ".join(p.cmdline()) or "_forkserver" in " ".join(p.cmdline()) for p in children
    )
    process.send_signal(signum)
    out, err = process.communicate(timeout=60)
    assert process.returncode == code, err
    assert "interrupted" in err and "Traceback" not in err
    time.sleep(0.5)
    assert [p.pid for p in children if is_alive(p)] == []
    marker.unlink()
    assert snapshot(workspace.reports / "default") == before
    assert not list(workspace.reports.glob(".staging-*"))
    assert not (workspace.reports / ".cache" / "work" / "default").exists()
    assert not list((workspace.reports / ".cache").glob("05_long/*/entry.json"))


def test_two_builds_of_one_run_at_once(workspace: Folders) -> None:
    marker = workspace.reports / "started.txt"
    write_notebook(workspace.notebooks / "05_long.ipynb", "import pathlib, time",
                   f"pathlib.Path({str(marker)!r}).write_text('x')\ntime.sleep(120)")  # fmt: skip
    first = subprocess.Popen(
        cli(workspace, "build", "05", "--run", "default", "--replace"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(marker, first)
        second = subprocess.run(cli(workspace, "build", "01", "--run", "default", "--replace"), capture_output=True, text=True,
                                timeout=60)  # fmt: skip
        assert second.returncode == 3
        assert "another build of run 'default' is running (pid " in second.stderr
        other_run = subprocess.run(cli(workspace, "build", "01", "--run", "other"), capture_output=True, text=True,
                                   timeout=120)  # fmt: skip
        assert other_run.returncode == 0, other_run.stderr
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=60)
    assert first.returncode == 143


# -- units -------------------------------------------------------------------------------------------------


def test_parse_parameters_cell_reads_literals_and_comments() -> None:
    from helpers.report.notebooks import NotebookError, parse_parameters_cell

    cell = 'lang = "en"  # label language\ncities: list = ["a#b"]  # ids\nweights = {}\nimport os\n'
    parsed = parse_parameters_cell(cell, "nb")
    assert {n: p.default for n, p in parsed.items()} == {"lang": "en", "cities": ["a#b"], "weights": {}}
    assert parsed["lang"].help == "label language" and parsed["cities"].help == "ids"
    with pytest.raises(NotebookError, match="parameter 'x' needs a literal default"):
        parse_parameters_cell("x = compute()", "nb")
    with pytest.raises(NotebookError, match="not valid Python"):
        parse_parameters_cell("x = (", "nb")


def test_settings_are_typed_by_their_rule() -> None:
    from helpers.report.parameters import convert_text, parse_setting

    assert convert_text("horizon_year", "2035") == 2035
    assert convert_text("horizon_year", "soon") == "soon"  # left for validation to report
    assert convert_text("cny_per_usd", "7") == 7.0
    assert convert_text("lang", "no") == "no"  # not YAML's boolean
    assert convert_text("cities", "hefei, beijing") == ["hefei", "beijing"]
    assert convert_text("cities", "") == []
    assert convert_text("weights", "{leader_roles: 2}") == {"leader_roles": 2}
    assert convert_text("unruled", "3", default=1) == 3
    assert parse_setting("07_synthesis.n_draws=500") == ("07_synthesis", "n_draws", "500")
    assert parse_setting("lang=zh-Hant") == (None, "lang", "zh-Hant")


def test_run_names() -> None:
    from helpers.report.parameters import ParamsFile, choose_run_name

    assert choose_run_name(None, None, {}) == "default"
    assert choose_run_name(None, ParamsFile(path=Path("params/usd.yml")), {}) == "usd"
    assert choose_run_name(None, ParamsFile(path=Path("x.yml"), run="named"), {}) == "named"
    assert choose_run_name(None, None, {"lang": "zh-Hant", "horizon_year": 2035}) == (
        "default+horizon_year-2035+lang-zh-Hant"
    )
    assert choose_run_name("mine", None, {"lang": "en"}) == "mine"
    assert choose_run_name(None, None, {}, ("01_quantum", "07_synthesis")) == "default+01+07"
    long = choose_run_name(None, None, {"weights": {f"indicator_{i}": i for i in range(20)}})
    assert long.startswith("default+") and len(long) <= 80


def test_data_hashes_follow_sectors(tmp_path: Path) -> None:
    from helpers.report.cache import describe_change, hash_data

    shutil.copytree(FIXTURES / "data", tmp_path / "data")
    before = hash_data(tmp_path / "data")
    facts = tmp_path / "data" / "facts.csv"
    facts.write_text(facts.read_text(encoding="utf-8").replace("約 32 億元", "約 33 億元"), encoding="utf-8")
    after = hash_data(tmp_path / "data")
    assert before.for_sectors(("quantum",)) == after.for_sectors(("quantum",))
    assert before.for_sectors(("bci",)) != after.for_sectors(("bci",))
    assert before.for_sectors(None) != after.for_sectors(None)
    assert describe_change(before.for_sectors(("bci",)), after.for_sectors(("bci",)), ("bci",)) == (
        "changed: facts.csv (bci rows)"
    )
    assert describe_change(None, {}, None) == "not in the cache"


def test_failing_line_is_found_in_an_ipython_traceback() -> None:
    from helpers.report.executor import failing_line

    traceback = ["\x1b[0;31mValueError\x1b[0m  Traceback", "Cell \x1b[0;32mIn[2], line 2\x1b[0m\n      1 y = 1\n"
                 "\x1b[0;32m----> 2\x1b[0m \x1b[38;5;28;01mraise\x1b[39;00m ValueError(y)\n"]  # fmt: skip
    assert failing_line(traceback) == "raise ValueError(y)"


def test_publish_swaps_whole_folders(tmp_path: Path) -> None:
    from helpers.report.publish import publish

    target, staging = tmp_path / "run", tmp_path / ".staging-run-1"
    target.mkdir()
    (target / "index.html").write_text("old")
    staging.mkdir()
    (staging / "index.html").write_text("new")
    publish(staging, target)
    assert (target / "index.html").read_text() == "new" and not staging.exists()


def test_run_lock_is_exclusive(tmp_path: Path) -> None:
    from helpers.report.publish import RunLock

    with RunLock(tmp_path, "default"):
        code = "from helpers.report.publish import RunLock; import sys; RunLock(sys.argv[1], 'default').__enter__()"
        other = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True)
        assert other.returncode != 0 and "RunLockedError" in other.stderr
    with RunLock(tmp_path, "default"):  # released: can be taken again
        pass


def test_ranking_and_values_in_table_diffs() -> None:
    from helpers.report.diff import compare_table

    a = [["place", "score"], ["hefei", "60"], ["beijing", "55"]]
    b = [["place", "score"], ["beijing", "57"], ["hefei", "51"]]
    rows = compare_table("07", "ranking", a, b)
    kinds = [(r["kind"], r["row"], r["run_a"], r["run_b"]) for r in rows]
    assert ("ranking", "hefei", "1", "2") in kinds and ("value", "beijing", "55", "57") in kinds
    translated = [["城市", "分數"], ["合肥", "60"], ["北京", "55"]]
    assert [r["kind"] for r in compare_table("07", "ranking", a, translated)] == ["text", "text"]

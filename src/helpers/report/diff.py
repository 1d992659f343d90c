"""Compare two published runs: parameters, every number of every table, rankings, figures.

`python -m helpers.report diff RUN_A RUN_B` prints the changes and writes them all to
`reports/diffs/RUN_A--RUN_B.csv` (columns: kind, notebook, item, row, column, run_a, run_b, change).
Rows of a table are matched by its first column when both runs have the same labels there, else by position
(a run in another language has other labels); columns likewise by name, else by position. A ranking change is
a table whose rows (same labels) come in another order.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import sys
from pathlib import Path
from typing import TextIO

from helpers.readers import ReadError, read_csv_text
from helpers.report.render import is_number

COLUMNS = ("kind", "notebook", "item", "row", "column", "run_a", "run_b", "change")
SHOWN_PER_TABLE = 8


class DiffError(ValueError):
    """A run to compare is missing or has no manifest."""


def read_run(reports_dir: Path, run: str) -> tuple[Path, dict]:
    """The run's folder and manifest.

    Raises:
        DiffError: no such run, or no readable manifest.json.
    """
    folder = Path(reports_dir) / run
    try:
        return folder, json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        runs = sorted(p.parent.name for p in Path(reports_dir).glob("*/manifest.json"))
        raise DiffError(f"no run {run!r} in {reports_dir} (runs: {', '.join(runs) or 'none'})") from None


def read_csv(path: Path) -> list[list[str]]:
    """Header and rows of a published table (the one reader); [] when it is missing or unreadable."""
    try:
        table = read_csv_text(path)
    except ReadError:
        return []
    return [table.header, *table.records] if table.header or table.records else []


def number(text: str) -> float:
    return float(text.replace(",", ""))


def describe_change(a: float, b: float) -> str:
    delta = b - a
    if a != 0 and math.isfinite(a):
        return f"{delta:+.6g} ({delta / abs(a):+.1%})"
    return f"{delta:+.6g}"


def align(labels_a: list[str], labels_b: list[str]) -> list[tuple[int, int, str]] | None:
    """Pairs (index in a, index in b, label): by label when both have the same unique labels, else by position
    when the counts agree, else None."""
    if len(set(labels_a)) == len(labels_a) and set(labels_a) == set(labels_b):
        where = {label: i for i, label in enumerate(labels_b)}
        return [(i, where[label], label) for i, label in enumerate(labels_a)]
    if len(labels_a) == len(labels_b):
        return [
            (i, i, f"{a}" if a == b else f"{a} | {b}")
            for i, (a, b) in enumerate(zip(labels_a, labels_b, strict=True))
        ]
    return None


def compare_table(notebook: str, name: str, table_a: list[list[str]], table_b: list[list[str]]) -> list[dict]:
    """Changed numbers, changed texts, reordered rows, and structural changes of one table."""
    rows: list[dict] = []

    def add(kind, row="", column="", a="", b="", change=""):
        rows.append({"kind": kind, "notebook": notebook, "item": name, "row": row, "column": column,
                     "run_a": a, "run_b": b, "change": change})  # fmt: skip

    if not table_a or not table_b:
        add("table-empty", a=str(len(table_a)), b=str(len(table_b)))
        return rows
    header_a, body_a = table_a[0], table_a[1:]
    header_b, body_b = table_b[0], table_b[1:]
    columns = align(header_a, header_b)
    if columns is None:
        add("columns-changed", a=", ".join(header_a), b=", ".join(header_b))
        return rows
    labels_a = [r[0] if r else "" for r in body_a]
    labels_b = [r[0] if r else "" for r in body_b]
    pairs = align(labels_a, labels_b)
    if pairs is None:
        gone = [x for x in labels_a if x not in labels_b]
        new = [x for x in labels_b if x not in labels_a]
        add("rows-changed", a="; ".join(gone) or str(len(body_a)), b="; ".join(new) or str(len(body_b)))
        return rows
    if set(labels_a) == set(labels_b) and labels_a != labels_b and len(set(labels_a)) == len(labels_a):
        for position_a, label in enumerate(labels_a):
            position_b = labels_b.index(label)
            if position_a != position_b:
                add("ranking", row=label, a=str(position_a + 1), b=str(position_b + 1),
                    change=f"{position_a - position_b:+d} place(s)")  # fmt: skip
    for i, j, label in pairs:
        row_a, row_b = body_a[i], body_b[j]
        for ca, cb, column in columns:
            a = row_a[ca] if ca < len(row_a) else ""
            b = row_b[cb] if cb < len(row_b) else ""
            if a == b:
                continue
            if is_number(a) and is_number(b):
                va, vb = number(a), number(b)
                if math.isclose(va, vb, rel_tol=1e-9, abs_tol=1e-12):
                    continue
                add("value", label, column, a, b, describe_change(va, vb))
            else:
                add("text", label, column, a, b)
    return rows


def digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def compare_runs(dir_a: Path, manifest_a: dict, dir_b: Path, manifest_b: dict) -> list[dict]:
    """Every difference between two runs, as rows with COLUMNS."""
    rows: list[dict] = []
    params_a, params_b = manifest_a.get("parameters", {}), manifest_b.get("parameters", {})
    for notebook in sorted(set(params_a) | set(params_b)):
        a, b = params_a.get(notebook, {}), params_b.get(notebook, {})
        for name in sorted(set(a) | set(b)):
            if a.get(name) != b.get(name):
                rows.append({"kind": "parameter", "notebook": notebook, "item": name, "row": "", "column": "",
                             "run_a": json.dumps(a.get(name), ensure_ascii=False),
                             "run_b": json.dumps(b.get(name), ensure_ascii=False), "change": ""})  # fmt: skip
    notebooks_a = {n["name"]: n for n in manifest_a.get("notebooks", [])}
    notebooks_b = {n["name"]: n for n in manifest_b.get("notebooks", [])}
    for notebook in sorted(set(notebooks_a) | set(notebooks_b)):
        na, nb = notebooks_a.get(notebook, {}), notebooks_b.get(notebook, {})
        tables_a = {t["name"]: t for t in na.get("tables", [])}
        tables_b = {t["name"]: t for t in nb.get("tables", [])}
        for name in sorted(set(tables_a) | set(tables_b)):
            if name not in tables_a or name not in tables_b:
                kind = "table-added" if name in tables_b else "table-removed"
                rows.append({"kind": kind, "notebook": notebook, "item": name, "row": "", "column": "",
                             "run_a": "", "run_b": "", "change": ""})  # fmt: skip
                continue
            rows += compare_table(notebook, name, read_csv(dir_a / tables_a[name]["csv"]),
                                  read_csv(dir_b / tables_b[name]["csv"]))  # fmt: skip
        figures_a = {f["name"]: f for f in na.get("figures", [])}
        figures_b = {f["name"]: f for f in nb.get("figures", [])}
        for name in sorted(set(figures_a) | set(figures_b)):
            if name not in figures_a or name not in figures_b:
                kind = "figure-added" if name in figures_b else "figure-removed"
            elif digest(dir_a / str(figures_a[name].get("png"))) != digest(
                dir_b / str(figures_b[name].get("png"))
            ):
                kind = "figure-changed"
            else:
                continue
            rows.append({"kind": kind, "notebook": notebook, "item": name, "row": "", "column": "",
                         "run_a": "", "run_b": "", "change": ""})  # fmt: skip
    return rows


def clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def print_parameters(rows: list[dict], notebooks: int, out: TextIO) -> None:
    """One line per changed parameter value, naming the notebooks unless it is all of them."""
    changes: dict[tuple[str, str, str], list[str]] = {}
    for row in rows:
        changes.setdefault((row["item"], row["run_a"], row["run_b"]), []).append(row["notebook"])
    for (name, before, after), where in changes.items():
        scope = f"all {len(where)} notebooks" if len(where) == notebooks else ", ".join(where)
        print(f"  parameter {name}: {before} -> {after} ({scope})", file=out)


def print_rows(rows: list[dict], run_a: str, run_b: str, out: TextIO, notebooks: int = 0) -> None:
    """A readable digest: parameters, then per table its changed numbers and ranks, then changed texts (a few
    each), and the figures whose image changed."""
    if not rows:
        print(f"runs {run_a!r} and {run_b!r}: no differences in parameters, tables or figures", file=out)
        return
    print(f"{run_a} -> {run_b}", file=out)
    print_parameters([r for r in rows if r["kind"] == "parameter"], notebooks, out)
    groups: dict[tuple[str, str, str], list[dict]] = {}
    for row in rows:
        if row["kind"] != "parameter":
            what = "figure" if row["kind"].startswith("figure") else "table"
            groups.setdefault((row["notebook"], what, row["item"]), []).append(row)
    figures = [f"{notebook}/{item}" for (notebook, what, item), g in groups.items() if what == "figure"]
    for (notebook, what, item), group in groups.items():
        if what == "figure":
            continue
        kinds = {r["kind"] for r in group}
        if kinds & {"table-added", "table-removed"}:
            print(f"  table {notebook}/{item}: {', '.join(sorted(kinds))}", file=out)
            continue
        print(f"  table {notebook}/{item}:", file=out)
        order = ("ranking", "value", "rows-changed", "columns-changed", "table-empty", "text")
        ranked = sorted(group, key=lambda r: order.index(r["kind"]) if r["kind"] in order else len(order))
        for row in ranked[:SHOWN_PER_TABLE]:
            if row["kind"] == "ranking":
                print(f"    rank of {row['row']}: {row['run_a']} -> {row['run_b']}", file=out)
            elif row["kind"] in ("value", "text"):
                where = f"{clip(row['row'], 30)} / {row['column']}"
                change = f"  {row['change']}" if row["change"] else ""
                print(f"    {where}: {clip(row['run_a'])} -> {clip(row['run_b'])}{change}", file=out)
            else:
                print(f"    {row['kind']}: {clip(row['run_a'])} -> {clip(row['run_b'])}", file=out)
        if len(ranked) > SHOWN_PER_TABLE:
            print(f"    ... and {len(ranked) - SHOWN_PER_TABLE} more cell(s)", file=out)
    if figures:
        print(f"  figures changed, added or removed ({len(figures)}): {', '.join(figures)}", file=out)


def write_rows(rows: list[dict], path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def diff_runs(
    reports_dir: Path, run_a: str, run_b: str, output: Path | None = None, out: TextIO = sys.stdout
) -> int:
    """Print and write the differences between two runs; return the exit code (2 when a run is missing)."""
    try:
        dir_a, manifest_a = read_run(reports_dir, run_a)
        dir_b, manifest_b = read_run(reports_dir, run_b)
    except DiffError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    rows = compare_runs(dir_a, manifest_a, dir_b, manifest_b)
    notebooks = len(set(manifest_a.get("parameters", {})) | set(manifest_b.get("parameters", {})))
    print_rows(rows, run_a, run_b, out, notebooks)
    path = output or Path(reports_dir) / "diffs" / f"{run_a}--{run_b}.csv"
    write_rows(rows, path)
    print(f"{len(rows)} difference(s) written to {path}", file=out)
    return 0

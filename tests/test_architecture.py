"""The house rules that keep analyses following the data, checked on the code itself.

- No fact id and no source id of data/ appears as a literal in src/helpers/ or in a notebook's code cells:
  analyses select by meaning (helpers.selection), so a new source flows in without a code change.
- No sector module imports another sector module, and no sector notebook imports another sector's module:
  what is shared lives in helpers.analysis.common, .targets and .figures.
"""

from __future__ import annotations

import ast
import csv
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "helpers"
SECTOR_MODULES = ("quantum", "biomanufacturing", "hydrogen_fusion", "bci", "embodied_ai", "sixg")
SECTOR_NOTEBOOKS = {
    "01_quantum": "quantum",
    "02_biomanufacturing": "biomanufacturing",
    "03_hydrogen_fusion": "hydrogen_fusion",
    "04_bci": "bci",
    "05_embodied_ai": "embodied_ai",
    "06_6g": "sixg",
}
LITERAL = re.compile(r"""(?P<q>["'])(?P<text>[^"'\n]{2,120})(?P=q)""")


def data_ids() -> set[str]:
    """Every fact id and source id of the package's data (read with the csv module, not the code under test)."""
    ids: set[str] = set()
    for name, column in (("facts", "fact_id"), ("sources", "source_id")):
        with open(ROOT / "data" / f"{name}.csv", encoding="utf-8-sig", newline="") as handle:
            ids |= {row[column] for row in csv.DictReader(handle)}
    return ids


def code_texts() -> list[tuple[str, str]]:
    """(where, code) for every module of src/helpers and every code cell of every notebook."""
    texts = [
        (str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")) for path in sorted(SRC.rglob("*.py"))
    ]
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for number, cell in enumerate(cells, start=1):
            if cell["cell_type"] == "code":
                texts.append((f"{path.name} cell {number}", "".join(cell["source"])))
    return texts


def id_literals(text: str, ids: set[str]) -> list[str]:
    """Fact or source ids quoted in `text`, or standing as a word in a comment."""
    found = [m["text"] for m in LITERAL.finditer(text) if m["text"] in ids]
    for line in text.splitlines():
        if "#" in line:
            comment = line.split("#", 1)[1]
            found += [word for word in re.findall(r"[A-Za-z0-9_\-]+", comment) if word in ids]
    return found


def test_the_scanner_finds_an_id_in_code_and_in_a_comment() -> None:
    ids = {"quantum_hefei_firms", "anue-2025-10-27"}
    assert id_literals('x = get("quantum_hefei_firms")', ids) == ["quantum_hefei_firms"]
    assert id_literals("rate = 7.19  # source anue-2025-10-27", ids) == ["anue-2025-10-27"]
    assert id_literals('name = "quantum_hefei_firms_2025"', ids) == []


def test_no_fact_or_source_id_in_helpers_or_notebook_code() -> None:
    ids = data_ids()
    assert len(ids) > 100  # the scan is only as good as the ids it knows
    offenders = [f"{where}: {found}" for where, text in code_texts() if (found := id_literals(text, ids))]
    assert not offenders, "\n".join(offenders)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
    return names


@pytest.mark.parametrize("module", SECTOR_MODULES)
def test_no_sector_module_imports_another(module: str) -> None:
    imported = imported_modules(SRC / "analysis" / f"{module}.py")
    others = {f"helpers.analysis.{m}" for m in SECTOR_MODULES if m != module}
    assert not imported & others, sorted(imported & others)


@pytest.mark.parametrize(("notebook", "module"), sorted(SECTOR_NOTEBOOKS.items()))
def test_a_sector_notebook_uses_only_its_own_sector_module(notebook: str, module: str) -> None:
    cells = json.loads((ROOT / "notebooks" / f"{notebook}.ipynb").read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    used = set(re.findall(r"helpers\.analysis(?:\.| import )(\w+)", code))
    assert module in used
    assert not used & (set(SECTOR_MODULES) - {module}), sorted(used)

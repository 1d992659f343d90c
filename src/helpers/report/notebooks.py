"""Read what the runner needs from a notebook file without starting a kernel or importing nbformat.

The `parameters` cell is parsed with `ast` (assignments of literals, each line's comment kept as its help),
the first heading gives the title, import statements tell the fork server what to pre-load, and the name or
the metadata key `future_industries.sectors` tells which sectors of the data the notebook reads.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from helpers.report.config import NOTEBOOK_GLOB, NOTEBOOK_METADATA_KEY


class NotebookError(ValueError):
    """A notebook is missing, unreadable, or its parameters cell cannot be read."""


@dataclass(frozen=True)
class Parameter:
    """One name of a notebook's parameters cell."""

    name: str
    default: object
    help: str = ""


@dataclass(frozen=True)
class NotebookInfo:
    """What the runner knows about one notebook before executing it."""

    name: str  # file stem, e.g. "01_quantum"
    path: Path
    sha256: str
    title: str
    parameters: dict[str, Parameter]
    imports: tuple[str, ...]
    code_cells: int
    sectors: tuple[str, ...] | None  # None: reads every sector (or cannot tell)
    kernel_name: str = "python3"
    metadata: dict = field(default_factory=dict)

    @property
    def defaults(self) -> dict[str, object]:
        return {name: p.default for name, p in self.parameters.items()}


def find_notebooks(notebooks_dir: Path) -> list[Path]:
    """Return the numbered notebooks `NN_name.ipynb` of `notebooks_dir`, in order."""
    return sorted(p for p in Path(notebooks_dir).glob(NOTEBOOK_GLOB) if p.is_file())


def cell_source(cell: dict) -> str:
    """A cell's source as one string (nbformat allows a list of lines)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def parse_parameters_cell(source: str, notebook: str) -> dict[str, Parameter]:
    """Return name -> Parameter for each `name = <literal>` (or annotated) assignment of a parameters cell.

    Raises:
        NotebookError: the cell is not valid Python, or a default is not a literal.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise NotebookError(
            f"{notebook}: the parameters cell is not valid Python (line {error.lineno}): {error.msg}"
        ) from None
    lines = source.splitlines()
    parameters: dict[str, Parameter] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            target, value = node.targets[0].id, node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            target, value = node.target.id, node.value
        else:
            continue
        try:
            default = ast.literal_eval(value)
        except ValueError:
            raise NotebookError(
                f"{notebook}: parameter {target!r} needs a literal default (a number, text, list or dict), "
                f"got `{ast.get_source_segment(source, value)}`"
            ) from None
        rest = lines[node.end_lineno - 1][node.end_col_offset or 0 :] if node.end_lineno else ""
        comment = rest.split("#", 1)[1].strip() if "#" in rest else ""
        parameters[target] = Parameter(target, default, comment)
    return parameters


def scan_imports(sources: list[str]) -> tuple[str, ...]:
    """Modules named by the import statements of `sources` (cells that parse): `import a.b` gives "a.b";
    `from a import b, c` gives "a", "a.b" and "a.c" (b and c may be submodules, as in `from helpers.analysis
    import quantum`; the fork server skips a name that is not a module)."""
    names: dict[str, None] = {}
    for source in sources:
        if "import" not in source:  # no import statement without the keyword: no need to parse the cell
            continue
        try:
            tree = ast.parse(re.sub(r"^\s*[%!].*$", "", source, flags=re.MULTILINE))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update((alias.name, None) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names[node.module] = None
                names.update(
                    (f"{node.module}.{alias.name}", None) for alias in node.names if alias.name != "*"
                )
    return tuple(names)


def infer_sectors(name: str, metadata: dict, sector_ids: tuple[str, ...]) -> tuple[str, ...] | None:
    """Sectors a notebook reads: metadata `future_industries.sectors`, else the name `NN_<sector>`, else None
    (all of them)."""
    declared = (metadata.get(NOTEBOOK_METADATA_KEY) or {}).get("sectors")
    if isinstance(declared, list) and declared and all(isinstance(s, str) for s in declared):
        return tuple(declared)
    stem = re.sub(r"^\d+_", "", name)
    return (stem,) if stem in sector_ids else None


def read_notebook(path: Path, sector_ids: tuple[str, ...] = ()) -> NotebookInfo:
    """Read `path` as JSON and describe it.

    Raises:
        NotebookError: unreadable file, not a notebook, or a parameters cell that cannot be read.
    """
    name = path.stem
    try:
        raw = path.read_bytes()
        document = json.loads(raw)
    except OSError as error:
        raise NotebookError(f"{name}: cannot read {path}: {error.strerror}") from None
    except ValueError as error:
        raise NotebookError(f"{name}: {path} is not a JSON notebook: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("cells"), list):
        raise NotebookError(f"{name}: {path} has no list of cells")
    cells = document["cells"]
    metadata = document.get("metadata") or {}
    parameters: dict[str, Parameter] = {}
    for cell in cells:
        if cell.get("cell_type") == "code" and "parameters" in (cell.get("metadata", {}).get("tags") or []):
            parameters = parse_parameters_cell(cell_source(cell), name)
            break
    code_sources = [cell_source(c) for c in cells if c.get("cell_type") == "code"]
    title = name
    for cell in cells:
        if cell.get("cell_type") == "markdown":
            match = re.search(r"^#\s+(.+)$", cell_source(cell), flags=re.MULTILINE)
            if match:
                title = match.group(1).strip()
                break
    return NotebookInfo(
        name=name,
        path=path,
        sha256=hashlib.sha256(raw).hexdigest(),
        title=title,
        parameters=parameters,
        imports=scan_imports(code_sources),
        code_cells=len(code_sources),
        sectors=infer_sectors(name, metadata, sector_ids),
        kernel_name=(metadata.get("kernelspec") or {}).get("name") or "python3",
        metadata=metadata,
    )


def same_number(token: str, stem: str) -> bool:
    """True when `token` is the number of notebook `stem` ("7" or "07" for "07_synthesis")."""
    prefix = stem.split("_", 1)[0]
    return token.isdigit() and prefix.isdigit() and int(token) == int(prefix)


def select_notebooks(available: list[Path], wanted: list[str]) -> list[Path]:
    """Pick notebooks by name: the full stem ("01_quantum"), its number ("01" or "1") or its topic ("quantum").

    Raises:
        NotebookError: a name that matches no notebook, or several.
    """
    if not wanted:
        return available
    chosen: list[Path] = []
    for item in wanted:
        token = Path(item).stem if item.endswith(".ipynb") else item
        matches = [
            p for p in available if token in (p.stem, p.stem.split("_", 1)[-1]) or same_number(token, p.stem)
        ]
        if len(matches) != 1:
            names = ", ".join(p.stem for p in available) or "none"
            why = "matches several notebooks" if matches else "is not a notebook"
            raise NotebookError(f"unknown notebook {item!r}: it {why}; the notebooks are {names}")
        if matches[0] not in chosen:
            chosen.append(matches[0])
    return sorted(chosen)

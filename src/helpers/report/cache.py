"""Execution cache: a notebook whose inputs have not changed is not executed again.

The key of a notebook hashes everything that can change its outputs: its own file, every file of the
`helpers` package, requirements.lock, the Python version and kernel, its resolved parameters, and the data it
reads. For a sector notebook (`01_quantum` reads sector `quantum`) the data part covers only that sector's rows
of facts.csv and city_roles.csv, plus every other data file whole; a notebook whose sectors cannot be told
(the synthesis) covers all data. Entries live in `<reports>/.cache/<notebook>/<key>/`, written beside and
renamed in whole, so a reader never sees half an entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from helpers.readers import decode_text, parse_csv, read_csv_dicts
from helpers.report.config import CACHE_ENTRIES_KEPT, SECTOR_TABLES, Folders

RUNNER_CACHE_VERSION = "2"  # bump when the runner changes what it passes to notebooks or stores
# Parts of helpers that only draw the page from cached results (or compare runs): editing them must not
# re-execute notebooks. Everything else under helpers/, the rest of the runner included, is in every key.
PAGE_ONLY_FILES: tuple[str, ...] = (
    "report/templates", "report/render.py", "report/diff.py", "report/publish.py", "report/environment.py",
    "report/__main__.py", "report/fonts.py",
)  # fmt: skip
ENTRY_FILE = "entry.json"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_json(value: object) -> str:
    """Hash of a JSON-able value, independent of dict order."""
    return sha256_bytes(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode())


def hash_tree(root: Path, exclude: tuple[str, ...] = ()) -> str:
    """Hash of every file under `root` (names and contents), skipping __pycache__, compiled files and the
    relative paths (files or folders) in `exclude`."""
    digest = hashlib.sha256()
    for path in sorted(Path(root).rglob("*")):
        if "__pycache__" in path.parts or path.suffix in (".pyc", ".pyo") or not path.is_file():
            continue
        name = path.relative_to(root).as_posix()
        if any(name == e or name.startswith(e + "/") for e in exclude):
            continue
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def hash_sector_rows(text: str, label: str = "table") -> tuple[str, dict[str, str]]:
    """Split a CSV with a `sector` column by sector; return (hash of the header, sector -> hash of its rows).

    Rows keep their order. A table without a `sector` column hashes whole under the sector "*".

    Raises:
        ReadError: the text is not well-formed CSV (the one reader's message: file and line).
    """
    table = parse_csv(text, label)
    if "sector" not in table.header:
        return sha256_bytes(text.encode()), {"*": sha256_bytes(text.encode())}
    header, column = table.header, table.header.index("sector")
    groups: dict[str, list[list[str]]] = {}
    for row in table.records:
        groups.setdefault(row[column] if column < len(row) else "", []).append(row)
    return sha256_json(header), {sector: sha256_json(group) for sector, group in groups.items()}


@dataclass(frozen=True)
class DataHashes:
    """Hashes of the data folder: whole files, and per-sector rows of the sector tables."""

    files: dict[str, str]  # file name -> sha256 of its bytes
    sector_rows: dict[str, tuple[str, dict[str, str]]]  # sector table -> (header hash, sector -> rows hash)

    def for_sectors(self, sectors: tuple[str, ...] | None) -> dict[str, str]:
        """The data part of a key: every file whole, except sector tables reduced to `sectors` (None: all)."""
        parts = {}
        for name, digest in self.files.items():
            if sectors is not None and name in self.sector_rows:
                header, groups = self.sector_rows[name]
                if "*" not in groups:
                    parts[f"data/{name}"] = sha256_json(
                        [header, [groups.get(s, "") for s in sorted(sectors)]]
                    )
                    continue
            parts[f"data/{name}"] = digest
        return parts


def hash_data(data_dir: Path) -> DataHashes:
    """Hash every file of `data_dir` (recursively), and the sector tables by sector.

    Raises:
        ReadError: a sector table that is not UTF-8 or not well-formed CSV.
    """
    files: dict[str, str] = {}
    sector_rows: dict[str, tuple[str, dict[str, str]]] = {}
    for path in sorted(Path(data_dir).rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or path.name.startswith("."):
            continue
        name = path.relative_to(data_dir).as_posix()
        raw = path.read_bytes()
        files[name] = sha256_bytes(raw)
        if name in SECTOR_TABLES:
            sector_rows[name] = hash_sector_rows(decode_text(raw, f"data/{name}"), f"data/{name}")
    return DataHashes(files, sector_rows)


@dataclass(frozen=True)
class SourceTexts:
    """The provenance state of a build: where the source texts are, and each kept text's hash or "missing".

    Part of every cache key: a text that appears, disappears or changes executes the notebooks again (the
    provenance check in helpers.data runs on the texts that are there).
    """

    folder: str | None  # the folder searched (None: none found)
    texts: dict[str, str]  # source_id -> sha256 of its text file, or "missing"

    @property
    def unchecked(self) -> list[str]:
        """Source ids whose text is recorded but absent: their figures are NOT checked against the text."""
        return sorted(s for s, digest in self.texts.items() if digest == "missing")

    def key(self) -> str:
        return sha256_json({"ran": self.folder is not None, "texts": self.texts})


def hash_source_texts(data_dir: Path, sources_dir: Path | None) -> SourceTexts:
    """Hash the text of every source of data/sources.csv that names a `file_name` (read with the one reader).

    Raises:
        ReadError: data/sources.csv cannot be read.
    """
    texts: dict[str, str] = {}
    for row in read_csv_dicts(Path(data_dir) / "sources.csv", "data/sources.csv"):
        name = (row.get("file_name") or "").strip()
        if not name:
            continue
        path = Path(sources_dir) / name if sources_dir is not None else None
        texts[row.get("source_id", name)] = (
            sha256_bytes(path.read_bytes()) if path is not None and path.is_file() else "missing"
        )
    return SourceTexts(str(sources_dir) if sources_dir is not None else None, texts)


@dataclass(frozen=True)
class Inputs:
    """Hashes shared by every notebook of a build."""

    helpers: str
    lock: str
    python: str
    data: DataHashes
    sources: SourceTexts = SourceTexts(None, {})

    @classmethod
    def collect(cls, folders: Folders) -> Inputs:
        from helpers.paths import find_sources_dir

        lock = folders.lock.read_bytes() if folders.lock.is_file() else b""
        return cls(
            helpers=hash_tree(folders.helpers, PAGE_ONLY_FILES),
            lock=sha256_bytes(lock),
            python=sys.version.split()[0],
            data=hash_data(folders.data),
            sources=hash_source_texts(folders.data, find_sources_dir()),
        )


def key_parts(inputs: Inputs, notebook_sha: str, kernel: str, parameters: dict, sectors) -> dict[str, str]:
    """Every named part of a notebook's cache key (what the summary compares to say what changed)."""
    return {
        "notebook": notebook_sha,
        "helpers": inputs.helpers,
        "requirements.lock": inputs.lock,
        "python": inputs.python,
        "kernel": kernel,
        "parameters": sha256_json(parameters),
        "runner": RUNNER_CACHE_VERSION,
        "source texts": inputs.sources.key(),
        **inputs.data.for_sectors(sectors),
    }


def cache_key(parts: dict[str, str]) -> str:
    return sha256_json(parts)[:32]


def describe_change(old: dict[str, str] | None, new: dict[str, str], sectors) -> str:
    """Why a notebook runs again, in a few words: what differs between the last entry's parts and now."""
    if old is None:
        return "not in the cache"
    changed = [name for name in sorted(set(old) | set(new)) if old.get(name) != new.get(name)]
    if not changed:
        return "cache entry missing"
    words = []
    for name in changed:
        if name.startswith("data/"):
            table = name.removeprefix("data/")
            scope = f" ({', '.join(sectors)} rows)" if sectors and table in SECTOR_TABLES else ""
            words.append(f"{table}{scope}")
        elif name == "notebook":
            words.append("notebook edited")
        elif name == "parameters":
            words.append("parameters")
        else:
            words.append(name)
    return "changed: " + ", ".join(words)


def hash_files(folder: Path, exclude: tuple[str, ...] = (ENTRY_FILE,)) -> dict[str, str]:
    """Relative path -> sha256 of every file under `folder` (names in `exclude` left out), sorted."""
    return {
        path.relative_to(folder).as_posix(): sha256_bytes(path.read_bytes())
        for path in sorted(Path(folder).rglob("*"))
        if path.is_file() and path.relative_to(folder).as_posix() not in exclude
    }


def damaged_files(folder: Path, recorded: object) -> list[str]:
    """Files of `recorded` (path -> sha256) missing from `folder` or holding other bytes; ["(no hashes)"]
    when nothing was recorded."""
    if not isinstance(recorded, dict) or not recorded:
        return ["(no hashes recorded)"]
    damaged = []
    for name, digest in sorted(recorded.items()):
        path = Path(folder) / name
        try:
            if sha256_bytes(path.read_bytes()) != digest:
                damaged.append(name)
        except OSError:
            damaged.append(name)
    return damaged


class Cache:
    """The entries of one reports folder's cache. Each entry records the hash of every file it holds; an
    entry whose files do not match is not used, and a store replaces it."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.damaged: dict[tuple[str, str], list[str]] = {}  # (notebook, key) -> damaged files, from lookup

    def entry_dir(self, notebook: str, key: str) -> Path:
        return self.root / notebook / key

    def read_record(self, notebook: str, key: str) -> dict | None:
        """The entry's record when its entry.json is readable, else None (nothing is checked)."""
        try:
            record = json.loads((self.entry_dir(notebook, key) / ENTRY_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return record if isinstance(record, dict) else None

    def lookup(self, notebook: str, key: str) -> dict | None:
        """The entry's record (with "path") when a whole entry exists, its files as recorded; else None
        (a damaged entry's files are kept in `damaged`). Marks it as used."""
        entry = self.entry_dir(notebook, key)
        record = self.read_record(notebook, key)
        if record is None:
            if entry.exists():
                self.damaged[(notebook, key)] = [ENTRY_FILE]
            return None
        damaged = damaged_files(entry, record.get("files"))
        if damaged:
            self.damaged[(notebook, key)] = damaged
            return None
        try:
            os.utime(entry / ENTRY_FILE)
        except OSError:
            pass
        record["path"] = entry
        return record

    def latest_record(self, notebook: str) -> dict | None:
        """The record of the most recently used entry of `notebook`, or None."""
        records = sorted(self.root.glob(f"{notebook}/*/{ENTRY_FILE}"), key=lambda p: p.stat().st_mtime)
        for path in reversed(records):
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(record, dict) and "parts" in record:
                return record
        return None

    def latest_parts(self, notebook: str) -> dict[str, str] | None:
        """The key parts of the most recently used entry of `notebook`, or None."""
        record = self.latest_record(notebook)
        return record["parts"] if record else None

    def store(self, notebook: str, key: str, work_dir: Path, record: dict) -> Path:
        """Move a finished work folder into the cache as entry `key`; return the entry's folder.

        The record (with the hash of every file) is written last, then the folder is renamed into place in one
        step. An existing entry of the same key is kept when whole (another build stored it first) and
        replaced when damaged.
        """
        record = dict(record, files=hash_files(work_dir))
        (work_dir / ENTRY_FILE).write_text(
            json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        target = self.entry_dir(notebook, key)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(work_dir, target)
            return target
        except OSError:
            pass
        existing = self.read_record(notebook, key)
        if existing is not None and not damaged_files(target, existing.get("files")):
            shutil.rmtree(
                work_dir, ignore_errors=True
            )  # another build stored the same key first: keep theirs
            return target
        aside = target.with_name(f".damaged-{key}-{os.getpid()}")
        os.replace(target, aside)
        os.replace(work_dir, target)
        shutil.rmtree(aside, ignore_errors=True)
        self.damaged.pop((notebook, key), None)
        return target

    def prune(self, notebook: str, keep: int = CACHE_ENTRIES_KEPT, protect: tuple[str, ...] = ()) -> None:
        """Remove all but the `keep` most recently used entries of `notebook`; never those in `protect` nor any
        used in the last ten minutes (another build may be copying it)."""
        entries = sorted(
            (p for p in (self.root / notebook).glob("*") if p.is_dir() and (p / ENTRY_FILE).exists()),
            key=lambda p: (p / ENTRY_FILE).stat().st_mtime,
            reverse=True,
        )
        recent = time.time() - 600
        for entry in entries[keep:]:
            if entry.name not in protect and (entry / ENTRY_FILE).stat().st_mtime < recent:
                shutil.rmtree(entry, ignore_errors=True)

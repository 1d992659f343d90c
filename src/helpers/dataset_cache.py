"""A validated dataset kept on disk for one build, so its notebooks' kernels validate the tables once, not once each.

The report runner sets $FUTURE_INDUSTRIES_DATASET_CACHE to a folder of its cache; `load_dataset_cached` then
returns the dataset pickled there when its key matches, else validates (helpers.data.load_dataset) and stores
the result. The key hashes everything validation depends on: every file of the data folder (the dictionary
included), the source texts of the provenance check, the code of the helpers package (the report runner
excepted), and the Python, pandas and numpy versions. Each file records the SHA-256 of its payload: a file
that does not match (truncated, corrupted) is never unpickled but rebuilt. Builds running at once take a
lock per key, so the first validates and the others wait and read its file. Without the variable (a notebook
run by hand), the data are loaded and validated as usual.

Beside each dataset file lies its evidence (`evidence-<key>.json`: helpers.evidence.evidence_records, plain
JSON with the same hash header), which the runner's report page cites: `read_evidence` gives it without
importing pandas (0.24 s of the build's end, measured, where nothing else runs) and this module imports helpers.data only
when it validates or unpickles.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import os
import pickle
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from helpers.paths import DATA_DIR, find_sources_dir

if TYPE_CHECKING:
    from helpers.data import Dataset

DATASET_CACHE_ENV_VAR = "FUTURE_INDUSTRIES_DATASET_CACHE"
CACHE_FORMAT = "future-industries dataset 1"  # first line of a cache file; bump to abandon old files
EVIDENCE_FORMAT = "future-industries evidence 1"  # first line of an evidence file
HELPERS_DIR = Path(__file__).resolve().parent
FILES_KEPT = 4  # dataset files kept in a cache folder (the most recently written)
STALE_TEMPORARY_S = 600  # a temporary file this old was left by a writer that was killed (prune removes it)


def hash_folder(digest, root: Path | None, exclude: tuple[str, ...] = ()) -> None:
    """Feed the names and contents of every file under `root` (sorted; caches and hidden files skipped) to
    `digest`; a missing folder counts as one marker."""
    if root is None or not Path(root).is_dir():
        digest.update(b"<none>\0")
        return
    for path in sorted(Path(root).rglob("*")):
        name = path.relative_to(root).as_posix()
        if not path.is_file() or "__pycache__" in path.parts or path.suffix in (".pyc", ".pyo"):
            continue
        if path.name.startswith(".") or any(name == e or name.startswith(e + "/") for e in exclude):
            continue
        digest.update(name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())


def dataset_key(data_dir: Path, sources_dir: Path | None) -> str:
    """Hash of everything `load_dataset(data_dir, sources_dir)` depends on (see the module docstring). The
    pandas and numpy versions are read from their installed metadata, not by importing them."""
    versions = [importlib.metadata.version(name) for name in ("pandas", "numpy")]
    digest = hashlib.sha256(CACHE_FORMAT.encode() + b"\0")
    for part in (sys.version, *versions, str(pickle.HIGHEST_PROTOCOL)):
        digest.update(part.encode() + b"\0")
    for label, root, exclude in (("data", data_dir, ()), ("sources", sources_dir, ()),
                                 ("helpers", HELPERS_DIR, ("report",))):  # fmt: skip
        digest.update(label.encode() + b"\0")
        hash_folder(digest, root, exclude)
    return digest.hexdigest()[:32]


def load_dataset(data_dir: Path, sources_dir: Path | None) -> Dataset:
    """helpers.data.load_dataset, imported when first needed (with pandas and pandera)."""
    from helpers.data import load_dataset as load

    return load(data_dir, sources_dir)


def read_payload(path: Path, file_format: str) -> bytes | None:
    """The payload of a cache file of `file_format`, or None when the file is missing, of another format or
    fails its hash (a torn or corrupted file)."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    header, _, payload = raw.partition(b"\n")
    expected = f"{file_format} sha256={hashlib.sha256(payload).hexdigest()}".encode()
    return payload if header == expected else None


def write_payload(path: Path, file_format: str, payload: bytes) -> None:
    """Write `payload` to `path` atomically (a temporary file renamed into place), its hash in the header."""
    header = f"{file_format} sha256={hashlib.sha256(payload).hexdigest()}\n".encode()
    handle, temporary = tempfile.mkstemp(prefix=".dataset-", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(header + payload)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def read_cached(path: Path) -> Dataset | None:
    """The dataset in `path`, or None when the file is missing, of another format or fails its hash."""
    from helpers.data import Dataset

    payload = read_payload(path, CACHE_FORMAT)
    if payload is None:  # never unpickled
        return None
    try:
        dataset = pickle.loads(payload)
    except Exception:  # noqa: BLE001 - a payload that hashes right but does not load is rebuilt too
        return None
    return dataset if isinstance(dataset, Dataset) else None


def evidence_path(path: Path) -> Path:
    """The evidence file beside the dataset file `path`."""
    return path.with_name(path.name.replace("dataset-", "evidence-", 1)).with_suffix(".json")


def write_cached(path: Path, dataset: Dataset) -> None:
    """Write `dataset` to `path` and its evidence beside it (evidence_path), each atomically, the evidence
    first (a dataset file on disk always has its evidence)."""
    from helpers.evidence import evidence_records

    records = evidence_records(dataset)
    text = json.dumps(records, ensure_ascii=False, sort_keys=True, allow_nan=False)
    write_payload(evidence_path(path), EVIDENCE_FORMAT, text.encode())
    write_payload(path, CACHE_FORMAT, pickle.dumps(dataset, protocol=pickle.HIGHEST_PROTOCOL))


def read_evidence(
    cache_dir: Path | str, data_dir: Path = DATA_DIR, sources_dir: Path | None | str = "auto"
) -> dict | None:
    """The evidence records stored with the dataset of `data_dir` in `cache_dir` (see write_cached), or None
    when there are none (not stored yet, another format, a failed hash). Imports neither pandas nor
    helpers.data."""
    if sources_dir == "auto":
        sources_dir = find_sources_dir()
    key = dataset_key(Path(data_dir), sources_dir)
    payload = read_payload(evidence_path(Path(cache_dir) / f"dataset-{key}.pickle"), EVIDENCE_FORMAT)
    if payload is None:
        return None
    try:
        records = json.loads(payload)
    except ValueError:
        return None
    return records if isinstance(records, dict) else None


@contextlib.contextmanager
def key_lock(folder: Path, key: str):
    """Hold an exclusive lock on `<folder>/<key>.lock` (where fcntl exists; elsewhere no lock)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    with open(folder / f"{key}.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def prune(folder: Path, keep: int = FILES_KEPT, now: float | None = None) -> None:
    """Remove all but the `keep` most recently written dataset files of `folder` (and their evidence and locks),
    and temporary files older than STALE_TEMPORARY_S: what a writer killed mid-write left (a writer at work
    renames its file within a second)."""
    now = time.time() if now is None else now
    for temporary in folder.glob(".dataset-*"):
        with contextlib.suppress(OSError):  # renamed or removed meanwhile
            if now - temporary.stat().st_mtime > STALE_TEMPORARY_S:
                temporary.unlink()
    dated = []
    for path in folder.glob("dataset-*.pickle"):  # its evidence file goes with it
        with contextlib.suppress(OSError):  # removed meanwhile by another build
            dated.append((path.stat().st_mtime, path.name, path))
    for _, _, old in sorted(dated, reverse=True)[keep:]:
        key = old.stem.removeprefix("dataset-")
        for path in (old, evidence_path(old), folder / f"{key}.lock"):
            with contextlib.suppress(OSError):
                path.unlink()


_REMEMBERED: dict[Path, Dataset] = {}  # dataset file -> its dataset, kept in memory by `remember=True`


def load_dataset_cached(
    cache_dir: Path | str | None = None,
    data_dir: Path = DATA_DIR,
    sources_dir: Path | None | str = "auto",
    remember: bool = False,
) -> Dataset:
    """The validated dataset of `data_dir`, from `cache_dir` when it holds a good copy, else validated and stored.

    Args:
        cache_dir: folder of dataset files; None: $FUTURE_INDUSTRIES_DATASET_CACHE, and when that is unset or
            empty, no cache (plain `load_dataset`).
        data_dir, sources_dir: as for helpers.data.load_dataset.
        remember: keep the dataset in this process's memory too, so that later calls whose key still matches
            (the same data) return this very object without reading the file. The report runner's fork server
            does this once (helpers.session.warm_up): the kernels it forks then share its pages. Only for
            processes whose callers never modify the dataset they get (one notebook per kernel).

    Raises:
        DataValidationError: the tables are not valid (nothing is stored).
    """
    if cache_dir is None:
        cache_dir = os.environ.get(DATASET_CACHE_ENV_VAR) or None
    if sources_dir == "auto":
        sources_dir = find_sources_dir()
    if cache_dir is None:
        return load_dataset(data_dir, sources_dir)
    folder = Path(cache_dir)
    key = dataset_key(Path(data_dir), sources_dir)
    path = folder / f"dataset-{key}.pickle"
    if path in _REMEMBERED:
        return _REMEMBERED[path]
    dataset = read_cached(path)
    if dataset is not None:
        if remember:
            _REMEMBERED[path] = dataset
        return dataset
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with key_lock(folder, key):
            dataset = read_cached(path)  # another kernel may have written it while this one waited
            if dataset is None:
                dataset = load_dataset(data_dir, sources_dir)
                write_cached(path, dataset)
                prune(folder)
    except OSError:  # a folder that cannot be written (another machine's path, read-only): no cache
        return dataset if dataset is not None else load_dataset(data_dir, sources_dir)
    if remember:
        _REMEMBERED[path] = dataset
    return dataset


def prepare() -> None:
    """Validate and store the build's dataset, when $FUTURE_INDUSTRIES_DATASET_CACHE names its folder (else do
    nothing). The report runner's fork server runs this in a child of its own while it loads the kernels'
    modules; its warm-up then reads the stored file (waiting on the same lock while the child validates)."""
    if os.environ.get(DATASET_CACHE_ENV_VAR):
        load_dataset_cached()

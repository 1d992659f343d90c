"""The build's validated dataset: read back equal, keyed on what validation reads, corrupt files rebuilt."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import ARTICLE_DIR

from helpers import data, dataset_cache
from helpers.dataset_cache import DATASET_CACHE_ENV_VAR, dataset_key, load_dataset_cached


@pytest.fixture
def article_copy(tmp_path: Path) -> Path:
    """A copy of the article fixture's tables, which a test may edit."""
    target = tmp_path / "data"
    shutil.copytree(ARTICLE_DIR, target)
    return target


@pytest.fixture
def counted(monkeypatch) -> list[Path]:
    """Records each validation (helpers.data.load_dataset called by the cache) by its data folder."""
    calls: list[Path] = []
    real = data.load_dataset

    def load(data_dir, sources_dir="auto"):
        calls.append(Path(data_dir))
        return real(data_dir, sources_dir)

    monkeypatch.setattr(dataset_cache, "load_dataset", load)
    return calls


def test_second_load_reads_the_stored_dataset_unchanged(tmp_path, article_copy, counted) -> None:
    cache = tmp_path / "cache"
    first = load_dataset_cached(cache, article_copy, None)
    second = load_dataset_cached(cache, article_copy, None)
    assert counted == [article_copy]  # validated once, then read
    assert len(list(cache.glob("dataset-*.pickle"))) == 1
    for name in ("facts", "city_roles", "sources", "observations", "disagreements", "provenance"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name))
    assert second.assumptions == first.assumptions
    # the article fixture's first fact: Hefei's quantum firms, "93 家", an exact count
    fact = second.facts.set_index("fact_id").loc["quantum_hefei_firms"]
    assert (fact["value"], fact["bound"]) == (93, "=")


def test_a_corrupt_file_is_rebuilt_not_trusted(tmp_path, article_copy, counted) -> None:
    cache = tmp_path / "cache"
    load_dataset_cached(cache, article_copy, None)
    (path,) = cache.glob("dataset-*.pickle")
    raw = bytearray(path.read_bytes())
    raw[-10] ^= 0xFF  # one flipped byte in the pickled payload
    path.write_bytes(bytes(raw))
    assert dataset_cache.read_cached(path) is None
    load_dataset_cached(cache, article_copy, None)
    assert len(counted) == 2  # validated again
    assert dataset_cache.read_cached(path) is not None  # and stored whole again
    path.write_bytes(path.read_bytes()[:100])  # a torn file
    load_dataset_cached(cache, article_copy, None)
    assert len(counted) == 3


def test_key_follows_data_dictionary_sources_and_code(tmp_path, article_copy, monkeypatch) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "a.txt").write_text("paragraph one\n", encoding="utf-8")
    base = dataset_key(article_copy, sources)
    assert dataset_key(article_copy, sources) == base  # same inputs, same key
    (sources / "a.txt").write_text("paragraph one, edited\n", encoding="utf-8")
    after_source = dataset_key(article_copy, sources)
    assert after_source != base
    assert dataset_key(article_copy, None) != after_source  # no source texts: another key
    facts = article_copy / "facts.csv"
    facts.write_text(facts.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    after_data = dataset_key(article_copy, sources)
    assert after_data != after_source
    shutil.copy(data.DATA_DIR / "dictionary.csv", article_copy / "dictionary.csv")  # a dictionary of its own
    after_dictionary = dataset_key(article_copy, sources)
    assert after_dictionary != after_data
    code = tmp_path / "helpers"
    shutil.copytree(dataset_cache.HELPERS_DIR, code, ignore=shutil.ignore_patterns("__pycache__", "report"))
    monkeypatch.setattr(dataset_cache, "HELPERS_DIR", code)
    assert dataset_key(article_copy, sources) == after_dictionary  # the same code in another folder
    (code / "evidence.py").write_text((code / "evidence.py").read_text(encoding="utf-8") + "\n# edit\n")
    assert dataset_key(article_copy, sources) != after_dictionary


def test_without_a_cache_folder_the_data_are_validated_as_usual(tmp_path, article_copy, counted, monkeypatch):
    monkeypatch.delenv(DATASET_CACHE_ENV_VAR, raising=False)
    load_dataset_cached(None, article_copy, None)
    load_dataset_cached(None, article_copy, None)
    assert len(counted) == 2  # no cache: validated each time
    cache = tmp_path / "from-env"
    monkeypatch.setenv(DATASET_CACHE_ENV_VAR, str(cache))
    load_dataset_cached(None, article_copy, None)
    load_dataset_cached(None, article_copy, None)
    assert len(counted) == 3 and len(list(cache.glob("dataset-*.pickle"))) == 1


def test_invalid_data_raise_and_store_nothing(tmp_path, article_copy) -> None:
    facts = article_copy / "facts.csv"
    lines = facts.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("quantum_hefei_firms", "Not An Id", 1)
    facts.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cache = tmp_path / "cache"
    with pytest.raises(data.DataValidationError, match="facts.csv"):
        load_dataset_cached(cache, article_copy, None)
    assert not list(cache.glob("dataset-*.pickle"))


def test_prune_keeps_the_newest_files(tmp_path) -> None:
    import os

    for age in range(6):
        path = tmp_path / f"dataset-{age}.pickle"
        path.write_bytes(b"x")
        (tmp_path / f"evidence-{age}.json").write_bytes(b"x")
        os.utime(path, (1_000_000 - age, 1_000_000 - age))  # dataset-0 is the newest
    dataset_cache.prune(tmp_path, keep=4)
    assert sorted(p.name for p in tmp_path.glob("dataset-*.pickle")) == [
        f"dataset-{i}.pickle" for i in range(4)
    ]
    assert sorted(p.name for p in tmp_path.glob("evidence-*.json")) == [
        f"evidence-{i}.json" for i in range(4)
    ]


def test_prune_removes_temporary_files_a_killed_writer_left_and_spares_fresh_ones(tmp_path) -> None:
    import os

    left, writing = tmp_path / ".dataset-left", tmp_path / ".dataset-writing"
    for path in (left, writing):
        path.write_bytes(b"half a pickle")
    os.utime(left, (1_000_000, 1_000_000))
    os.utime(writing, (1_000_000 + 3_000, 1_000_000 + 3_000))
    dataset_cache.prune(
        tmp_path, now=1_000_000 + 3_001
    )  # the one an hour old goes, the one a second old stays
    assert not left.exists() and writing.exists()


def test_a_folder_that_cannot_be_written_means_no_cache(tmp_path, article_copy, counted) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", encoding="utf-8")  # mkdir of blocked/datasets fails
    dataset = load_dataset_cached(blocked / "datasets", article_copy, None)
    assert counted == [article_copy] and "quantum_hefei_firms" in set(dataset.facts["fact_id"])


def test_a_remembered_dataset_is_the_same_object_while_its_data_stay_the_same(
    tmp_path, article_copy, counted
) -> None:
    # remember=True (the fork server's warm-up) keeps the dataset in memory: a later call with the same data
    # returns that object without reading the file; once a table changes, the key changes and the new data are
    # validated, never the remembered copy served.
    cache = tmp_path / "cache"
    remembered = load_dataset_cached(cache, article_copy, None, remember=True)
    for path in cache.glob("dataset-*.pickle"):
        path.write_bytes(b"not read again")  # a read would find it corrupt and validate again
    assert load_dataset_cached(cache, article_copy, None) is remembered
    assert counted == [article_copy]
    facts = article_copy / "facts.csv"
    facts.write_text(
        facts.read_text(encoding="utf-8").replace("Quantum firms", "Quantum companies", 1), encoding="utf-8"
    )
    changed = load_dataset_cached(cache, article_copy, None)
    assert changed is not remembered and counted == [article_copy, article_copy]
    assert "Quantum companies" in set(changed.facts["label_en"])


def test_without_remember_each_call_reads_its_own_copy(tmp_path, article_copy) -> None:
    cache = tmp_path / "cache"
    first = load_dataset_cached(cache, article_copy, None)
    assert load_dataset_cached(cache, article_copy, None) is not first


def test_per_dataset_computes_once_per_dataset_object_and_arguments(tmp_path, article_copy) -> None:
    calls: list[tuple] = []

    @data.per_dataset
    def work(dataset, year):
        calls.append((id(dataset), year))
        return len(dataset.facts) + year

    first = load_dataset_cached(tmp_path / "cache", article_copy, None)
    second = load_dataset_cached(tmp_path / "cache", article_copy, None)  # the same data, another object
    n = len(first.facts)
    assert [work(first, 1), work(first, 1), work(first, 2), work(second, 1)] == [n + 1, n + 1, n + 2, n + 1]
    assert calls == [(id(first), 1), (id(first), 2), (id(second), 1)]


def test_the_evidence_lies_beside_the_dataset_and_reads_without_pandas(tmp_path, article_copy) -> None:
    cache = tmp_path / "cache"
    dataset = load_dataset_cached(cache, article_copy, None)
    (stored,) = cache.glob("evidence-*.json")
    assert stored.name == dataset_cache.evidence_path(next(cache.glob("dataset-*.pickle"))).name
    records = dataset_cache.read_evidence(cache, article_copy, None)
    # the article fixture's first fact, as the page prints it: "93 家", value 93 (not "93.0"), paragraph 6
    fact = next(row for row in records["facts"] if row["fact_id"] == "quantum_hefei_firms")
    assert (fact["quantity_text"], fact["value"], fact["bound"], fact["locator"]) == ("93 家", "93", "=", "6")
    assert len(records["facts"]) == len(dataset.facts) and len(records["observations"]) == len(
        dataset.observations
    )
    assert {state for state, _ in records["provenance_states"]} == set(data.PROVENANCE_STATES)
    # a fresh interpreter reads it without importing pandas (the report runner's end)
    code = (
        "import sys; from pathlib import Path; from helpers.dataset_cache import read_evidence; "
        f"r = read_evidence(Path({str(cache)!r}), Path({str(article_copy)!r}), None); "
        "assert r is not None and 'pandas' not in sys.modules, sorted(m for m in sys.modules if 'pandas' in m)"
    )
    import subprocess
    import sys

    subprocess.run([sys.executable, "-c", code], check=True)


def test_evidence_that_fails_its_hash_is_not_read(tmp_path, article_copy, monkeypatch) -> None:
    from helpers.report.render import load_evidence

    monkeypatch.setattr(dataset_cache, "find_sources_dir", lambda: None)  # as the runner finds them: none
    cache = tmp_path / "cache"
    load_dataset_cached(cache, article_copy, None)
    good = dataset_cache.read_evidence(cache, article_copy, None)
    (stored,) = cache.glob("evidence-*.json")
    stored.write_bytes(stored.read_bytes().replace(b"93", b"94", 1))
    assert dataset_cache.read_evidence(cache, article_copy, None) is None
    # the report then takes the evidence from the stored dataset: the same records
    assert load_evidence(article_copy, cache) == json.loads(json.dumps(good))

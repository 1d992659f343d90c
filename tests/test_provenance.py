"""Provenance: the real data against the real source text (anue-2025-10-27), kept outside the repository.

The text is looked up with helpers.paths.find_sources_dir() (../shared/sources or $FUTURE_INDUSTRIES_SOURCES).
Without it these tests skip on a developer's machine, and fail when CI=true: CI must check provenance.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest

from helpers.data import check_provenance, load_dataset, split_paragraphs
from helpers.paths import SOURCES_ENV_VAR, find_sources_dir

SOURCE_ID = "anue-2025-10-27"


def locate_source_text(file_name: str, is_ci: bool) -> Path:
    """The path of a source text; skip when it is absent, or fail when running in CI."""
    folder = find_sources_dir()
    path = folder / file_name if folder else None
    if path is None or not path.is_file():
        reason = f"source text {file_name} not found (looked in ../shared/sources and ${SOURCES_ENV_VAR})"
        if is_ci:
            pytest.fail(f"{reason}; CI must run the provenance check")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(sources_dir=None)  # the provenance is checked here, one claim at a time


@pytest.fixture(scope="module")
def source(dataset) -> dict:
    row = dataset.sources.set_index("source_id").loc[SOURCE_ID]
    path = locate_source_text(row["file_name"], os.environ.get("CI", "").lower() == "true")
    return {"row": row, "path": path, "text": path.read_text(encoding="utf-8")}


def test_missing_text_fails_in_ci_and_skips_elsewhere(tmp_path, monkeypatch):
    monkeypatch.setenv(SOURCES_ENV_VAR, str(tmp_path))  # an existing folder without the text
    with pytest.raises(pytest.fail.Exception, match="CI must run the provenance check"):
        locate_source_text("anue-2025-10-27-future-industries.txt", is_ci=True)
    with pytest.raises(pytest.skip.Exception):
        locate_source_text("anue-2025-10-27-future-industries.txt", is_ci=False)


def test_checksum_matches_sources_csv(source):
    assert hashlib.sha256(source["path"].read_bytes()).hexdigest() == source["row"]["sha256"]


def test_paragraphs_counted_by_hand(source):
    # Non-blank lines of the file: 1 (date line), 3 (headline), 5 (photo caption), 7 (the plan's six sectors),
    # 13 (intro), 15, 17, 19 (quantum), 21, 23 (biomanufacturing), 25, 27, 29 (hydrogen and fusion),
    # 31 (BCI), 33 (embodied AI), 35 (6G), 37 (close): 17 blocks; lines 8-12 are one run of blank lines.
    paragraphs = split_paragraphs(source["text"])
    assert len(paragraphs) == 17
    assert paragraphs[0].startswith("date 2025-10-27")  # the date line is paragraph 1, stripped
    assert "\n" not in "".join(paragraphs)  # each paragraph is one line of the file
    assert "93 家" in paragraphs[5] and "合肥" in paragraphs[5]  # paragraph 6: Hefei's quantum figures
    assert paragraphs[15].startswith("至於在 6G 方面")  # paragraph 16: 6G


def test_split_paragraphs_on_a_small_text():
    text = " date line \n\nsecond\n\n\n\n  third  \n \nfourth\n"
    assert split_paragraphs(text) == ["date line", "second", "third", "fourth"]


def test_every_quantity_text_is_in_its_paragraph(dataset, source):
    paragraphs = split_paragraphs(source["text"])
    facts = dataset.facts[dataset.facts["source_id"] == SOURCE_ID]
    assert len(facts) > 30  # the kept article's own facts
    missing = [
        (fact.fact_id, int(fact.locator), fact.quantity_text)
        for fact in facts.itertuples()
        if not 1 <= fact.locator <= len(paragraphs) or fact.quantity_text not in paragraphs[fact.locator - 1]
    ]
    assert missing == []


def test_check_provenance_finds_nothing(dataset, source):
    assert check_provenance(dataset.facts, dataset.sources, source["path"].parent) == []


def test_every_city_role_names_its_city_in_its_paragraph(dataset, source):
    paragraphs = split_paragraphs(source["text"])
    names = dataset.cities.set_index("place_id")["name_zh"]
    absent = [
        (role.sector, role.place, int(role.locator))
        for role in dataset.city_roles.itertuples()
        if role.source_id == SOURCE_ID and names[role.place] not in paragraphs[role.locator - 1]
    ]
    assert absent == []


def test_sector_terms_are_printed(dataset, source):
    # Each sector is named in the paragraph its locator gives (the plan's list) and every term it lists is
    # printed somewhere in the article; "(garbled)" and other notes in brackets are not part of a term.
    paragraphs = split_paragraphs(source["text"])
    for sector in dataset.sectors.itertuples():
        terms = [re.sub(r"\s*\(.*\)$", "", term).strip() for term in sector.article_terms.split(";")]
        assert all(term in source["text"] for term in terms), sector.sector_id
        assert any(term in paragraphs[sector.locator - 1] for term in terms), sector.sector_id

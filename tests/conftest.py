"""Shared fixtures: a scratch copy of data/ that a test may corrupt without touching the real tables."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers.paths import DATA_DIR


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A copy of data/ (every CSV table and assumptions.yml) in a temporary folder."""
    target = tmp_path / "data"
    target.mkdir()
    for path in DATA_DIR.iterdir():
        if path.suffix in (".csv", ".yml"):
            shutil.copy(path, target / path.name)
    return target

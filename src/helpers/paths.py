"""Every path of the package, resolved from the repository root so a kernel started anywhere works.

Override the folder of source texts with the environment variable FUTURE_INDUSTRIES_SOURCES, and the folder of
data tables with FUTURE_INDUSTRIES_DATA (a copy of data/ with more sources: every notebook then reads it).
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT: Path = Path(__file__).resolve().parents[2]
DATA_ENV_VAR = "FUTURE_INDUSTRIES_DATA"
DATA_DIR: Path = (
    Path(os.environ[DATA_ENV_VAR]).resolve() if os.environ.get(DATA_ENV_VAR) else REPO_ROOT / "data"
)
NOTEBOOKS_DIR: Path = REPO_ROOT / "notebooks"
REPORTS_DIR: Path = REPO_ROOT / "reports"
PARAMS_DIR: Path = REPO_ROOT / "params"
HANDOUTS_DIR: Path = REPO_ROOT / "handouts"
LOCK_FILE: Path = REPO_ROOT / "requirements.lock"
SOURCES_ENV_VAR = "FUTURE_INDUSTRIES_SOURCES"


def find_sources_dir() -> Path | None:
    """Return the folder holding the source texts, or None when it is absent.

    Looks at $FUTURE_INDUSTRIES_SOURCES first, then ../shared/sources beside the repository.
    """
    configured = os.environ.get(SOURCES_ENV_VAR)
    candidates = [Path(configured)] if configured else []
    candidates.append(REPO_ROOT.parent / "shared" / "sources")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return None

"""Folders, defaults and constants of the report runner, in one place (tests point the folders elsewhere).

Imports nothing heavy: a build whose notebooks are all cached must finish in well under a second.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from helpers.paths import DATA_DIR, LOCK_FILE, NOTEBOOKS_DIR, PARAMS_DIR, REPO_ROOT, REPORTS_DIR

HELPERS_DIR: Path = Path(__file__).resolve().parents[1]
TEMPLATES_DIR: Path = Path(__file__).resolve().parent / "templates"
DEFAULT_RUN = "default"
DEFAULT_TIMEOUT_S = 600.0
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"
RUN_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,79}$")
RESERVED_RUN_NAMES = frozenset({"interactive", "diffs", "README.md"})
RUNNER_PARAMETERS = frozenset({"output_dir"})  # set by the runner for each notebook, never by the user
NOTEBOOK_METADATA_KEY = "future_industries"  # notebook metadata: {"sectors": [...]} overrides the name
SECTOR_TABLES = ("facts.csv", "city_roles.csv")  # data files split by their `sector` column for the cache key
# Every kernel, forked or started as usual, gets these: the inline backend ipykernel would pick, and a fixed
# hash seed so that set and dict orders (and any output that depends on them) repeat from build to build.
KERNEL_ENV: dict[str, str] = {
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "PYTHONHASHSEED": "0",
}
# Called once by the fork server before it forks kernels, when the notebooks import the module (what every
# kernel would otherwise do first: the build's validated dataset, the message catalogue, the fonts).
KERNEL_WARM_UP: tuple[str, ...] = ("helpers.session:warm_up",)
# Run by children of the fork server while it imports the kernels' modules, when it warms up as above: the
# dataset is validated and stored meanwhile, and the warm-up reads it.
KERNEL_EARLY: tuple[str, ...] = ("helpers.dataset_cache:prepare",)
# Set for the kernels of a build (the names helpers.outputs and helpers.dataset_cache read): "1" when the build
# writes SVG files (--svg), and the folder of the build's validated dataset, under <reports>/.cache/datasets/.
SVG_ENV_VAR = "FUTURE_INDUSTRIES_SVG"
DATASET_CACHE_ENV_VAR = "FUTURE_INDUSTRIES_DATASET_CACHE"
DATASET_CACHE_FOLDER = "datasets"
# Recorded in manifest.json (installed versions); the full pinned list is requirements.lock.
KEY_PACKAGES: tuple[str, ...] = (
    "papermill", "nbclient", "nbconvert", "nbformat", "ipykernel", "jupyter_client", "jinja2",
    "numpy", "pandas", "matplotlib", "seaborn", "pandera", "opencc",
)  # fmt: skip
CACHE_ENTRIES_KEPT = 8  # per notebook: enough to switch between the params/ files without re-executing


@dataclass(frozen=True)
class Folders:
    """Where the runner reads notebooks, data, helpers and the lock, and where it writes reports.

    The defaults are the repository's; tests pass temporary folders.
    """

    notebooks: Path = NOTEBOOKS_DIR
    reports: Path = REPORTS_DIR
    data: Path = DATA_DIR
    helpers: Path = HELPERS_DIR
    lock: Path = LOCK_FILE
    params: Path = PARAMS_DIR
    repo: Path = REPO_ROOT

    @property
    def cache(self) -> Path:
        return self.reports / ".cache"

    @property
    def datasets(self) -> Path:
        """The validated datasets kernels share (helpers.dataset_cache)."""
        return self.cache / DATASET_CACHE_FOLDER

    @property
    def locks(self) -> Path:
        return self.reports / ".locks"

    @property
    def failed(self) -> Path:
        return self.reports / ".failed"


def default_jobs() -> int:
    """Parallel notebooks by default: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)

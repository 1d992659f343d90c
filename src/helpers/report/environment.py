"""What the manifest records about the environment: installed package versions and the git commit.

Versions are read from the `*.dist-info` folder names on sys.path (importlib.metadata took 0.37 s here for a
dozen packages; a no-change build must stay well under a second).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

DIST_INFO = re.compile(r"^(?P<name>.+?)-(?P<version>[^-]+?)\.dist-info$")


def normalise(name: str) -> str:
    """PEP 503 name: lower case, runs of -_. as one "-"."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_installed_versions(names: tuple[str, ...]) -> dict[str, str]:
    """name -> installed version for `names` found on sys.path (missing ones are left out)."""
    wanted = {normalise(n): n for n in names}
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            listing = os.listdir(entry or ".")
        except OSError:
            continue
        for item in listing:
            match = DIST_INFO.match(item)
            if match and normalise(match["name"]) in wanted:
                found.setdefault(wanted[normalise(match["name"])], match["version"])
    return dict(sorted(found.items()))


def read_git_state(repo: Path) -> dict[str, object]:
    """{"commit": sha or "unknown", "dirty": tracked files differ from the commit}."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return {"commit": "unknown", "dirty": False}
    return {"commit": commit, "dirty": bool(status.strip())}

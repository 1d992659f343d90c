"""Open the report in headless Chromium (Debian's `chromium`, driven by playwright), take a screenshot, and fail
on any broken image, broken local link or console error.

Without chromium the tests skip, except in CI (CI=true), where they fail: `.ci/run` installs it.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from helpers.paths import LOCK_FILE, REPO_ROOT
from helpers.report.build import BuildOptions, build
from helpers.report.config import Folders

pytestmark = pytest.mark.browser
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "report"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


def find_chromium() -> str:
    """Path of Debian's chromium; skips the test (fails it in CI) when there is none."""
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser"):
        path = shutil.which(name) if name else None
        if path:
            return path
    message = "Debian's chromium is not installed (apt-get install chromium; .ci/run installs it in CI)"
    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        pytest.fail(message)
    pytest.skip(message)


def check_page(index: Path, screenshot: Path) -> dict:
    """Open `index` in headless Chromium; return what it found (problems listed under "problems")."""
    from playwright.sync_api import sync_playwright

    chromium = find_chromium()
    problems: list[str] = []
    with sync_playwright() as playwright, tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 2000},
        )
        try:
            page = context.new_page()
            page.on(
                "console",
                lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
            )
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} ({r.failure})"))
            page.goto(index.as_uri(), wait_until="load")
            images = page.evaluate(
                "Array.from(document.images).map(i => [i.getAttribute('src'), i.complete && i.naturalWidth > 0])"
            )
            links = page.evaluate(
                "Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))"
            )
            ids = set(page.evaluate("Array.from(document.querySelectorAll('[id]')).map(e => e.id)"))
            fonts = page.evaluate(  # the page's @font-face fonts once loaded: a font Chromium rejects is "error"
                "document.fonts.ready.then(() => Array.from(document.fonts).map(f => [f.family, f.status]))"
            )
            page.screenshot(path=str(screenshot))
        finally:
            context.close()
    problems += [f"broken image: {src}" for src, ok in images if not ok]
    problems += [f"font failed to load: {family}" for family, status in fonts if status == "error"]
    for href in links:
        parts = urlsplit(href)
        if parts.scheme in ("http", "https", "mailto"):
            continue
        if not parts.path:
            if unquote(parts.fragment) not in ids:
                problems.append(f"broken anchor: {href}")
        elif not (index.parent / unquote(parts.path)).is_file():
            problems.append(f"broken local link: {href}")
    fonts = {family.strip('"'): status for family, status in fonts}
    return {"problems": problems, "images": len(images), "links": len(links), "fonts": fonts}


def test_fixture_report_opens_cleanly_in_chromium(tmp_path: Path) -> None:
    find_chromium()
    for name in ("notebooks", "data", "helpers_stub"):
        shutil.copytree(FIXTURES / name, tmp_path / name)
    folders = Folders(notebooks=tmp_path / "notebooks", reports=tmp_path / "reports", data=tmp_path / "data",
                      helpers=tmp_path / "helpers_stub", lock=LOCK_FILE, repo=REPO_ROOT)  # fmt: skip
    err = io.StringIO()
    assert build(BuildOptions(progress=False), folders, out=io.StringIO(), err=err) == 0, err.getvalue()
    found = check_page(folders.reports / "default" / "index.html", tmp_path / "screenshot.png")
    assert found["problems"] == []
    assert found["images"] == 3 and found["links"] > 10
    assert found["fonts"] == {"Report CJK": "loaded"}  # the page's own CJK font (helpers.report.fonts)
    assert (tmp_path / "screenshot.png").stat().st_size > 10_000


@pytest.mark.slow
def test_real_report_opens_cleanly_in_chromium(tmp_path_factory) -> None:
    find_chromium()
    from test_report_integration import build_real_report

    reports = build_real_report(tmp_path_factory.getbasetemp())
    run = reports / "default"
    screenshot = tmp_path_factory.getbasetemp() / "real-report-screenshot.png"
    found = check_page(run / "index.html", screenshot)
    assert found["problems"] == []
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert found["images"] == sum(len(n["figures"]) for n in manifest["notebooks"])
    assert found["fonts"] == {"Report CJK": "loaded"}
    assert screenshot.stat().st_size > 10_000

"""The report page carries its own CJK font (helpers.report.fonts): a subset of the figures' Noto Sans CJK SC
with a glyph for every non-ASCII character of index.html, the same bytes from one build to the next; without a
CJK font the report still builds, with a one-line warning. Built from the fixture notebooks of test_report.
"""

from __future__ import annotations

import io
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from test_report import make_workspace, run_build, snapshot

from helpers.report import fonts
from helpers.report.config import Folders


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Folders:
    """A workspace whose default run is built (and its notebooks cached) once for the module."""
    folders = make_workspace(tmp_path_factory.mktemp("fonts"))
    outcome = run_build(folders)
    assert outcome.code == 0, outcome.err
    assert "warning" not in outcome.err
    return folders


@pytest.fixture
def workspace(built: Folders, tmp_path: Path) -> Folders:
    """A private copy of the built workspace (report and cache included)."""
    root = tmp_path / "ws"
    shutil.copytree(built.notebooks.parent, root, symlinks=True)
    return replace(built, notebooks=root / "notebooks", reports=root / "reports", data=root / "data",
                   helpers=root / "helpers_stub")  # fmt: skip


def test_page_ships_a_subset_font_with_a_glyph_for_every_character(built: Folders) -> None:
    run = built.reports / "default"
    html = (run / "index.html").read_text(encoding="utf-8")
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    # referenced by the page: declared with @font-face and first in the font-family list
    assert (
        f'@font-face {{ font-family: "Report CJK"; src: url("{fonts.FONT_FILE}") format("opentype");' in html
    )
    assert 'body { font-family: "Report CJK", "Noto Sans CJK SC", "Noto Sans",' in html
    page = {c for c in html if ord(c) > 0x7F}
    assert {"家", "個", "約", "億", "¶"} <= page  # the fixture data's quantities as printed reach the page
    font = TTFont(run / fonts.FONT_FILE)
    cmap = {chr(code) for code in font.getBestCmap()}
    assert sorted(page - cmap) == []
    assert cmap == page | set(fonts.EXTRA_CHARACTERS)  # exactly those: no ASCII, nothing else
    assert len(font.getGlyphOrder()) <= len(cmap) + 5  # .notdef and a few glyphs of kept features, no locl
    # the figures' font, with its own timestamp (the subsetter did not write the time of the build)
    source = TTFont(fonts.bundled_font(), lazy=True)
    assert font["name"].getDebugName(16) == "Noto Sans CJK SC"
    assert font["head"].modified == source["head"].modified
    expected = {"file": fonts.FONT_FILE, "licence": fonts.LICENCE_FILE, "source": "NotoSansCJKsc-Regular.otf",
                "characters": len(cmap), "missing": ""}  # fmt: skip
    assert manifest["font"] == expected
    licence = (run / fonts.LICENCE_FILE).read_text(encoding="utf-8")
    assert "SIL Open Font License, Version 1.1" in licence and "Copyright © 2014, 2015 Adobe" in licence
    assert f"with {len(cmap)} characters" in licence


def test_a_forced_rebuild_writes_the_same_font(workspace: Folders) -> None:
    run = workspace.reports / "default"
    before = snapshot(run)
    outcome = run_build(workspace, force=True)
    assert outcome.code == 0, outcome.err
    after = snapshot(run)
    compared = [fonts.FONT_FILE, fonts.LICENCE_FILE, "index.html"]
    assert [name for name in compared if before[name] != after[name]] == []


def test_without_a_cjk_font_the_report_builds_with_one_warning(workspace: Folders, monkeypatch) -> None:
    import helpers.plots

    def no_font():
        raise helpers.plots.FontNotFoundError("no CJK font")

    monkeypatch.setattr(fonts, "bundled_font", lambda: None)
    monkeypatch.setattr(helpers.plots, "find_cjk_font", no_font)
    outcome = run_build(workspace, run="no-font")
    assert outcome.code == 0, outcome.err
    assert outcome.err.splitlines() == [fonts.NO_FONT_WARNING]
    run = workspace.reports / "no-font"
    html = (run / "index.html").read_text(encoding="utf-8")
    assert "@font-face" not in html and "Report CJK" not in html
    assert 'body { font-family: "Noto Sans CJK SC", "Noto Sans",' in html  # the reader's fonts
    assert not (run / "assets").exists()
    assert json.loads((run / "manifest.json").read_text(encoding="utf-8"))["font"] is None


def test_characters_the_font_lacks_are_named_in_a_warning(workspace: Folders, tmp_path: Path) -> None:
    params = tmp_path / "emoji.yml"
    params.write_text("description: Smiling \U0001f642 report\n", encoding="utf-8")
    outcome = run_build(workspace, params_file=params)
    assert outcome.code == 0, outcome.err
    assert outcome.err.splitlines() == [
        "warning: the page font has no glyph for 1 character(s) of index.html (\U0001f642); the reader's "
        "fonts draw them"
    ]
    run = workspace.reports / "emoji"
    assert "Smiling \U0001f642 report" in (run / "index.html").read_text(encoding="utf-8")
    cmap = TTFont(run / fonts.FONT_FILE).getBestCmap()
    assert 0x1F642 not in cmap and ord("家") in cmap
    assert json.loads((run / "manifest.json").read_text(encoding="utf-8"))["font"]["missing"] == "\U0001f642"


def test_a_subset_holds_exactly_the_characters_asked_for_and_names_those_it_lacks() -> None:
    source = fonts.find_font()
    if source is None:
        pytest.skip("no CJK font on this machine")
    # six Chinese characters, an ASCII space (left out) and an emoji the font lacks
    characters = fonts.page_characters("合肥 量子 上海 \U0001f642")
    data, missing, names = fonts.subset_font(source, characters)
    assert missing == "\U0001f642"
    font = TTFont(io.BytesIO(data))
    assert {chr(code) for code in font.getBestCmap()} == set("合肥量子上海") | set(fonts.EXTRA_CHARACTERS)
    assert not set(fonts.DROPPED_TABLES) & set(font.keys())
    features = {record.FeatureTag for table in ("GSUB", "GPOS") if table in font
                for record in font[table].table.FeatureList.FeatureRecord}  # fmt: skip
    assert not features & set(fonts.DROPPED_FEATURES)
    assert {record.nameID for record in font["name"].names} == set(fonts.NAME_IDS)
    assert names[16] == "Noto Sans CJK SC" and names[1] == font["name"].getDebugName(1)
    assert fonts.subset_font(source, characters) == (data, missing, names)  # the same bytes every time

"""The report page's own CJK font: Noto Sans CJK SC cut down to exactly the characters index.html uses.

The page shows Chinese text from the data (city names, quantities as printed, captions of zh-Hant and zh-Hans
runs); a reader without a CJK font (many Linux desktops) would see boxes. So each run folder carries
`assets/noto-sans-cjk-subset.otf`: the font the figures are drawn with (mplfonts' NotoSansCJKsc-Regular.otf,
else what `helpers.plots.find_cjk_font` finds), subset by HarfBuzz to every non-ASCII character of the
rendered page plus `EXTRA_CHARACTERS` (CJK punctuation), beside a note on its licence (SIL Open Font License
1.1, from the font's own name table: mplfonts ships no licence text). The page's CSS declares it with
`@font-face` and names it first; it has no ASCII glyphs, so Latin text keeps the fonts listed after it.

Same page, same bytes: the subsetter keeps the source's `head.modified` (no timestamp recalculation) and
the glyph order follows the source. Without any CJK font the page is written without one (the CSS falls
back to the reader's fonts) and a one-line warning says so.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

# Relative to the run folder, as the page's CSS refers to it. OpenType (CFF, like the source): WOFF2 would need
# brotli, which the environment does not have.
FONT_FILE = "assets/noto-sans-cjk-subset.otf"
LICENCE_FILE = "assets/noto-sans-cjk-subset.LICENSE.txt"
BUNDLED_FONT = "NotoSansCJKsc-Regular.otf"  # in mplfonts/fonts/, the first font find_cjk_font tries
EXTRA_CHARACTERS = "、。，．：；？！（）「」『』《》〈〉【】…—·％～"
"""Characters the subset always holds (CJK punctuation), whether or not the page uses them."""
DROPPED_FEATURES = ("locl", "vert", "vrt2")
"""Not kept: the TC/JP/KR glyph variants (`locl`: they would double the size; the figures, drawn by
matplotlib, show the SC forms too) and vertical forms (the page is horizontal)."""
DROPPED_TABLES = ("BASE", "VORG", "vhea", "vmtx")  # vertical metrics and baselines: unused on the page
NAME_IDS = (0, 1, 2, 3, 4, 5, 6, 7, 13, 14, 16)  # names, copyright, trademark, licence and its URL
NO_FONT_WARNING = (
    "warning: no CJK font found (mplfonts' NotoSansCJKsc-Regular.otf, or a system Noto Sans CJK / Source Han "
    "Sans): index.html ships no font, so its Chinese text shows only where the reader has a CJK font"
)


@dataclass(frozen=True)
class SourceFont:
    """The font file to subset and, in a collection (.ttc/.otc), the index of the font in it."""

    path: Path
    number: int = 0


def bundled_font() -> Path | None:
    """mplfonts' Noto Sans CJK SC, located without importing mplfonts (which imports matplotlib)."""
    spec = importlib.util.find_spec("mplfonts")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "fonts" / BUNDLED_FONT
        if path.is_file():
            return path
    return None


def collection_index(path: Path) -> int:
    """0 for a single font; in a collection, the index of its Simplified Chinese member (family "... SC")."""
    with open(path, "rb") as handle:
        if handle.read(4) != b"ttcf":
            return 0
    from fontTools.ttLib import TTCollection

    collection = TTCollection(str(path), lazy=True)
    try:
        families = [font["name"].getBestFamilyName() or "" for font in collection.fonts]
    finally:
        collection.close()
    return next((i for i, family in enumerate(families) if family.endswith(" SC")), 0)


def find_font(err: TextIO | None = None) -> SourceFont | None:
    """The CJK font the figures use, or None after printing NO_FONT_WARNING (one line) to `err`."""
    path = bundled_font()
    if path is None:
        from helpers.plots import FontNotFoundError, find_cjk_font

        try:
            path = Path(find_cjk_font()[1])
        except FontNotFoundError:
            print(NO_FONT_WARNING, file=err or sys.stderr)
            return None
    return SourceFont(path, collection_index(path))


def page_characters(html: str) -> list[str]:
    """The characters the subset must hold: every non-ASCII character of `html`, and EXTRA_CHARACTERS."""
    return sorted({c for c in set(html) if ord(c) > 0x7F} | set(EXTRA_CHARACTERS))  # set(): one C pass


def ot_tag(tag: str) -> int:
    """An OpenType tag ("vert", "CFF ") as the 32-bit number HarfBuzz's sets hold."""
    return int.from_bytes(tag.encode("ascii"), "big")


def subset_font(source: SourceFont, characters: list[str]) -> tuple[bytes, str, dict[int, str]]:
    """The font cut down to `characters`: (its bytes, the characters it has no glyph for, its name records).

    HarfBuzz's subsetter (uharfbuzz), with HarfBuzz's defaults (hinting and subroutines kept, unused glyphs,
    tables and name languages other than English dropped) less DROPPED_FEATURES and DROPPED_TABLES, plus the
    names of NAME_IDS. About 10 ms on Noto Sans CJK SC: fontTools' subsetter, used until issue 15, gave the
    same tables, glyphs, features and names in 0.35 s once the font was loaded, and loading it took 0.3 s more.
    Raises RuntimeError when HarfBuzz cannot subset the font.
    """
    import uharfbuzz as hb

    face = hb.Face(hb.Blob.from_file_path(str(source.path)), source.number)
    cmap = face.unicodes
    missing = "".join(c for c in characters if ord(c) not in cmap)
    wanted = hb.SubsetInput()
    wanted.unicode_set.update({ord(c) for c in characters if ord(c) in cmap})
    for feature in DROPPED_FEATURES:
        wanted.layout_feature_tag_set.discard(ot_tag(feature))
    wanted.drop_table_tag_set.update({ot_tag(table) for table in DROPPED_TABLES})
    wanted.name_id_set.update(set(NAME_IDS))
    subset = hb.subset(face, wanted)
    if subset is None:
        raise RuntimeError(f"HarfBuzz could not subset the page font {source.path}")
    names = {n: subset.get_name(n) or "" for n in NAME_IDS}
    return subset.blob.data, missing, names


def licence_note(source: SourceFont, names: dict[int, str], count: int) -> str:
    """The text beside the font: what it is a subset of, its copyright and its licence (the font's names)."""
    version = names.get(5, "").split(";")[0] or "version unknown"
    paragraphs = [
        f"{Path(FONT_FILE).name} is a subset of {names.get(1) or 'a CJK font'} ({source.path.name}, {version}) "
        f"with {count} characters: those of index.html beyond ASCII, and CJK punctuation. Written by "
        f"helpers.report.fonts.",
        "\n".join(text for text in (names.get(0), names.get(7)) if text),
        names.get(13) or "This Font Software is licensed under the SIL Open Font License, Version 1.1.",
        f"Licence text: {names.get(14) or 'https://openfontlicense.org'}",
    ]
    return "\n\n".join(text for text in paragraphs if text) + "\n"


def write_font(source: SourceFont, html: str, run_dir: Path, err: TextIO | None = None) -> dict:
    """Write the subset for `html` and its licence note into `run_dir`; return the manifest's "font" entry.

    Characters the font lacks are left to the reader's fonts, with a one-line warning to `err`.
    """
    characters = page_characters(html)
    data, missing, names = subset_font(source, characters)
    if missing:
        shown = " ".join(missing[:20]) + (" ..." if len(missing) > 20 else "")
        print(f"warning: the page font has no glyph for {len(missing)} character(s) of index.html ({shown}); "
              f"the reader's fonts draw them", file=err or sys.stderr)  # fmt: skip
    count = len(characters) - len(missing)
    (run_dir / FONT_FILE).parent.mkdir(parents=True, exist_ok=True)
    (run_dir / FONT_FILE).write_bytes(data)
    (run_dir / LICENCE_FILE).write_text(licence_note(source, names, count), encoding="utf-8", newline="\n")
    return {"file": FONT_FILE, "licence": LICENCE_FILE, "source": source.path.name, "characters": count,
            "missing": missing}  # fmt: skip

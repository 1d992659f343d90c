"""The output sink: files, registry, fact-id checks, the source line and byte-stable figures."""

import json
import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from conftest import article_dataset
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from PIL import Image

from helpers.i18n import Labels
from helpers.outputs import SVG_ENV_VAR, OutputSink, ink_box, write_png
from helpers.plots import apply_theme, new_figure
from helpers.tables import sources_table


@pytest.fixture(scope="module")
def dataset():
    return article_dataset()


def _figure(title="合肥 量子科技 腦機接口"):
    fig, ax = new_figure()
    ax.plot([2024, 2027], [32, 55.8], marker="o")
    ax.set_title(title)
    return fig


def test_save_figure_and_table_write_files_and_registry(tmp_path, dataset):
    apply_theme("zh-Hant")
    sink = OutputSink("04_bci", tmp_path, dataset, Labels("zh-Hant", dataset), svg=True)
    sink.save_figure(_figure(), "market", "BCI market", ["bci_china_market_2024", "bci_china_market_2027"])
    sink.save_table(dataset.facts.head(2), "facts", "Two facts", ["quantum_hefei_firms"])
    assert (tmp_path / "figures" / "market.png").stat().st_size > 1000
    svg = (tmp_path / "figures" / "market.svg").read_text(encoding="utf-8")
    assert "<dc:date>" not in svg
    registry = json.loads((tmp_path / "outputs.json").read_text(encoding="utf-8"))
    assert registry["notebook"] == "04_bci"
    assert [f["name"] for f in registry["figures"]] == ["market"]
    assert registry["tables"][0]["files"] == {"csv": "tables/facts.csv"}
    assert registry["figures"][0]["fact_ids"] == ["bci_china_market_2024", "bci_china_market_2027"]


def test_source_line_names_source_and_paragraphs(tmp_path, dataset):
    sink = OutputSink("nb", tmp_path, dataset, Labels("en", dataset))
    # Hefei's firms are in paragraph 6, Beijing's 2030 cluster in paragraph 7
    line = sink.source_line(["quantum_hefei_firms", "quantum_beijing_cluster_2030", "quantum_hefei_patents"])
    assert line == "Source: anue-2025-10-27 ¶6, 7"
    assert sink.source_line(["bci_china_market_2024"], ("pkg-assumptions",)).endswith("; pkg-assumptions")


def test_same_figure_same_bytes(tmp_path, dataset):
    apply_theme("en")
    digests = []
    for run in ("a", "b"):
        sink = OutputSink("nb", tmp_path / run, dataset, Labels("en", dataset), svg=True)
        sink.save_figure(_figure("Hefei"), "fig", "caption", ["quantum_hefei_firms"])
        digests.append([(tmp_path / run / "figures" / f"fig.{ext}").read_bytes() for ext in ("png", "svg")])
    assert digests[0] == digests[1]


@pytest.mark.parametrize(
    ("name", "fact_ids", "message"),
    [
        ("Bad Name", ["quantum_hefei_firms"], "lower-case"),
        ("ok", [], "needs the ids of the facts"),
        ("ok", ["no_such_fact"], "no_such_fact"),
    ],
)
def test_bad_outputs_are_refused(tmp_path, dataset, name, fact_ids, message):
    sink = OutputSink("nb", tmp_path, dataset, Labels("en", dataset))
    with pytest.raises(ValueError, match=message):
        sink.save_figure(_figure(), name, "caption", fact_ids)


def test_chinese_labels_render_without_missing_glyphs(tmp_path, dataset):
    for lang in ("zh-Hant", "zh-Hans"):
        apply_theme(lang)
        sink = OutputSink("nb", tmp_path / lang, dataset, Labels(lang, dataset))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            sink.save_figure(
                _figure("氫能與核聚變能 具身智能 脑机接口 第六代移动通信"),
                "fig",
                "c",
                ["bci_china_market_2024"],
            )
        glyphs = [
            str(w.message) for w in caught if "Glyph" in str(w.message) or "missing from" in str(w.message)
        ]
        assert glyphs == []


def test_city_roles_can_be_cited_without_facts(tmp_path, dataset):
    sink = OutputSink("nb", tmp_path, dataset, Labels("en", dataset))
    # the fusion sites (Hefei, Chengdu) are named in paragraph 13, Beijing's ITER role in paragraph 11
    roles = [("hydrogen_fusion", "hefei"), ("hydrogen_fusion", "chengdu"), ("hydrogen_fusion", "beijing")]
    assert sink.source_line([], roles=roles) == "Source: anue-2025-10-27 ¶11, 13"
    sink.save_table(dataset.city_roles.head(3), "roles", "Fusion sites", roles=roles)
    registry = json.loads((tmp_path / "outputs.json").read_text(encoding="utf-8"))
    assert registry["tables"][0]["roles"][0] == {"sector": "hydrogen_fusion", "place": "hefei"}
    with pytest.raises(ValueError, match="atlantis"):
        sink.save_table(dataset.city_roles.head(1), "bad", "c", roles=[("quantum", "atlantis")])


def test_svg_only_when_asked(tmp_path, dataset, monkeypatch):
    monkeypatch.delenv(SVG_ENV_VAR, raising=False)
    sink = OutputSink("nb", tmp_path / "plain", dataset, Labels("en", dataset))
    sink.save_figure(_figure("Hefei"), "fig", "caption", ["quantum_hefei_firms"])
    registry = json.loads((tmp_path / "plain" / "outputs.json").read_text(encoding="utf-8"))
    assert registry["figures"][0]["files"] == {"png": "figures/fig.png"}
    assert not (tmp_path / "plain" / "figures" / "fig.svg").exists()
    monkeypatch.setenv(SVG_ENV_VAR, "1")  # what `python -m helpers.report build --svg` sets for its kernels
    sink = OutputSink("nb", tmp_path / "asked", dataset, Labels("en", dataset))
    sink.save_figure(_figure("Hefei"), "fig", "caption", ["quantum_hefei_firms"])
    assert (tmp_path / "asked" / "figures" / "fig.svg").read_text(encoding="utf-8").startswith("<?xml")
    assert OutputSink("nb", tmp_path / "off", dataset, Labels("en", dataset), svg=False).svg is False


def _block_figure(x0: float, x1: float) -> Figure:
    """A 4 x 2 in white figure holding one black block from x0 to x1 and y 0.25 to 0.75 (figure fractions)."""
    fig = Figure(figsize=(4, 2), dpi=100, facecolor="white")
    fig.add_artist(Rectangle((x0, 0.25), x1 - x0, 0.5, transform=fig.transFigure, facecolor="black",
                             edgecolor="none", linewidth=0))  # fmt: skip
    return fig


def test_ink_box_is_the_box_of_the_pixels_unlike_the_figure_colour():
    white = [255, 255, 255, 255]
    canvas = np.full((10, 20, 4), 255, dtype=np.uint8)
    canvas[2:5, 5:10] = [0, 0, 0, 255]  # rows 2..4, columns 5..9
    canvas[7, 12] = [254, 255, 255, 255]  # one faint pixel counts too
    box = ink_box(canvas, white, dpi=10)
    # columns 5..12 -> x 0.5..1.3 in; rows 2..7 of 10 (rows go down) -> y (10 - 8) / 10 .. (10 - 2) / 10
    assert [round(v, 6) for v in (box.x0, box.y0, box.x1, box.y1)] == [0.5, 0.2, 1.3, 0.8]
    assert ink_box(np.full((10, 20, 4), 255, dtype=np.uint8), white, dpi=10) is None  # nothing drawn
    canvas[0, 7] = [0, 0, 0, 255]
    assert ink_box(canvas, white, dpi=10) is None  # drawn up to the edge: perhaps past it
    assert ink_box(canvas[1:], [0, 0, 0, 255], dpi=10) is None  # on black, the white background is ink


def test_png_is_the_box_of_what_is_drawn_plus_padding_drawn_once(tmp_path, monkeypatch):
    # The block spans x 1..3 in and y 0.5..1.5 in (its pixels and its tight box are the same); padded by 0.15 in:
    # x 0.85..3.15, y 0.35..1.65, which at 150 dpi is x 127.5..472.5 and y 52.5..247.5 px, widened to whole
    # pixels: 127..473 and 52..248.
    fig = _block_figure(0.25, 0.75)
    saves = []
    monkeypatch.setattr(Figure, "savefig", lambda *args, **kwargs: saves.append(args))
    with matplotlib.rc_context({"savefig.dpi": 150}):
        box, _ = write_png(fig, tmp_path / "block.png", pad_inches=0.15)
    assert saves == []  # cut from the one drawing, not saved again
    assert [round(v, 6) for v in (box.x0, box.y0, box.x1, box.y1)] == [0.85, 0.35, 3.15, 1.65]
    image = Image.open(tmp_path / "block.png")
    assert image.size == (473 - 127, 248 - 52) and image.mode == "RGB"
    assert image.info["dpi"] == pytest.approx((150, 150), abs=0.05)  # stored as pixels per metre
    pixels = np.asarray(image)
    # the block starts 150 * 1 - 127 = 23 px from the left and 248 - 1.5 * 150 = 23 px from the top
    assert (pixels[23:-23, 23:-23] == 0).all()
    assert (pixels[:22] == 255).all() and (pixels[:, :22] == 255).all()
    assert fig.dpi == 100 and fig.get_layout_engine() is None  # dpi restored; the layout frozen


def test_an_artist_drawn_in_the_figure_colour_does_not_widen_the_png(tmp_path):
    # A white box right of the block (x 0.85..0.95) is in matplotlib's tight box but draws nothing on white: the
    # PNG is as wide as the block's alone, 2 in + 2 x 0.15 in = 345 px at 150 dpi.
    fig = _block_figure(0.25, 0.75)
    fig.add_artist(Rectangle((0.85, 0.25), 0.1, 0.5, transform=fig.transFigure, facecolor="white",
                             edgecolor="none", linewidth=0))  # fmt: skip
    with matplotlib.rc_context({"savefig.dpi": 150}):
        box, _ = write_png(fig, tmp_path / "white.png", pad_inches=0.15)
    assert round(box.x1, 6) == 3.15 and Image.open(tmp_path / "white.png").size[0] == 473 - 127


def test_png_of_a_figure_reaching_past_its_edge_keeps_what_lies_outside(tmp_path):
    # The block spans x -1..2 in (it starts 1 in left of the figure): padded by 0.1 in, the box is x -1.1..2.1,
    # 320 px wide at 100 dpi; the part left of the figure is drawn too, so the image's left columns are black.
    with matplotlib.rc_context({"savefig.dpi": 100}):
        write_png(_block_figure(-0.25, 0.5), tmp_path / "past.png", pad_inches=0.1)
    pixels = np.asarray(Image.open(tmp_path / "past.png").convert("RGB"))
    assert abs(pixels.shape[1] - 320) <= 1
    assert (pixels[pixels.shape[0] // 2, 12:100] == 0).all()  # the block from 10 px in (the padding) onwards


def test_figure_legends_keep_their_own_anchor_once_pinned(tmp_path):
    # write_png pins figure legends to the figure's frame for later saves over a box: an "outside" legend to the
    # whole frame (0, 0, 1, 1), a legend given a point (here 0.6, 0.9 of the figure) to that point, not the frame
    # (pinned to the frame, "upper left" would move it to the figure's top-left corner).
    fig, ax = new_figure(4, 3)
    ax.plot([0, 1], [0, 1], label="a")
    anchored = fig.legend(loc="upper left", bbox_to_anchor=(0.6, 0.9))
    outside = fig.legend(loc="outside lower right")
    write_png(fig, tmp_path / "legends.png")
    for legend, expected in ((anchored, (0.6, 0.9, 0, 0)), (outside, (0, 0, 1, 1))):
        box = legend.get_bbox_to_anchor().transformed(fig.transFigure.inverted())
        assert box.bounds == pytest.approx(expected, abs=1e-9)


def _many_texts_figure():
    fig, ax = new_figure(5, 3)
    ax.plot([2024, 2025, 2027, 2030], [1, 3, 2, 5], marker="o")
    ax.set_title("合肥 量子科技\nHefei, quantum: two lines", fontsize=13)
    ax.set_xlabel("year", fontsize=9)
    ax.text(2025, 4, "≥ CNY 100 bn 亿元", fontsize=7, rotation=30)
    ax.annotate("腦機接口", (2027, 2), fontsize=11, ha="right", va="top")
    return fig


def test_font_heights_give_the_layout_exactly_what_matplotlib_reads_itself(tmp_path):
    # FontHeights answers matplotlib's hook with the font's OS/2 metrics, read once per font: every text's layout
    # (bounding box, lines, offsets) is the one matplotlib computes without the hook, bit for bit, and a figure's
    # PNG is the same file either way.
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from helpers import outputs

    apply_theme("en")
    fig = _many_texts_figure()
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    plain = canvas.get_renderer()
    texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_text()]
    assert len(texts) >= 8 and len({t.get_fontsize() for t in texts}) >= 4

    def layouts():  # a Bbox compares by identity: its bounds, then the lines and the text box as they are
        return [
            (tuple(box.bounds), lines, frame) for box, lines, frame in (t._get_layout(plain) for t in texts)
        ]

    expected = layouts()
    heights = outputs.FontHeights(plain.dpi)
    read = []
    heights._read = lambda props, _read=heights._read: read.append(props.get_size_in_points()) or _read(props)
    plain._get_font_height_metrics = heights
    assert layouts() == expected
    assert layouts() == expected  # asked again: from what was read
    assert sorted(read) == sorted({t.get_fontsize() for t in texts})  # each font size read once

    asked = []

    class NoAnswer(outputs.FontHeights):
        def __call__(self, props):
            asked.append(props)
            return None, None, None  # matplotlib reads the font itself

    write_png(_many_texts_figure(), tmp_path / "hook.png")
    original = outputs.FontHeights
    outputs.FontHeights = NoAnswer
    try:
        write_png(_many_texts_figure(), tmp_path / "plain.png")
    finally:
        outputs.FontHeights = original
    assert asked  # write_png's renderer asks its FontHeights
    assert (tmp_path / "hook.png").read_bytes() == (tmp_path / "plain.png").read_bytes()


def test_encode_png_round_trips_pixels_with_no_text_or_time():
    import io
    import struct

    from helpers.outputs import encode_png

    # two rows of three pixels: red, green, blue over white, grey, black
    rgb = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]], [[255, 255, 255], [128, 128, 128], [0, 0, 0]]],
                   dtype=np.uint8)  # fmt: skip
    data = encode_png(rgb, 150)
    decoded = Image.open(io.BytesIO(data))
    assert decoded.mode == "RGB" and decoded.size == (3, 2)
    assert (np.asarray(decoded) == rgb).all()
    kinds, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kinds.append(data[offset + 4 : offset + 8])
        offset += 12 + length
    assert b"tEXt" not in kinds and b"tIME" not in kinds and b"iTXt" not in kinds  # no text, no time
    # 150 dots per inch = 150 / 0.0254 = 5905.5 per metre, stored as 5906
    assert data.index(b"pHYs") and struct.unpack(">II", data[data.index(b"pHYs") + 4 :][:8]) == (5906, 5906)
    rgba = np.dstack([rgb, np.full((2, 3), 7, dtype=np.uint8)])
    assert (np.asarray(Image.open(io.BytesIO(encode_png(rgba, 100)))) == rgba).all()
    assert encode_png(rgb, 150) == data  # same pixels, same bytes


def test_encode_png_appends_rows_below_and_refuses_other_widths():
    import io

    from helpers.outputs import encode_png

    top = np.zeros((2, 3, 3), dtype=np.uint8)  # two black rows
    # a grey row, cut from a wider one (not contiguous)
    strip = np.full((1, 5, 3), 200, dtype=np.uint8)[:, 1:4]
    decoded = np.asarray(Image.open(io.BytesIO(encode_png(top, 150, strip))))
    assert decoded.shape == (3, 3, 3)
    assert (decoded[:2] == 0).all() and (decoded[2] == 200).all()
    with pytest.raises(ValueError, match=r"rows of \(4, 3\) pixels cannot follow rows of \(3, 3\)"):
        encode_png(top, 150, np.zeros((1, 4, 3), dtype=np.uint8))


def test_the_source_line_is_wrapped_to_the_image_width_at_its_separators():
    from helpers.outputs import footer_lines

    # 1200 px at 150 dpi = 8 in; less 2 x 0.15 in of padding = 7.7 in = 554.4 pt = 79.2 em at 7 pt: 144 Latin
    # characters (0.55 em each). "Sources: " + 100 a + "; " is 111 characters; with 60 b more it would be 171.
    text = "Sources: " + "a" * 100 + "; " + "b" * 60
    assert footer_lines(text, 1200, 150, 0.15) == "Sources: " + "a" * 100 + ";\n" + "b" * 60
    assert footer_lines("Sources: x; y", 1200, 150, 0.15) == "Sources: x; y"
    # a Chinese character counts as 1 em: "來源 " + 76 甲 is 2 + 0.55 + 76 = 78.55 em and fits in 79.2;
    # " 乙" would add 1.55 em (80.1), so 乙 starts the next line
    assert footer_lines("來源 " + "甲" * 76 + " 乙", 1200, 150, 0.15) == "來源 " + "甲" * 76 + "\n乙"
    assert (
        footer_lines("資料來源：" + "甲" * 80, 1200, 150, 0.15).count("\n") == 0
    )  # no separator to break at


def test_a_table_of_rankings_cites_its_sources_directly(tmp_path, dataset):
    sink = OutputSink("nb", tmp_path, dataset, Labels("en", dataset))
    # rows of data/rankings.csv are not facts: the table cites the source id; the line names it
    sink.save_table(
        dataset.sources.head(1), "ranked", "A published ranking", extra_sources=("yicai-2025-10-26",)
    )
    registry = json.loads((tmp_path / "outputs.json").read_text(encoding="utf-8"))
    assert registry["tables"][0]["sources"] == ["yicai-2025-10-26"]
    assert sink.source_line([], ("yicai-2025-10-26",)) == "Source: yicai-2025-10-26"
    # the sources table lists it once, as a source, after the facts
    sink.save_table(dataset.facts.head(1), "facts", "A fact", ["quantum_hefei_firms"])
    used = sources_table(dataset, sink.registry)
    assert list(used["used_as"]) == [
        "fact",
        "source",
    ]  # the fact is the article's; the Yicai origin listed once
    assert list(used["id"])[-1] == "yicai-2025-10-26" and pd.isna(used["paragraph"].iloc[-1])
    assert sink.sources_table().iloc[-1, 0] == "source of a ranking or list"  # the label of used_as
    with pytest.raises(ValueError, match="not-a-source"):
        sink.save_table(dataset.sources.head(1), "bad", "c", extra_sources=("not-a-source",))
    with pytest.raises(ValueError, match="needs the ids"):
        sink.save_table(dataset.sources.head(1), "bad", "c")


def test_the_report_appendix_lists_sources_cited_directly(dataset):
    from conftest import ARTICLE_DIR

    from helpers.evidence import evidence_records
    from helpers.report.render import Section, Table, build_appendix, read_sources

    # an outputs.json entry with `sources` (a table of published rankings): read as written, blanks dropped
    assert read_sources({"sources": ["yicai-2025-10-26", ""]}) == ["yicai-2025-10-26"]
    assert read_sources({}) == []
    table = Table(
        "ranked", "A ranking", [], "tables/nb/ranked.csv", [], [], 0, [], sources=["yicai-2025-10-26"]
    )
    section = Section("nb", "nb", "nb.ipynb", "", {}, tables=[table])
    evidence = evidence_records(dataset)
    listed = [s["source_id"] for s in build_appendix([section], ARTICLE_DIR, "en", evidence)["sources"]]
    assert "yicai-2025-10-26" in listed  # cited by no fact or role of the section, listed for the table
    bare = Section("nb", "nb", "nb.ipynb", "", {}, tables=[Table("t", "c", [], "t.csv", [], [], 0, [])])
    assert "yicai-2025-10-26" not in [
        s["source_id"] for s in build_appendix([bare], ARTICLE_DIR, "en", evidence)["sources"]
    ]

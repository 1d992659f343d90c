"""The output sink: files, registry, fact-id checks, the source line and byte-stable figures."""

import json
import warnings

import matplotlib

matplotlib.use("Agg")

import pytest
from conftest import article_dataset

from helpers.i18n import Labels
from helpers.outputs import OutputSink
from helpers.plots import apply_theme, new_figure


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
    sink = OutputSink("04_bci", tmp_path, dataset, Labels("zh-Hant", dataset))
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
        sink = OutputSink("nb", tmp_path / run, dataset, Labels("en", dataset))
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

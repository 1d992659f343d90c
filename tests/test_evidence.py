"""helpers.evidence on a small hand-made dataset (tests/fixtures/evidence), expectations worked out on paper.

The fixture's sources: `origin` (not read), `compiler` (compiles origin, 2025-10-27), `summary` (summarises
origin, 2025-10-26) and `index-report` (an independent origin, 2025-12-01). Lineage: origin and index-report
have depth 0; compiler and summary depth 1 with the root origin; compiles ranks before summarises.

Facts, grouped by hand into observations:
  1. Hefei's quantum firms: compiler 93, summary 93, index-report 95 (same district: one observation);
     chosen index-report (an origin); a disagreement of value.
  2. Hefei's quantum patents: compiler and index-report, both 超 2000: one observation, chosen index-report,
     no disagreement.
  3. Hefei's share of national firms: summary only.
  4. Beijing's 30 leading biomanufacturing firms by 2026: compiler puts them in Changping, summary in Beijing as
     a whole: one lineage, so one observation with a disagreement of scope; chosen compiler (compiles before
     summarises).
  5. index-report's 10 leading firms in Haidian: another lineage, another district: its own observation.
  6. Shenzhen's embodied-AI output 2024: compiler 超 1700 億元 (>=), summary 约1700亿元 (~): one observation,
     a disagreement of bound, chosen compiler.
  Six observations from eleven facts.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import append_rows

from helpers.data import load_dataset
from helpers.evidence import independent_origins, lineage
from helpers.index import city_indicators

FIXTURE = Path(__file__).parent / "fixtures" / "evidence"


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(FIXTURE, sources_dir=None)


def observation(dataset, indicator, district=""):
    rows = dataset.observations[
        (dataset.observations["indicator"] == indicator) & (dataset.observations["district_en"] == district)
    ]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_lineage_depth_roots_and_relation(dataset):
    table = lineage(dataset.sources)
    assert table.loc["origin"].tolist() == ["origin", 0, 0]
    assert table.loc["compiler"].tolist() == ["origin", 1, 3]  # compiles: 3rd in RELATION_ORDER after ""
    assert table.loc["summary"].tolist() == ["origin", 1, 5]
    assert table.loc["index-report"].tolist() == ["index-report", 0, 0]
    assert independent_origins(dataset.sources, ["compiler", "summary"]) == ["origin"]
    assert independent_origins(dataset.sources, ["compiler", "index-report"]) == ["index-report", "origin"]


def test_eleven_facts_make_six_observations(dataset):
    assert len(dataset.facts) == 11
    assert len(dataset.observations) == 6
    every_fact = [f for ids in dataset.observations["fact_ids"] for f in ids.split(";")]
    assert sorted(every_fact) == sorted(dataset.facts["fact_id"])  # each fact in exactly one observation


def test_an_origin_is_chosen_over_derived_sources(dataset):
    firms = observation(dataset, "quantum_firms")
    assert firms["fact_id"] == "q_hefei_firms_r" and firms["value"] == 95
    assert firms["stated_by"] == "index-report;compiler;summary"
    assert (firms["n_sources"], firms["n_facts"], firms["disagreement"]) == (3, 3, "value")
    patents = observation(dataset, "quantum_patents")
    assert (patents["fact_id"], patents["n_sources"], patents["disagreement"]) == ("q_hefei_patents_r", 2, "")


def test_one_lineage_with_two_scopes_is_one_observation(dataset):
    target = observation(dataset, "leading_firms_target", "Changping District")
    assert target["fact_id"] == "b_beijing_leading_c"  # compiles before summarises
    assert target["fact_ids"] == "b_beijing_leading_c;b_beijing_leading_s"
    assert target["disagreement"] == "scope"
    other = observation(
        dataset, "leading_firms_target", "Haidian District"
    )  # another origin, another district
    assert (other["fact_id"], other["disagreement"]) == ("b_beijing_leading_r", "")


def test_bounds_that_differ_are_a_disagreement_and_the_closer_relation_wins(dataset):
    output = observation(dataset, "embodied_ai_output")
    assert (output["fact_id"], output["bound"], output["disagreement"]) == (
        "e_shenzhen_output_c",
        ">=",
        "bound",
    )


def test_every_disagreement_is_listed_with_both_values_and_sources(dataset):
    table = dataset.disagreements
    # 3 rows for the firms (value), 2 for the leading firms (scope), 2 for the output (bound), 2 for the role
    assert len(table) == 9
    firms = table[table["key"] == "quantum/hefei/-/quantum_firms/actual/2025"]
    assert sorted(firms["stated"]) == ["93 家", "93家", "95家"]
    assert firms.loc[firms["chosen"], "source_id"].tolist() == ["index-report"]
    scope = table[table["aspect"] == "scope"]
    assert sorted(scope["district_en"]) == ["", "Changping District"]


def test_a_stated_role_is_chosen_over_an_inferred_one(dataset):
    roles = dataset.city_roles.set_index(["sector", "place"])
    hefei = roles.loc[("quantum", "hefei")]
    assert (hefei["role"], hefei["source_id"], hefei["disagreement"]) == ("leader", "compiler", "role")
    assert hefei["roles_stated"] == "leader;hub"
    beijing = roles.loc[("biomanufacturing", "beijing")]  # both leader: compiles before summarises
    assert (beijing["source_id"], beijing["stated_by"], beijing["disagreement"]) == (
        "compiler",
        "compiler;summary",
        "",
    )
    assert len(dataset.role_statements) == 6 and len(dataset.city_roles) == 4


def test_the_index_counts_each_observation_once(dataset):
    indicators = city_indicators(dataset)
    assert list(indicators.columns) == ["leader_roles", "other_roles", "independent_sources", "figures_given"]
    # Hefei: quantum only, chosen role leader (1 leader, 0 other); origins naming it: compiler and summary derive
    # from "origin", index-report is its own, so 2; actual money/count observations: firms (three facts, one
    # observation) and patents (two facts, one) = 2; the share is not a money amount or a count.
    assert indicators.loc["hefei"].tolist() == [1, 0, 2, 2]
    # Beijing: leader in biomanufacturing, hub in quantum (1, 1); its roles come from compiler and summary, both
    # of lineage "origin" (1); its figures are targets, not actuals (0).
    assert indicators.loc["beijing"].tolist() == [1, 1, 1, 0]
    # Shenzhen: 6G contender (0, 1); compiler and summary again one origin (1); its output is two facts but one
    # observation (1).
    assert indicators.loc["shenzhen"].tolist() == [0, 1, 1, 1]


def test_provenance_states(dataset):
    states = dict(zip(dataset.provenance["source_id"], dataset.provenance["status"], strict=True))
    assert states == {"origin": "origin not read", "compiler": "page", "summary": "page", "index-report": "page",
                      "pkg-reference": "package"}  # fmt: skip


def test_rule_order_comes_from_the_dictionary(tmp_path):
    import shutil

    copy = tmp_path / "data"
    shutil.copytree(FIXTURE, copy)
    dictionary = (Path(__file__).parents[1] / "data" / "dictionary.csv").read_text(encoding="utf-8")
    # Put recency first: summary (2025-10-26) is older than compiler (2025-10-27), index-report newest
    changed = dictionary.replace("order: lineage_depth;relation;published_desc;bound;fact_id",
                                 "order: bound;published_desc;fact_id")  # fmt: skip
    assert changed != dictionary
    (copy / "dictionary.csv").write_text(changed, encoding="utf-8")
    data = load_dataset(copy, sources_dir=None)
    output = data.observations[data.observations["indicator"] == "embodied_ai_output"].iloc[0]
    assert output["fact_id"] == "e_shenzhen_output_s"  # bound first: ~ is tighter than >=


def test_a_new_source_with_a_new_unit_and_measure_is_data_only(data_copy):
    """A source not in the repository, added by editing data files only: a row in sources.csv, a unit word in
    units.csv, a measure in the dictionary, a fact; it validates and becomes an observation of its own."""

    def append(name, row):
        append_rows(data_copy / f"{name}.csv", [row])

    append("sources", {"source_id": "made-up-plan", "kind": "policy", "title": "某市氢能规划",
                       "publisher": "某市 (a city)", "published": "2026-05-01", "language": "zh-Hans",
                       "url": "https://example.org/plan", "retrieved": "2026-12-02"})  # fmt: skip
    append("units", {"word": "立方米", "unit": "m3", "scale": "1", "meaning": "cubic metres"})
    dictionary = (data_copy / "dictionary.csv").read_text(encoding="utf-8")
    dictionary = dictionary.replace(";kg;ampere;score", ";kg;ampere;score;m3").replace(
        ";index_score\n", ";index_score;storage\n"
    )
    (data_copy / "dictionary.csv").write_text(dictionary, encoding="utf-8")
    append("facts", {"fact_id": "h2f_hefei_storage_2030_madeup", "sector": "hydrogen_fusion", "place": "hefei",
                     "indicator": "hydrogen_storage_volume", "label_en": "Hydrogen storage", "label_zh": "储氢",
                     "measure": "storage", "kind": "target", "year": "2030", "year_note": "explicit: 2030年",
                     "value": "50000", "bound": ">=", "unit": "m3", "is_unit_implied": "false",
                     "quantity_text": "超5万立方米", "source_id": "made-up-plan", "locator": "3"})  # fmt: skip
    data = load_dataset(data_copy, sources_dir=None)
    row = data.observations[data.observations["fact_id"] == "h2f_hefei_storage_2030_madeup"].iloc[0]
    assert (row["value"], row["unit"], row["stated_by"]) == (50000, "m3", "made-up-plan")  # 5 × 10^4
    assert data.provenance.set_index("source_id").loc["made-up-plan", "status"] == "page"


def test_live_data_counts_each_fact_once_and_reports_every_difference():
    """Properties of data/ (whatever it holds): every fact is in exactly one observation; an observation whose
    facts differ in value, bound or district within one unit is listed in the disagreements, all its facts."""
    data = load_dataset()
    members = [f for ids in data.observations["fact_ids"] for f in ids.split(";")]
    assert sorted(members) == sorted(data.facts["fact_id"])
    facts = data.facts.set_index("fact_id")
    listed = set(data.disagreements.loc[data.disagreements["subject"] == "fact", "item"])
    for ids in data.observations["fact_ids"]:
        group = facts.loc[ids.split(";")]
        differs = (
            group["district_en"].nunique() > 1
            or group["unit"].nunique() > 1
            or any(g["value"].nunique() > 1 or g["bound"].nunique() > 1 for _, g in group.groupby("unit"))
        )
        if differs:
            assert set(group.index) <= listed, ids
        else:
            assert not set(group.index) & listed, ids
    for (sector, place), group in data.role_statements.groupby(["sector", "place"]):
        stated = set(data.disagreements.loc[data.disagreements["key"] == f"{sector}/{place}", "source_id"])
        assert (group["role"].nunique() > 1) == bool(stated)


def test_a_notebooks_disagreements_table_lists_what_it_cites(dataset):
    from helpers.i18n import Labels
    from helpers.tables import disagreements_table

    # a notebook that cites the compiler's firm count and Hefei's quantum role: the firm observation's three
    # statements (93, 93, 95: index-report used) and the role's two (leader used, hub)
    registry = {"figures": [{"fact_ids": ["q_hefei_firms_c"], "roles": [{"sector": "quantum", "place": "hefei"}]}],
                "tables": []}  # fmt: skip
    table = disagreements_table(dataset, registry)
    assert table["subject"].tolist() == ["fact", "fact", "fact", "role", "role"]
    assert table.loc[table["used"] == "✓", "source_id"].tolist() == ["index-report", "compiler"]
    quiet = {"figures": [{"fact_ids": ["q_hefei_patents_c"]}], "tables": []}  # both sources say 超 2000
    assert disagreements_table(dataset, quiet, labels=Labels("en", dataset)).empty

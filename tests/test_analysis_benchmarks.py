"""helpers.analysis.benchmarks and helpers.analysis.policy on small fixtures (tests/fixtures/benchmarks/,
tests/fixtures/policy/), every number derived by hand in the comments."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from conftest import article_dataset

from helpers.analysis import benchmarks as bm
from helpers.analysis import policy as pl
from helpers.i18n import Labels

FIXTURES = Path(__file__).parent / "fixtures"
SECTORS = ["quantum", "biomanufacturing", "hydrogen_fusion", "bci", "embodied_ai", "6g"]
# The index's point ranks: Beijing 1, Shenzhen 2, Shanghai 3, Hefei 4
RANKS = pd.Series({"beijing": 1, "shanghai": 3, "shenzhen": 2, "hefei": 4}, name="rank")
# Four Monte Carlo draws (columns in the order of RANKS)
DRAWS = pd.DataFrame(
    [[1, 2, 3, 4], [1, 3, 2, 4], [2, 1, 3, 4], [4, 3, 2, 1]],
    columns=["beijing", "shanghai", "shenzhen", "hefei"],
    index=pd.RangeIndex(4, name="draw"),
)


@pytest.fixture(scope="module")
def rankings() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "benchmarks" / "rankings.csv", dtype={"rank_text": "string"})


@pytest.fixture(scope="module")
def comparison(rankings) -> pd.DataFrame:
    return bm.compare_rankings(rankings, RANKS, DRAWS).set_index("ranking_id")


def test_tau_b_rows_by_hand_and_as_scipy_gives_it():
    # the four draws of DRAWS against the point order 1, 2, 3, 4: 1; one swapped pair 4/6 (twice); reversed -1
    assert bm.tau_b_rows(DRAWS.to_numpy(), [1, 2, 3, 4]).tolist() == pytest.approx([1, 4 / 6, 4 / 6, -1])
    # ties: 1, 1, 3 against 1, 2, 4 -> 2 / sqrt(6); a constant row or a constant other has no tau
    tied = bm.tau_b_rows([[1, 1, 3], [2, 2, 2]], [1, 2, 4])
    assert tied[0] == pytest.approx(2 / math.sqrt(6)) and math.isnan(tied[1])
    assert math.isnan(bm.tau_b_rows([[1, 2, 3]], [5, 5, 5])[0])
    # bit for bit scipy.stats.kendalltau's tau-b, row by row, on draws with many ties
    rng = np.random.default_rng(7)
    for n in (2, 3, 5, 9):
        rows, other = rng.integers(1, 4, size=(60, n)), rng.integers(1, n + 1, size=n)
        expected = np.array([bm.tau_b(row, other) for row in rows])
        got = bm.tau_b_rows(rows, other)
        assert np.array_equal(np.isnan(got), np.isnan(expected))
        assert got[~np.isnan(got)].tobytes() == expected[~np.isnan(expected)].tobytes()


def test_tau_b_by_hand():
    # 4 items, 6 pairs, one discordant: (5 - 1) / 6
    assert bm.tau_b([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(4 / 6)
    # a tie in the first: pairs (1,1) tied, the two others concordant: 2 / sqrt((3 - 1) * (3 - 0))
    assert bm.tau_b([1, 1, 3], [1, 2, 4]) == pytest.approx(2 / math.sqrt(6))
    assert math.isnan(bm.tau_b([1, 1, 1], [1, 2, 3]))  # a constant ranking has no tau


def test_compare_rankings_by_hand(comparison):
    a = comparison.loc["pub-a"]
    # published Beijing 1, Shanghai 2, Shenzhen 3, Hefei 4 against the index 1, 3, 2, 4:
    # only (Shanghai, Shenzhen) is discordant -> (5 - 1) / 6
    assert (a["status"], a["n_ranked"], a["n_common"]) == ("compared", 4, 4)
    assert a["tau"] == pytest.approx(4 / 6)
    # per draw: 1,2,3,4 -> 1; 1,3,2,4 -> 4/6; 2,1,3,4 -> 4/6 (Beijing, Shanghai discordant); 4,3,2,1 -> -1.
    # Sorted -1, 4/6, 4/6, 1: the 5th percentile (inverted cdf) is the 1st value, the 95th the 4th
    assert (a["tau_low"], a["tau_high"]) == (pytest.approx(-1.0), pytest.approx(1.0))
    # ranks among the four: Shanghai 3 vs 2, Shenzhen 2 vs 3 -> gap 1 each, listed by published rank
    assert (a["largest_gap"], a["disagree"], a["disagree_ours"], a["disagree_theirs"]) == (
        1, "shanghai;shenzhen", "3;2", "2;3")  # fmt: skip
    assert bool(a["list_order"])  # rank_text blank: the ranks are a printed list's order
    assert a["common"] == "beijing;shanghai;shenzhen;hefei"


def test_ties_and_too_few(comparison):
    c = comparison.loc["pub-c"]
    # published Beijing 1, Shenzhen 1 (tied), Hefei 3 against the index 1, 2, 4: (Beijing, Shenzhen) tied in
    # the published ranking, the two other pairs concordant -> tau-b = 2 / sqrt((3 - 1) * (3 - 0)) = 0.8165
    assert c["tau"] == pytest.approx(2 / math.sqrt(6))
    # draws give Beijing, Shenzhen, Hefei 1,3,4; 1,2,4; 2,3,4 (each 2 / sqrt 6) and 4,2,1 (both pairs with
    # Hefei discordant: -2 / sqrt 6)
    assert (c["tau_low"], c["tau_high"]) == (
        pytest.approx(-2 / math.sqrt(6)),
        pytest.approx(2 / math.sqrt(6)),
    )
    # ranks among the three: index 1, 2, 3; published 1, 1, 3 -> Shenzhen differs by 1
    assert (c["disagree"], c["disagree_ours"], c["disagree_theirs"]) == ("shenzhen", "2", "1")
    assert c["source_ids"] == "src-c1;src-c2"
    assert not bool(c["list_order"])
    b = comparison.loc["pub-b"]
    # Beijing and Shanghai in common, Xi'an not in the index: 2 < 3 cities
    assert (b["status"], b["n_common"]) == ("too_few", 2)
    assert math.isnan(b["tau"]) and b["disagree"] == ""
    assert bm.ranking_sources(comparison) == ["src-a", "src-b", "src-c1", "src-c2"]


def test_bad_input_is_named(rankings):
    with pytest.raises(ValueError, match=r"draws.*\['hefei'\]"):
        bm.compare_rankings(rankings, RANKS, DRAWS.drop(columns="hefei"))
    twice = pd.concat([rankings, rankings.head(1)], ignore_index=True)
    with pytest.raises(ValueError, match="pub-a.*beijing"):
        bm.compare_rankings(twice, RANKS, DRAWS)


def test_sentence_table_and_figure_follow_the_comparison(comparison):
    dataset = article_dataset()
    table = comparison.reset_index()
    sentence = bm.comparison_sentence(table, Labels("en", dataset))
    # 3 rankings, 2 compared; lowest tau pub-a (+0.67), highest pub-c (+0.82); both gaps 1: pub-a first by id
    assert sentence.startswith("Of 3 published rankings in the data, 2 share at least 3 cities")
    assert "+0.67 (pub-a) to +0.82 (pub-c)" in sentence
    assert "is 1, in pub-a (Shanghai, Shenzhen)" in sentence
    assert "In 1 of the 2 compared" in sentence
    shown = bm.comparison_table(table, Labels("zh-Hant", dataset))
    assert list(shown.iloc[0])[5:7] == ["+0.67", "-1.00 … +1.00"]
    fig = bm.figure_taus(table, Labels("en", dataset))
    assert "from +0.67 to +0.82" in fig._suptitle.get_text()
    none = bm.compare_rankings(pd.read_csv(FIXTURES / "benchmarks" / "rankings.csv").head(0), RANKS, DRAWS)
    assert none.empty
    none_compared = table.assign(status="too_few")
    assert "no comparison" in bm.comparison_sentence(none_compared, Labels("en", dataset))
    # the caveat counts the compared lists read in printed order: 1 of 2 (pub-a); none compared, no count
    sentence = bm.caveat_sentence(table, Labels("en", dataset), ["leader_roles", "figures_given"])
    assert "and 1 of the 2 compared lists" in sentence
    assert "(Leader roles, Money and count figures given)" in sentence
    assert "compared lists" not in bm.caveat_sentence(none_compared, Labels("en", dataset), ["leader_roles"])


@pytest.fixture(scope="module")
def mentions() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "policy" / "policy_mentions.csv")


def test_documents_by_date(mentions):
    docs = pl.documents(mentions).set_index("document_id")
    assert list(docs.index) == ["doc-2021", "doc-2024", "doc-2026"]
    # doc-2026 is dated 2026-03-05 by s4 and 2026-03-01 by s5: the earliest; the title of its first row
    assert (docs.loc["doc-2026", "date"], docs.loc["doc-2026", "title"]) == ("2026-03-01", "Report 2026")
    assert docs.loc["doc-2024", "source_ids"] == "s2;s3"


def test_policy_matrix_by_hand(mentions):
    matrix = pl.policy_matrix(mentions, SECTORS)
    assert list(matrix.index) == ["doc-2021", "doc-2024", "doc-2026"]
    # doc-2021: quantum and hydrogen named, biomanufacturing read absent from the full list, the rest unknown;
    # the blank-sector term (未来网络) is not one of the six
    assert list(matrix.loc["doc-2021"]) == [
        "named",
        "not_named",
        "named",
        "not_stated",
        "not_stated",
        "not_stated",
    ]
    # doc-2024: biomanufacturing named by s2 and missed by s3 -> named; hydrogen and embodied AI absent
    assert list(matrix.loc["doc-2024"]) == ["named", "named", "not_named", "named", "not_named", "not_stated"]
    assert list(matrix.loc["doc-2026"]) == [
        "named",
        "not_stated",
        "named",
        "not_named",
        "not_stated",
        "not_stated",
    ]


def test_list_moves_by_hand(mentions):
    moves = pl.list_moves(pl.policy_matrix(mentions, SECTORS))
    # quantum named in all three; biomanufacturing absent in 2021, named in 2024 (the latest stating it);
    # hydrogen named, absent, named; BCI named then absent; embodied AI only absent; 6G never stated
    assert moves["status"].to_dict() == {"quantum": "stayed", "biomanufacturing": "entered",
                                         "hydrogen_fusion": "returned", "bci": "left", "embodied_ai": "never",
                                         "6g": "unstated"}  # fmt: skip
    assert moves.loc["biomanufacturing", "first"] == "doc-2024"
    assert (moves.loc["hydrogen_fusion", "n_named"], moves.loc["hydrogen_fusion", "n_stated"]) == (2, 3)
    sentence = pl.moves_sentence(moves, Labels("en", article_dataset()))
    assert sentence.startswith(
        "Across the national documents in the data, of the 6 sectors: entered the lists: "
    )
    assert "left the latest list: Brain-computer interfaces" in sentence


def test_policy_table_and_figure(mentions):
    dataset = article_dataset()
    matrix = pl.policy_matrix(mentions, SECTORS)
    table = pl.policy_table(mentions, matrix, Labels("zh-Hant", dataset))
    assert list(table.iloc[0])[:2] == ["doc-2021", "2021-03-01"]
    assert list(table.iloc[1])[3:9] == ["列入", "列入", "未列入", "列入", "未列入", "資料來源未載"]
    # column heads wrap at spaces only: a long word stays whole
    assert (
        pl.column_label("Hydrogen and nuclear-fusion energy", "en") == "Hydrogen and\nnuclear-fusion\nenergy"
    )
    assert pl.column_label("Biomanufacturing", "en") == "Biomanufacturing"
    fig = pl.figure_policy(mentions, matrix, pl.list_moves(matrix), Labels("en", dataset))
    # one of the six stayed (quantum), one entered (biomanufacturing)
    assert (
        fig._suptitle.get_text().replace("\n", " ").startswith("3 national documents by date: 1 of the six")
    )


def test_a_bad_named_value_is_refused(mentions):
    with pytest.raises(ValueError, match="named"):
        pl.policy_matrix(mentions.assign(named="maybe"), SECTORS)


def test_the_data_hold_sourced_national_lists_and_comparable_rankings():
    # properties of data/ only: adding a source must never break them
    from helpers.data import load_dataset

    dataset = load_dataset()
    matrix = pl.policy_matrix(dataset.policy_mentions, pl.sector_order(dataset))
    assert (matrix == "named").any(axis=1).sum() >= 4  # at least four documents name one of the six
    known = set(dataset.sources["source_id"])
    assert set(dataset.policy_mentions["source_id"]) <= known
    absent = dataset.policy_mentions[~dataset.policy_mentions["named"]]
    assert absent["locator"].notna().all() and absent["sector"].notna().all()  # "not named" needs a paragraph
    sizes = dataset.rankings.groupby("ranking_id")["place"].nunique()
    assert (sizes >= 3).sum() >= 2  # two or more rankings that could share three cities with the index

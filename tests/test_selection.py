"""helpers.selection: picking rows by meaning, and the year the evidence speaks from."""

import numpy as np
import pandas as pd
import pytest

from helpers.selection import as_of_year, pick


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "place": ["hefei", "beijing", "beijing", "shanghai"],
            "district_en": [np.nan, "Changping District", "", np.nan],
            "kind": ["actual", "target", "actual", "actual"],
        },
        index=[10, 11, 12, 13],
    )


def test_pick_selects_whole_places_districts_and_any_of_a_list():
    frame = _frame()
    whole = pick(frame, district="")  # an empty or missing district: the whole place
    assert list(whole["place"]) == ["hefei", "beijing", "shanghai"] and list(whole.index) == [0, 1, 2]
    assert list(pick(frame, district="Changping District")["kind"]) == ["target"]
    assert list(pick(frame, place=["beijing", "shanghai"], kind="actual")["place"]) == ["beijing", "shanghai"]
    assert len(pick(frame, place=None, kind=None)) == 4  # None ignores a criterion
    assert frame["district_en"].isna().sum() == 2  # the frame itself is left as it was


def test_pick_names_a_criterion_without_a_column():
    with pytest.raises(KeyError, match="cannot select by 'sector'"):
        pick(_frame(), sector="quantum")


class _Data:  # what as_of_year reads of a dataset
    def __init__(self, published, kinds):
        self.sources = pd.DataFrame({"published": published, "kind": kinds})


def test_as_of_year_is_the_latest_publication_left_by_the_package_kinds():
    data = _Data(
        ["2025-10-27", "2026-03-05T08:00", "", "2027-01-01"], ["news", "official", "news", "reference"]
    )
    # the package's own reference file (2027) is left out; an empty date is skipped
    assert as_of_year(data) == 2026
    with pytest.raises(ValueError, match="publication date"):
        as_of_year(_Data(["", "n/a"], ["news", "news"]))


def test_derived_is_computed_once_per_dataset_and_arguments_and_callers_get_copies():
    from conftest import article_dataset

    from helpers import selection

    dataset = article_dataset()
    first = selection.derived(dataset, sector="quantum")
    assert not first.empty  # the article's quantum ratios (see test_analysis_quantum)
    first.loc[:, "value"] = -1.0  # a caller's change stays with its copy
    again = selection.derived(dataset, sector="quantum")
    assert (again["value"] > 0).all() and again is not first
    calls = []
    original = selection.pick
    try:
        selection.pick = lambda *a, **k: calls.append(k) or original(*a, **k)
        selection.derived(dataset, sector="quantum")  # cached: the rules are not picked again
        assert calls == []
        selection.derived(dataset, sector="quantum", places=["hefei"])  # other arguments: computed
        assert calls
    finally:
        selection.pick = original
    pd.testing.assert_frame_equal(
        selection.derived(dataset, sector="quantum", places=("hefei",)),
        selection.derived(dataset, sector="quantum", places=["hefei"]),
    )

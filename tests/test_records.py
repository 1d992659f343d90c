"""Plain-record helpers of the evidence (helpers.records), on observations written out by hand."""

from __future__ import annotations

from helpers.records import observation_members


def test_observation_members_give_every_fact_of_each_observation_that_holds_one() -> None:
    # three observations: a figure stated by a and b, one by c alone, one by d and a (a sits in two)
    observations = ["a;b", "c", "d;a"]
    assert observation_members(observations, ["a"]) == ["a", "b", "d"]  # both of a's observations, in order
    assert observation_members(observations, ["c", "unknown"]) == ["c"]
    assert observation_members(observations, ["b", "d"]) == ["a", "b", "d"]  # a once, though in both
    assert observation_members(observations, []) == []

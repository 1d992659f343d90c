"""Plain-record helpers of the evidence, standard library only: the report runner uses them on the evidence
records stored with the build's dataset (helpers.dataset_cache), where importing pandas would cost a third of a
second at the end of every build; helpers.evidence uses them on its tables."""

from __future__ import annotations

from collections.abc import Iterable


def observation_members(observations: Iterable[str], fact_ids: Iterable[str]) -> list[str]:
    """Every fact id of the observations (each given as its ";"-joined fact ids, in rule order) that hold one of
    `fact_ids`, in the observations' order, each once."""
    wanted = set(fact_ids)
    found: list[str] = []
    for ids in observations:
        members = ids.split(";")
        if wanted & set(members):
            found += members
    return list(dict.fromkeys(found))

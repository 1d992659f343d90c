"""Sentences of a notebook's prose that state something about the data, checked against the data.

A markdown cell may say "only Hefei and Beijing carry numbers"; the code cell after it, tagged `check` (hidden
in the HTML report), holds

    claim("only Hefei and Beijing carry numbers", places_with_figures == {"hefei", "beijing"})

so that the day a source adds a figure for another city, the build fails with the sentence quoted instead of
publishing prose the data no longer support. Prefer printing a sentence from the data; use a claim where the
sentence belongs in the narrative.
"""

from __future__ import annotations

CHECK_TAG = "check"


class ClaimError(AssertionError):
    """A sentence of the prose that the data no longer support."""


def claim(sentence: str, holds: object, detail: str = "") -> None:
    """Fail with the sentence quoted when `holds` is false; do nothing (print nothing) when it holds.

    Args:
        sentence: the sentence of the prose, as the reader sees it.
        holds: the check on the data (anything truthy passes).
        detail: what the data show instead, for the message.

    Raises:
        ClaimError: `holds` is false.
    """
    if not holds:
        raise ClaimError(
            f"the notebook says {sentence!r}, but the data no longer support it"
            + (f": {detail}" if detail else "")
            + "; rewrite the sentence (or print it from the data)"
        )

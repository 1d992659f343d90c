import pytest

from helpers.claims import ClaimError, claim


def test_a_claim_that_holds_is_silent(capsys) -> None:
    claim("two cities carry numbers", {"hefei", "beijing"} == {"beijing", "hefei"})
    assert capsys.readouterr().out == ""


def test_a_claim_that_fails_quotes_the_sentence_and_what_the_data_show() -> None:
    with pytest.raises(ClaimError, match=r"'only Hefei carries numbers'.*no longer support it: also Wuhan"):
        claim("only Hefei carries numbers", False, "also Wuhan")

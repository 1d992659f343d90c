"""Unit tests of helpers.quantity, with expected values worked out by hand from the printed text.

Quantities quoted with a paragraph number (P6, P9, ...) are printed so in anue-2025-10-27; the others are
constructed to exercise one rule each. 1 萬 = 10^4, 1 億 = 10^8, 1 萬億 = 10^12.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.quantity import (
    BOUNDS,
    Quantity,
    QuantityParseError,
    format_bound,
    parse_chinese_numeral,
    parse_quantity,
    unit_words,
)

COUNTER_WORDS = ("家", "個", "件", "輛", "座", "項", "台")


def assert_quantity(quantity: Quantity, value: float, unit: str | None, bound: str) -> None:
    assert math.isclose(quantity.value, value, rel_tol=1e-12), (quantity, value)
    assert (quantity.unit, quantity.bound) == (unit, bound), quantity


# --- every quantity the article prints and data/facts.csv encodes ------------------------------------------

ARTICLE_QUANTITIES = [
    # text, value, unit, bound, hand arithmetic
    ("93 家", 93, "count", "=", "P6: 93 firms, no qualifier"),
    ("24 個", 24, "count", "=", "P6: 24 platforms"),
    ("超 2000 件", 2000, "count", ">=", "P6: 超 (over) 2000 patents"),
    ("千億級", 1e11, None, ">=", "P7, P15: 千億 = 10^3 × 10^8 = 10^11; 級 (class) is a lower bound, no unit"),
    ("突破 9000 億元", 9e11, "CNY", ">=", "P9: 9000 億 = 9000 × 10^8 = 9×10^11"),
    ("120 餘家", 120, "count", ">=", "P9: 餘 (odd, more than) 120"),
    ("超 60 億元", 6e9, "CNY", ">=", "P9: 60 × 10^8 = 6×10^9"),
    ("30 家", 30, "count", "=", "P9"),
    ("近半", 0.5, "fraction", "<=", "P9: 近 (nearly) half = 1/2, from below"),
    ("10 億元", 1e9, "CNY", "=", "P10: 10 × 10^8 = 10^9"),
    ("達 1200 輛", 1200, "count", "=", "P11: 達 (reached) 1200 buses"),
    ("35 座", 35, "count", "=", "P11"),
    ("2035 年", 2035, "year", "=", "P11: a calendar year"),
    ("超計 300 萬公里", 3e6, "km", ">=", "P11: 300 萬 = 300 × 10^4 = 3×10^6 km; 超計 read as over"),
    ("18 項", 18, "count", "=", "P12"),
    ("20 餘個", 20, "count", ">=", "P12"),
    ("超 40 億元", 4e9, "CNY", ">=", "P12: 40 × 10^8 = 4×10^9"),
    ("達 120 億元", 1.2e10, "CNY", "=", "P12: 120 × 10^8 = 1.2×10^10"),
    ("32 億元", 3.2e9, "CNY", "=", "P14: 32 × 10^8 = 3.2×10^9"),
    ("達 55.8 億元", 5.58e9, "CNY", "=", "P14: 55.8 × 10^8 = 5 580 000 000"),
    ("百項", 100, "count", "=", "P15: 百 = 100"),
    ("全國第一", 1, "rank", "=", "P15: first in the country"),
    ("超 1700 億元", 1.7e11, "CNY", ">=", "P15: 1700 × 10^8 = 1.7×10^11"),
    ("7 家", 7, "count", "=", "P15"),
    ("三分之一", 1 / 3, "fraction", "~", "P15: 三分之一 = one of three parts = 1/3, a rounded share: about"),
    ("百家", 100, "count", "=", "P15"),
    ("百件", 100, "count", "=", "P15"),
    ("2 萬台", 2e4, "count", "=", "P15: 2 萬 = 2 × 10^4 = 20 000 units"),
    ("200 億元", 2e10, "CNY", "=", "P15: 200 × 10^8 = 2×10^10"),
    ("2024 年", 2024, "year", "=", "P16"),
    ("百倍", 100, "multiple", "=", "P16: 百 = 100 times"),
    ("破 3000 億元", 3e11, "CNY", ">=", "P16: 3000 × 10^8 = 3×10^11; 破 (break) is a lower bound"),
]


@pytest.mark.parametrize(("text", "value", "unit", "bound", "why"), ARTICLE_QUANTITIES)
def test_article_quantities(text, value, unit, bound, why):
    parsed = parse_quantity(text)
    assert_quantity(parsed, value, unit, bound)
    assert parsed.text == text


def test_money_is_exact_to_the_yuan():
    # 55.8 × 10^8 = 5 580 000 000 exactly (Decimal arithmetic, no 5579999999.999 from binary floats)
    assert parse_quantity("達 55.8 億元").value == 5_580_000_000
    # 1.5 萬億 = 1.5 × 10^4 × 10^8 = 1.5×10^12
    assert parse_quantity("1.5 萬億元").value == 1_500_000_000_000


# --- Arabic digits with 萬, 億, 萬億 -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("3 萬", 3e4, None),  # 3 × 10^4
        ("3 億", 3e8, None),  # 3 × 10^8
        ("3 萬億", 3e12, None),  # 3 × 10^4 × 10^8 = 3×10^12
        ("9000億元", 9e11, "CNY"),  # 9000 × 10^8, no spaces
        ("1,200 輛", 1200, "count"),  # thousands separator
        ("5 萬億元", 5e12, "CNY"),  # 5 × 10^12
        ("300 萬公里", 3e6, "km"),  # 300 × 10^4
        ("300 多萬公里", 3e6, "km"),  # 多 between the number and 萬公里
        ("12 元", 12, "CNY"),
        ("8 公里", 8, "km"),
    ],
)
def test_arabic_digits_with_magnitudes(text, value, unit):
    parsed = parse_quantity(text)
    assert parsed.value == value
    assert parsed.unit == unit


def test_unit_word_is_kept_as_printed():
    assert parse_quantity("突破 9000 億元").unit_word == "億元"
    assert parse_quantity("超計 300 萬公里").unit_word == "萬公里"
    assert parse_quantity("超 2000 件").unit_word == "件"
    assert parse_quantity("千億級").unit_word is None


# --- orders of magnitude: 千億級, 百億級 ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("千億級", 1e11),  # 10^3 × 10^8
        ("百億級", 1e10),  # 10^2 × 10^8
        ("萬億級", 1e12),  # 10^4 × 10^8
        ("10 億級", 1e9),  # 10 × 10^8
    ],
)
def test_order_of_magnitude_is_a_lower_bound_without_unit(text, value):
    assert_quantity(parse_quantity(text), value, None, ">=")


def test_level_needs_an_order_of_magnitude():
    with pytest.raises(QuantityParseError, match=re.escape("'10 級'")):
        parse_quantity("10 級")


# --- Chinese numerals ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("百", 100),
        ("千", 1000),
        ("萬", 10_000),
        ("十", 10),
        ("十五", 15),  # 10 + 5
        ("二十五", 25),  # 2 × 10 + 5
        ("一百零五", 105),  # 100 + 0 + 5
        ("兩千", 2000),  # 兩 = 2; 2 × 1000
        ("一萬二千", 12_000),  # 1 × 10^4 + 2 × 10^3
        ("十萬", 100_000),  # 10 × 10^4
        ("三億五千萬", 350_000_000),  # 3 × 10^8 + 5000 × 10^4
        ("一萬二千億", 1_200_000_000_000),  # (1 × 10^4 + 2 × 10^3) × 10^8
        ("千億", 100_000_000_000),  # 10^3 × 10^8
        ("萬億", 1_000_000_000_000),  # 10^4 × 10^8 (the headline's 萬億)
        ("四萬萬", 400_000_000),  # classical: 4 × 10^4 × 10^4
    ],
)
def test_chinese_numerals(text, value):
    assert parse_chinese_numeral(text) == value
    assert parse_quantity(text).value == value


@pytest.mark.parametrize("text", ["", "三點五", "abc", "3", "百家"])
def test_chinese_numeral_rejects_other_text(text):
    with pytest.raises(QuantityParseError, match=re.escape(repr(text))):
        parse_chinese_numeral(text)


# --- fractions, halves, multiples, ranks, years -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "unit", "bound"),
    [
        ("三分之一", 1 / 3, "fraction", "~"),  # 1 / 3, a rounded share
        ("四分之三", 3 / 4, "fraction", "~"),  # 3 / 4
        ("近三分之一", 1 / 3, "fraction", "<="),
        ("半", 0.5, "fraction", "~"),  # a half in words is rounded
        ("一半", 0.5, "fraction", "~"),
        ("近一半", 0.5, "fraction", "<="),
        ("近半", 0.5, "fraction", "<="),
        ("過半", 0.5, "fraction", ">="),  # 過 (past) half
        ("50%", 0.5, "fraction", "="),  # 50 / 100
        ("超 12.5%", 0.125, "fraction", ">="),  # 12.5 / 100
        ("百倍", 100, "multiple", "="),
        ("3 倍", 3, "multiple", "="),
        ("全國第一", 1, "rank", "="),
        ("全球第一", 1, "rank", "="),
        ("第 3", 3, "rank", "="),
        ("2035 年", 2035, "year", "="),  # a calendar year
        ("5 年", 5, "years", "="),  # a duration (5 年內: within five years)
    ],
)
def test_shares_multiples_ranks_years(text, value, unit, bound):
    assert_quantity(parse_quantity(text), value, unit, bound)


def test_zero_denominator_raises():
    with pytest.raises(QuantityParseError, match="零分之一"):
        parse_quantity("零分之一")


# --- qualifiers and bounds ----------------------------------------------------------------------------------

QUALIFIED = [
    ("超 100 家", ">="),  # 超: over
    ("超過 100 家", ">="),
    ("逾 100 家", ">="),  # 逾: exceeding
    ("100 餘家", ">="),  # 餘: and more
    ("100 多家", ">="),  # 多: and more
    ("突破 100 家", ">="),  # 突破: broke through
    ("破 100 家", ">="),  # 破: broke
    ("超計 100 家", ">="),  # garbled 超過/累計, read as over
    ("100 家以上", ">="),  # 以上: and above, after the counter
    ("近 100 家", "<="),  # 近: nearly
    ("將近 100 家", "<="),
    ("100 家以下", "<="),
    ("約 100 家", "~"),  # 約: about
    ("100 家左右", "~"),  # 左右: or so
    ("約 100 家左右", "~"),  # both say "about": they agree
    ("達 100 家", "="),  # 達: reached, stated as exact
    ("達到 100 家", "="),
    ("達 100 餘家", ">="),  # 達 adds no bound of its own: reached over 100
    ("100 家", "="),
    ("邁上 100 家", ">="),  # 邁上: stepped up to (a new level)
    ("迈上 100 家", ">="),  # the same in Simplified (Dongguan's 2024 plan report: 迈上1.2万亿元新台阶)
]


@pytest.mark.parametrize(("text", "bound"), QUALIFIED)
def test_qualifiers_map_to_bounds(text, bound):
    assert_quantity(parse_quantity(text), 100, "count", bound)


@pytest.mark.parametrize("text", ["近 100 餘家", "約 100 多家", "近 100 家以上", "超 100 家左右", "近千億級"])
def test_contradictory_qualifiers_raise(text):
    with pytest.raises(QuantityParseError, match="contradictory") as error:
        parse_quantity(text)
    assert repr(text) in str(error.value)


# --- units --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("word", COUNTER_WORDS)
def test_counter_words_are_counts(word):
    assert_quantity(parse_quantity(f"12 {word}"), 12, "count", "=")
    assert parse_quantity(f"12 {word}").unit_word == word


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("7 億元", 7e8, "CNY"),  # 7 × 10^8
        ("7 萬元", 7e4, "CNY"),  # 7 × 10^4
        ("7 萬公里", 7e4, "km"),  # 7 × 10^4
        ("7 公里", 7, "km"),
        ("7 千米", 7, "km"),
    ],
)
def test_money_and_distance_units(text, value, unit):
    assert_quantity(parse_quantity(text), value, unit, "=")


# --- what cannot be parsed ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "很多企業",
        "abc 家",
        "2 斤斤",
        "3 千萬美金",
        "第十五個",
        "5G",
        "祖沖之三號",
        "93 家 企業",
        "今年",
    ],
)
def test_unparseable_text_raises_quoting_it(text):
    with pytest.raises(QuantityParseError) as error:
        parse_quantity(text)
    assert repr(text) in str(error.value)


def test_non_text_raises():
    with pytest.raises(QuantityParseError, match="None"):
        parse_quantity(None)  # type: ignore[arg-type]


# --- format_bound -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("bound", "symbol"), [("=", ""), (">=", ">"), ("<=", "<"), ("~", "~")])
def test_format_bound(bound, symbol):
    assert format_bound(bound) == symbol


def test_format_bound_covers_every_bound_and_rejects_others():
    assert {format_bound(b) for b in BOUNDS} == {"", ">", "<", "~"}
    with pytest.raises(ValueError, match="'>'"):
        format_bound(">")


# --- properties ---------------------------------------------------------------------------------------------

naturals = st.integers(min_value=0, max_value=10**12)
spaces = st.sampled_from(["", " ", "  ", "\t", "\u3000"])  # \u3000: the full-width space of CJK text


@settings(deadline=None)
@given(n=naturals, word=st.sampled_from(COUNTER_WORDS))
def test_over_n_counter_is_a_lower_bound_count(n, word):
    assert_quantity(parse_quantity(f"超 {n} {word}"), n, "count", ">=")


@settings(deadline=None)
@given(n=naturals)
def test_n_yi_yuan_is_n_times_10_to_the_8_yuan(n):
    parsed = parse_quantity(f"{n} 億元")
    assert parsed.value == float(n * 10**8)
    assert (parsed.unit, parsed.bound) == ("CNY", "=")


@settings(deadline=None)
@given(amount=st.decimals(min_value=0, max_value=10**6, places=2))
def test_decimal_yi_yuan_is_exact(amount):
    assert parse_quantity(f"{amount} 億元").value == float(amount * Decimal(10**8))


@settings(deadline=None)
@given(n=st.integers(min_value=0, max_value=10**9))
def test_thousands_separators_do_not_change_the_value(n):
    assert parse_quantity(f"{n:,} 家").value == parse_quantity(f"{n} 家").value == n


@settings(deadline=None)
@given(
    text=st.sampled_from([t for t, *_ in ARTICLE_QUANTITIES if " " in t] + ["近 100 家", "100 餘家以上"]),
    gaps=st.lists(spaces, min_size=8, max_size=8),
    outer=st.tuples(spaces, spaces),
)
def test_whitespace_does_not_change_the_reading(text, gaps, outer):
    # Rebuild the text with arbitrary whitespace between its parts (qualifier, number, unit).
    parts = text.split(" ")
    respaced = outer[0] + "".join(p + g for p, g in zip(parts, gaps, strict=False)) + outer[1]
    expected, got = parse_quantity(text), parse_quantity(respaced)
    assert (got.value, got.unit, got.bound) == (expected.value, expected.unit, expected.bound)


DIGITS = "零一二三四五六七八九"


def to_chinese_numeral(n: int) -> str:
    """Write 1 <= n < 10^12 as a standard Chinese numeral (12000 -> 一萬二千, 105 -> 一百零五)."""

    def section(k: int) -> str:  # 0 < k < 10^4
        out, gap = "", False
        for place, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            digit = k // place % 10
            if digit == 0:
                gap = bool(out)
            else:
                out += ("零" if gap else "") + DIGITS[digit] + unit
                gap = False
        return out

    out = ""
    for power, unit in ((10**8, "億"), (10**4, "萬"), (1, "")):
        k = n // power % 10**4
        if k:
            out += ("零" if out and k < 1000 else "") + section(k) + unit
    return out


def test_to_chinese_numeral_by_hand():
    # the helper of the property below, checked on numbers written out by hand
    assert to_chinese_numeral(25) == "二十五"
    assert to_chinese_numeral(105) == "一百零五"
    assert to_chinese_numeral(12_000) == "一萬二千"
    assert to_chinese_numeral(100_000_005) == "一億零五"


@settings(deadline=None)
@given(n=st.integers(min_value=1, max_value=10**12 - 1))
def test_chinese_numeral_round_trip(n):
    assert parse_chinese_numeral(to_chinese_numeral(n)) == n


@settings(deadline=None)
@given(text=st.text(max_size=12))
def test_any_text_parses_or_raises_quantity_parse_error(text):
    try:
        parsed = parse_quantity(text)
    except QuantityParseError as error:
        assert repr(text.strip()) in str(error) or repr(text) in str(error)
    else:
        assert parsed.bound in BOUNDS
        assert parsed.value >= 0


# --- both scripts, new units, relative years -----------------------------------------------------------------

SCRIPT_PAIRS = [
    # Simplified as printed on mainland pages, its Traditional form, value, unit, bound (worked by hand)
    ("超2000件", "超2000件", 2000, "count", ">="),
    ("120余家", "120餘家", 120, "count", ">="),  # 余/餘: and more
    ("千亿级", "千億級", 1e11, None, ">="),  # 千亿 = 10^3 × 10^8
    ("不少于60个", "不少於60個", 60, "count", ">="),  # 不少于: no fewer than
    ("超过100家", "超過100家", 100, "count", ">="),
    ("达55.8亿元", "達55.8億元", 5.58e9, "CNY", "="),  # 55.8 × 10^8
    ("约1.2万吨/年", "約1.2萬噸/年", 1.2e4, "tonne_per_year", "~"),  # 1.2 × 10^4 t a year
    ("近一半", "近一半", 0.5, "fraction", "<="),
    ("1.5万亿元", "1.5萬億元", 1.5e12, "CNY", "="),  # 1.5 × 10^4 × 10^8
    ("3千万元", "3千萬元", 3e7, "CNY", "="),  # 3 × 10^3 × 10^4
    ("2185.8万人", "2185.8萬人", 21_858_000, "person", "="),  # 2185.8 × 10^4
    ("100亿元以上", "100億元以上", 1e10, "CNY", ">="),
    ("全国第一", "全國第一", 1, "rank", "="),
]


@pytest.mark.parametrize(("simplified", "traditional", "value", "unit", "bound"), SCRIPT_PAIRS)
def test_simplified_and_traditional_parse_alike(simplified, traditional, value, unit, bound):
    assert_quantity(parse_quantity(simplified), value, unit, bound)
    assert_quantity(parse_quantity(traditional), value, unit, bound)


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("１２０家", 120, "count"),  # full-width digits
        ("５０％", 0.5, "fraction"),  # full-width percent
        ("1亿摄氏度", 1e8, "celsius"),  # 1 × 10^8 degrees
        ("1066秒", 1066, "second"),
        ("105个量子比特", 105, "qubit"),  # a counter before the unit word
        ("20万吨", 2e5, "tonne"),  # 20 × 10^4
        ("7千米", 7, "km"),  # 千米 is a unit word, not 千 × 米
        ("50亿美元", 5e9, "USD"),  # 50 × 10^8 dollars
        ("100兆瓦", 1e5, "kw"),  # 100 MW = 100 × 1000 kW (scale in data/units.csv)
        ("位居全国第三", 3, "rank"),
    ],
)
def test_new_units_and_forms(text, value, unit):
    parsed = parse_quantity(text)
    assert parsed.value == pytest.approx(value, rel=1e-12)
    assert parsed.unit == unit


def test_relative_years_need_the_sources_date():
    assert_quantity(parse_quantity("今年", reference_year=2025), 2025, "year", "=")
    assert_quantity(parse_quantity("去年", reference_year=2025), 2024, "year", "=")
    with pytest.raises(QuantityParseError, match="relative to the source's date"):
        parse_quantity("今年")


def test_unit_words_come_from_a_table(tmp_path):
    table = tmp_path / "units.csv"
    table.write_text("word,unit,scale,meaning\n斤,kg,0.5,half a kilogram\n", encoding="utf-8")
    words = unit_words(table)
    assert_quantity(parse_quantity("10斤", words), 5, "kg", "=")  # 10 × 0.5 kg
    with pytest.raises(QuantityParseError, match="unknown unit"):
        parse_quantity("10家", words)


def test_a_bad_units_table_names_its_line(tmp_path):
    table = tmp_path / "units.csv"
    table.write_text("word,unit,scale,meaning\n斤,kg,half,x\n", encoding="utf-8")
    with pytest.raises(QuantityParseError, match="line 2"):
        unit_words(table)


def _quantity_texts() -> list[str]:
    """Every quantity text of data/ and of this file's tables."""
    import csv

    from helpers.paths import DATA_DIR

    texts = []
    for name in ("facts", "context"):
        path = DATA_DIR / f"{name}.csv"
        if path.is_file():
            with open(path, encoding="utf-8", newline="") as handle:
                texts += [row["quantity_text"] for row in csv.DictReader(handle)]
    texts += [row[0] for row in ARTICLE_QUANTITIES] + [t for pair in SCRIPT_PAIRS for t in pair[:2]]
    texts += [text for text, _ in QUALIFIED]
    return sorted(set(texts))


def test_opencc_conversion_never_changes_a_parse():
    import opencc

    converters = [opencc.OpenCC(name) for name in ("t2s", "s2t", "tw2sp", "s2twp")]
    texts = _quantity_texts()
    assert len(texts) > 50
    for text in texts:
        try:
            expected = parse_quantity(text, reference_year=2025)
        except QuantityParseError:
            continue
        for converter in converters:
            converted = converter.convert(text)
            parsed = parse_quantity(converted, reference_year=2025)
            assert (parsed.value, parsed.unit, parsed.bound) == (
                expected.value,
                expected.unit,
                expected.bound,
            ), (
                text,
                converted,
            )


def test_a_range_whose_lower_end_is_no_number_names_the_text_as_printed():
    # found by the property test above: "A-TO-A" is read as the range "a to a", whose lower end "a" has no number
    with pytest.raises(QuantityParseError, match=r"'A-TO-A'"):
        parse_quantity("A-TO-A")

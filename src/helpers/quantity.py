"""Parse a Chinese quantity exactly as printed ("超 2000 件", "千億級", "近半") into value, unit and bound.

Bounds: "=" stated as exact (達, or no qualifier), ">=" a lower bound (超, 逾, 餘, 多, 突破, 破, 級, 以上),
"<=" an upper bound (近, 以下), "~" an approximation (約, 左右); 達 yields to any other qualifier, two others
that disagree raise. Money comes out in yuan (unit "CNY"), counts as unit "count".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

BOUNDS: tuple[str, ...] = ("=", ">=", "<=", "~")

# Qualifiers printed before the number, longest first so that 超計 wins over 超.
PREFIX_QUALIFIERS: dict[str, str] = {
    "超計": ">=",  # garbled in the Anue article: 超過 (over) or 累計 (cumulative); 超 read as "over"
    "超過": ">=",
    "突破": ">=",
    "將近": "<=",
    "不足": "<=",
    "大約": "~",
    "達到": "=",
    "超": ">=",
    "逾": ">=",
    "破": ">=",
    "近": "<=",
    "約": "~",
    "達": "=",
}
# Qualifiers printed after the number (120 餘家, 20 多個, 100 以上).
SUFFIX_QUALIFIERS: dict[str, str] = {"餘": ">=", "多": ">=", "以上": ">=", "左右": "~", "以下": "<="}

# Counter words: the thing counted does not change the unit.
COUNTERS: tuple[str, ...] = (
    "家",
    "個",
    "件",
    "輛",
    "座",
    "項",
    "台",
    "臺",
    "名",
    "人",
    "所",
    "款",
    "條",
    "種",
)
MAGNITUDES: dict[str, int] = {"萬": 10**4, "億": 10**8}
CHINESE_DIGITS: dict[str, int] = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "兩": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
CHINESE_SMALL_UNITS: dict[str, int] = {"十": 10, "百": 100, "千": 1000}
_CN_NUMERAL = "[零〇一二兩三四五六七八九十百千萬億]+"
_ARABIC = r"\d+(?:,\d{3})*(?:\.\d+)?"


class QuantityParseError(ValueError):
    """Raised when a printed quantity cannot be parsed; the message quotes the text."""


@dataclass(frozen=True)
class Quantity:
    """A parsed quantity: value in the canonical unit, the unit, the bound and what was printed."""

    value: float
    unit: (
        str | None
    )  # "CNY", "count", "fraction", "multiple", "km", "year", "years", "rank"; None if unprinted
    bound: str  # one of BOUNDS
    text: str
    unit_word: str | None = None  # the counter or unit word as printed (家, 億元, 萬公里 ...)


def parse_chinese_numeral(text: str) -> int:
    """Convert a Chinese numeral (三, 二十五, 百, 千億, 一萬二千) to an integer.

    Raises:
        QuantityParseError: if `text` holds a character that is not a Chinese numeral.
    """
    if not text or not re.fullmatch(_CN_NUMERAL, text):
        raise QuantityParseError(f"not a Chinese numeral: {text!r}")
    total, section, digit = 0, 0, 0
    for char in text:
        if char in CHINESE_DIGITS:
            digit = CHINESE_DIGITS[char]
        elif char in CHINESE_SMALL_UNITS:
            section += (digit or 1) * CHINESE_SMALL_UNITS[char]
            digit = 0
        elif char == "萬":
            if section + digit == 0 and total:  # 萬萬 = 10^8 (四萬萬 = 4×10^8)
                total *= 10**4
            else:
                total += (section + digit or 1) * 10**4
            section, digit = 0, 0
        else:  # 億 multiplies everything before it (萬億 = 10^12)
            total = (total + section + digit or 1) * 10**8
            section, digit = 0, 0
    return total + section + digit


def _to_number(token: str) -> Decimal:
    """Arabic digits (with optional 萬/億 after them) or a Chinese numeral, as an exact Decimal."""
    match = re.fullmatch(rf"({_ARABIC})\s*([萬億]*)", token)
    if match:
        number = Decimal(match.group(1).replace(",", ""))
        for char in match.group(2):
            number *= MAGNITUDES[char]
        return number
    return Decimal(parse_chinese_numeral(token))


def _split_qualifiers(text: str) -> tuple[str, str | None]:
    """Strip one prefix qualifier; return the rest and its bound (None when there is none)."""
    for word, bound in PREFIX_QUALIFIERS.items():
        if text.startswith(word):
            return text[len(word) :].strip(), bound
    return text, None


def _combine(text: str, *bounds: str | None) -> str:
    """The one bound the qualifiers agree on; "=" (達, reached) yields to any other ("達 120 餘家" is ">=")."""
    given = [b for b in bounds if b is not None and b != "="]
    if len(set(given)) > 1:
        raise QuantityParseError(f"contradictory qualifiers in {text!r}: {' and '.join(given)}")
    return given[0] if given else "="


def parse_quantity(text: str) -> Quantity:
    """Parse a quantity exactly as printed into a `Quantity`.

    Examples: "超 2000 件" -> 2000 count >=; "突破 9000 億元" -> 9e11 CNY >=; "千億級" -> 1e11 None >=;
    "三分之一" -> 1/3 fraction =; "近半" -> 0.5 fraction <=; "百倍" -> 100 multiple =; "2035 年" -> year.

    Raises:
        QuantityParseError: quoting `text`, when any part of it is not understood.
    """
    if not isinstance(text, str) or not text.strip():
        raise QuantityParseError(f"empty quantity text: {text!r}")
    original = text
    rest = re.sub(r"\s+", " ", text.strip())
    rest = re.sub(r"^(全國|全球)", "", rest)
    rest, prefix_bound = _split_qualifiers(rest)

    # Ranks: 第一, 第 3
    if match := re.fullmatch(rf"第\s*({_ARABIC}|{_CN_NUMERAL})", rest):
        return Quantity(float(_to_number(match.group(1))), "rank", _combine(original, prefix_bound), original)
    # Halves: 半, 近半, 過半
    if match := re.fullmatch(r"(過)?半(數)?", rest):
        bound = _combine(original, prefix_bound, ">=" if match.group(1) else None)
        return Quantity(0.5, "fraction", bound, original)
    # Fractions: 三分之一
    if match := re.fullmatch(rf"({_CN_NUMERAL}|\d+)\s*分之\s*({_CN_NUMERAL}|\d+)", rest):
        denominator, numerator = (_to_number(g) for g in match.groups())
        if denominator == 0:
            raise QuantityParseError(f"zero denominator in {original!r}")
        value = float(Fraction(int(numerator), int(denominator)))
        return Quantity(value, "fraction", _combine(original, prefix_bound), original)
    # Percent
    if match := re.fullmatch(rf"({_ARABIC})\s*[%％]", rest):
        value = float(Decimal(match.group(1).replace(",", "")) / 100)
        return Quantity(value, "fraction", _combine(original, prefix_bound), original)

    match = re.fullmatch(
        rf"(?P<num>{_ARABIC}\s*[萬億]*|{_CN_NUMERAL})\s*(?P<suffix>餘|多|以上|左右|以下)?\s*"
        rf"(?P<level>級)?\s*(?P<unit>.*)",
        rest,
    )
    if not match:
        raise QuantityParseError(f"cannot parse quantity {original!r}: no number found")
    number = _to_number(match.group("num").strip())
    unit_text = match.group("unit").strip()
    # 以上, 左右, 以下 may also follow the unit word (100 家左右, 100 億元以上).
    tail = re.fullmatch(r"(.*?)\s*(以上|左右|以下)", unit_text)
    tail_bound = SUFFIX_QUALIFIERS[tail.group(2)] if tail else None
    unit_text = tail.group(1) if tail else unit_text
    suffix_bound = SUFFIX_QUALIFIERS.get(match.group("suffix") or "")
    level_bound = ">=" if match.group("level") else None
    bound = _combine(original, prefix_bound, suffix_bound, tail_bound, level_bound)
    if match.group("level") and not re.search("[十百千萬億]", match.group("num")):
        raise QuantityParseError(f"級 must follow an order of magnitude (百億, 千億 ...) in {original!r}")

    unit, scale = _parse_unit(unit_text, number, original)
    value = number * scale
    unit_word = unit_text or None
    num_text, is_plain = match.group("num").strip(), not (match.group("suffix") or match.group("level"))
    if unit in ("CNY", "km") and num_text[0].isdigit() and is_plain:
        unit_word = re.search("[萬億]*$", num_text).group() + unit_text  # "9000 億元" prints the unit 億元
    return Quantity(float(value), unit, bound, original, unit_word)


def _parse_unit(unit_text: str, number: Decimal, original: str) -> tuple[str | None, Decimal]:
    """Map a printed unit word to (canonical unit, multiplier)."""
    if not unit_text:
        return None, Decimal(1)
    if unit_text in COUNTERS:
        return "count", Decimal(1)
    if unit_text == "倍":
        return "multiple", Decimal(1)
    if unit_text == "年":
        is_calendar_year = number == number.to_integral_value() and 1900 <= number <= 2100
        return ("year" if is_calendar_year else "years"), Decimal(1)
    money = re.fullmatch(r"([萬億]*)(?:人民幣)?元", unit_text)
    if money:
        scale = Decimal(1)
        for char in money.group(1):
            scale *= MAGNITUDES[char]
        return "CNY", scale
    distance = re.fullmatch(r"([萬億]*)(公里|千米)", unit_text)
    if distance:
        scale = Decimal(1)
        for char in distance.group(1):
            scale *= MAGNITUDES[char]
        return "km", scale
    raise QuantityParseError(f"cannot parse quantity {original!r}: unknown unit {unit_text!r}")


def format_bound(bound: str) -> str:
    """The symbol put before a bounded figure in tables: "" for exact, ">" lower, "<" upper, "~" approximate."""
    symbols = {"=": "", ">=": ">", "<=": "<", "~": "~"}
    if bound not in symbols:
        raise ValueError(f"unknown bound {bound!r}; expected one of {', '.join(BOUNDS)}")
    return symbols[bound]

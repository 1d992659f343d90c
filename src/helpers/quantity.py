"""Parse a Chinese quantity exactly as printed ("超 2000 件", "千亿级", "近一半") into value, unit and bound.

Simplified and Traditional forms parse alike: the text is first folded to one form (`fold`: full-width digits
to ASCII, 万 to 萬, 亿 to 億, 个 to 個, 余 to 餘 ...), so converting a text with OpenCC never changes its parse.
Unit words come from `data/units.csv` (word, canonical unit, scale): a new unit is a line of data.

Bounds: "=" stated as exact (达, or no qualifier), ">=" a lower bound (超, 超过, 逾, 余, 多, 突破, 破, 级, 以上,
不少于, 至少), "<=" an upper bound (近, 接近, 将近, 以下, 不超过, 不足), "~" an approximation (约, 左右, 大约, and
printed fractions such as 三分之一 or 一半, which are rounded shares); 达 yields to any other qualifier, two
others that disagree raise. Money comes out in yuan (unit "CNY"), counts as unit "count".
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from helpers.paths import DATA_DIR

BOUNDS: tuple[str, ...] = ("=", ">=", "<=", "~")

# Simplified (and variant) characters folded to the one form the rules below are written in.
_FOLD_CHARS = {
    "万": "萬", "亿": "億", "个": "個", "余": "餘", "级": "級", "过": "過", "达": "達", "约": "約",
    "于": "於", "将": "將", "两": "兩", "项": "項", "辆": "輛", "条": "條", "种": "種", "数": "數",
    "吨": "噸", "臺": "台", "类": "類", "后": "後", "长": "長", "几": "幾", "别": "別", "时": "時", "户": "戶", "摄": "攝", "币": "幣", "颗": "顆", "计": "計", "国": "國", "内": "內", "点": "點", "迈": "邁",
    "\u3000": " ", "，": ",", "．": ".", "％": "%", "／": "/", "～": "~",
}  # fmt: skip
_FOLD_CHARS.update({chr(0xFF10 + d): str(d) for d in range(10)})  # full-width digits
_FOLD_CHARS.update({chr(0xFF21 + i): chr(0x41 + i) for i in range(26)})  # full-width Latin capitals
_FOLD_TABLE = str.maketrans({k: v for k, v in _FOLD_CHARS.items() if len(k) == 1})

# Qualifiers printed before the number (folded forms), longest first so that 超過 wins over 超.
PREFIX_QUALIFIERS: dict[str, str] = {
    "不少於": ">=", "不低於": ">=", "不超過": "<=", "不高於": "<=", "超過了": ">=", "最少": ">=",
    "站上": ">=", "邁上": ">=", "跨上": ">=", "最高": "<=", "過": ">=",
    "超計": ">=",  # garbled in the Anue article: 超過 (over) or 累計 (cumulative); 超 read as "over"
    "超過": ">=", "突破": ">=", "至少": ">=", "高達": ">=", "多達": ">=",
    "將近": "<=", "接近": "<=", "不足": "<=", "大約": "~", "達到": "=",
    "超": ">=", "逾": ">=", "破": ">=", "近": "<=", "約": "~", "達": "=",
}  # fmt: skip
# Qualifiers printed after the number (120 餘家, 20 多個, 100 以上).
SUFFIX_QUALIFIERS: dict[str, str] = {
    "餘": ">=",
    "多": ">=",
    "以上": ">=",
    "左右": "~",
    "以下": "<=",
    "以內": "<=",
}

MAGNITUDES: dict[str, int] = {"萬": 10**4, "億": 10**8}
CHINESE_DIGITS: dict[str, int] = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "兩": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
CHINESE_SMALL_UNITS: dict[str, int] = {"十": 10, "百": 100, "千": 1000}
_CN_NUMERAL = "[零〇一二兩三四五六七八九十百千萬億]+"
_ARABIC = r"\d+(?:,\d{3})*(?:\.\d+)?"
# Arabic digits may carry a magnitude: 1.2萬, 3千萬, 5萬億.
_ARABIC_MAG = rf"{_ARABIC}\s*(?:[十百千](?![米瓦克]))?[萬億]*"


class QuantityParseError(ValueError):
    """Raised when a printed quantity cannot be parsed; the message quotes the text."""


@dataclass(frozen=True)
class Quantity:
    """A parsed quantity: value in the canonical unit, the unit, the bound and what was printed."""

    value: float
    unit: (
        str | None
    )  # a unit of data/units.csv ("CNY", "count", "tonne" ...), "fraction", "rank" ...; None if unprinted
    bound: str  # one of BOUNDS
    text: str
    unit_word: str | None = None  # the unit word as printed, magnitude included (家, 億元, 萬公里 ...)


def fold(text: str) -> str:
    """`text` with Simplified and full-width characters folded to the forms the parser's rules use."""
    return text.translate(_FOLD_TABLE)


def unit_table(rows, where: str = "data/units.csv") -> dict[str, tuple[str, Decimal]]:
    """Rows of units.csv (mappings with word, unit, scale; scale as text or a number) as the parser's table:
    folded word -> (canonical unit, scale).

    Raises:
        QuantityParseError: naming `where` and the line of a row without a word, a unit or a positive scale.
    """
    units: dict[str, tuple[str, Decimal]] = {}
    for line, row in enumerate(rows, start=2):
        word, unit, scale = (row.get(k) for k in ("word", "unit", "scale"))
        text = str(scale).strip() if isinstance(scale, str) else "" if scale is None else repr(float(scale))
        is_number = bool(re.fullmatch(r"\d+(\.\d+)?(e-?\d+)?", text)) and Decimal(text) > 0
        if not word or not unit or not is_number:
            raise QuantityParseError(
                f"{where}, line {line}: expected a word, a unit and a positive scale; got {row!r}"
            )
        units[fold(str(word).strip())] = (str(unit).strip(), Decimal(text))
    return units


@functools.lru_cache(maxsize=4)
def _read_units(path: str) -> dict[str, tuple[str, Decimal]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return unit_table(csv.DictReader(handle), path)


def unit_words(path: Path | None = None) -> dict[str, tuple[str, Decimal]]:
    """The unit words of data/units.csv (folded), each with its canonical unit and scale."""
    return _read_units(str(path or DATA_DIR / "units.csv"))


def parse_chinese_numeral(text: str) -> int:
    """Convert a Chinese numeral (三, 二十五, 百, 千億, 一萬二千; either script) to an integer.

    Raises:
        QuantityParseError: if `text` holds a character that is not a Chinese numeral.
    """
    original, text = text, fold(text) if isinstance(text, str) else text
    if not text or not re.fullmatch(_CN_NUMERAL, text):
        raise QuantityParseError(f"not a Chinese numeral: {original!r}")
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


def _magnitude(chars: str) -> Decimal:
    scale = Decimal(1)
    for char in chars:
        scale *= CHINESE_SMALL_UNITS.get(char) or MAGNITUDES[char]
    return scale


def _to_number(token: str) -> Decimal:
    """Arabic digits (with optional 千/萬/億 after them) or a Chinese numeral, as an exact Decimal."""
    match = re.fullmatch(rf"({_ARABIC})\s*((?:[十百千](?![米瓦克]))?[萬億]*)", token)
    if match:
        return Decimal(match.group(1).replace(",", "")) * _magnitude(match.group(2))
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


# Years printed relative to the source's date: 今年 (this year), 去年 (last year) ...
RELATIVE_YEARS: dict[str, int] = {"今年": 0, "去年": -1, "前年": -2, "明年": 1, "後年": 2}


def parse_quantity(
    text: str, units: dict[str, tuple[str, Decimal]] | None = None, reference_year: int | None = None
) -> Quantity:
    """Parse a quantity exactly as printed, in either script, into a `Quantity`.

    Examples: "超 2000 件" -> 2000 count >=; "突破9000亿元" -> 9e11 CNY >=; "千億級" -> 1e11 None >=;
    "三分之一" -> 1/3 fraction ~; "近一半" -> 0.5 fraction <=; "百倍" -> 100 multiple =; "2035 年" -> year;
    "1.2万吨/年" -> 12000 tonne_per_year.

    Args:
        text: the quantity as printed.
        units: unit words (see `unit_words`); data/units.csv when None.
        reference_year: the year of the source's date, for years printed relative to it (今年, 去年).

    Raises:
        QuantityParseError: quoting `text`, when any part of it is not understood.
    """
    if not isinstance(text, str) or not text.strip():
        raise QuantityParseError(f"empty quantity text: {text!r}")
    units = unit_words() if units is None else units
    original = text
    if re.search(r"[A-Za-z]{2,}", text) and not re.search(r"[\u4e00-\u9fff]", text):
        return _parse_english(text, units)
    rest = re.sub(r"\s+", " ", fold(text).strip())
    # garbling of mirror sites: pinyin after a character (萬(wàn)億), a space after a decimal point (2. 2)
    rest = re.sub(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)", "", rest)
    rest = re.sub(r"(\d)\. (\d)", r"\1.\2", rest)
    rest = re.sub(r"^(增長|同比增長|增速)", "", rest)
    rest = re.sub(r"^(?:全國|全球|國內|排名|位居|位列|居)+", "", rest).strip()
    rest, prefix_bound = _split_qualifiers(rest)

    # Relative years: 今年 is the source's own year
    if rest in RELATIVE_YEARS:
        if reference_year is None:
            raise QuantityParseError(
                f"{original!r} is a year relative to the source's date, which is not given"
            )
        return Quantity(
            float(reference_year + RELATIVE_YEARS[rest]), "year", _combine(original, prefix_bound), original
        )
    # Ranks: 第一, 第 3, 首位, 第一城, 榜首; 前四 (among the first four) is a rank of at most 4
    if match := re.fullmatch(rf"第\s*({_ARABIC}|{_CN_NUMERAL})\s*(位|名|城)?", rest):
        return Quantity(float(_to_number(match.group(1))), "rank", _combine(original, prefix_bound), original)
    if rest in ("首位", "首", "榜首"):
        return Quantity(1.0, "rank", _combine(original, prefix_bound), original)
    if match := re.fullmatch(rf"前\s*({_ARABIC}|{_CN_NUMERAL})\s*(位|名)?", rest):
        return Quantity(
            float(_to_number(match.group(1))), "rank", _combine(original, prefix_bound, "<="), original
        )
    # A month: 2023年10月 is the year 2023
    if match := re.fullmatch(r"(\d{4})\s*年\s*\d{1,2}\s*月(\s*\d{1,2}\s*日)?", rest):
        return Quantity(float(match.group(1)), "year", _combine(original, prefix_bound), original)
    # Years bounded in time: 2050年前 (before 2050), 2017年前後 (around 2017)
    if match := re.fullmatch(r"(\d{4})\s*年\s*(前後|左右|前|以前|後|以後)", rest):
        tail = {"前後": "~", "左右": "~", "前": "<=", "以前": "<=", "後": ">=", "以後": ">="}[match.group(2)]
        return Quantity(float(match.group(1)), "year", _combine(original, prefix_bound, tail), original)
    # Ranges: 3至5家, 1—2个, 50-60台, 20兆瓦至200兆瓦, 三四百公里, 二三十年: the lower end, as a lower bound
    if match := re.fullmatch(rf"({_ARABIC})\s*(\S*?)\s*(?:至|到|—|–|-|~)\s*({_ARABIC})\s*(.*)", rest):
        low, low_unit, high, unit_text = match.groups()
        if low_unit in ("", unit_text) and Decimal(high.replace(",", "")) > Decimal(low.replace(",", "")):
            lower = parse_quantity(f"{low}{unit_text}", units, reference_year)
            return Quantity(
                lower.value, lower.unit, _combine(original, prefix_bound, ">="), original, lower.unit_word
            )
    if match := re.fullmatch(r"([一二三四五六七八九])([二三四五六七八九])([十百千萬億]+)(.*)", rest):
        first, second, magnitude, unit_text = match.groups()
        if CHINESE_DIGITS[second] == CHINESE_DIGITS[first] + 1:
            lower = parse_quantity(f"{first}{magnitude}{unit_text}", units, reference_year)
            return Quantity(
                lower.value, lower.unit, _combine(original, prefix_bound, ">="), original, lower.unit_word
            )
    # Several: 數十家 (several tens), 數億元, 幾十分之一: at least two of the magnitude (or at most 1/20)
    if match := re.fullmatch(r"[數幾]([十百千萬億]+)分之一(.*)", rest):
        unit, scale = (
            _parse_unit(match.group(2).strip(), Decimal(0), original, units)
            if match.group(2)
            else ("fraction", Decimal(1))
        )
        value = Decimal(1) / (2 * _magnitude(match.group(1))) * scale
        return Quantity(float(value), unit, _combine(original, prefix_bound, "<="), original)
    if match := re.fullmatch(r"[數幾]([十百千萬億]+)\s*(級)?\s*(.*)", rest):
        number = 2 * _magnitude(match.group(1))
        unit, scale = _parse_unit(match.group(3).strip(), number, original, units)
        return Quantity(float(number * scale), unit, _combine(original, prefix_bound, ">="), original)
    # Parts of a unit: 百萬分之一秒 (a millionth of a second)
    if match := re.fullmatch(rf"({_CN_NUMERAL}|\d+)\s*分之\s*({_CN_NUMERAL}|\d+)\s*(\S+)", rest):
        denominator, numerator = (_to_number(g) for g in match.groups()[:2])
        unit, scale = _parse_unit(match.group(3), numerator, original, units)
        if denominator == 0:
            raise QuantityParseError(f"zero denominator in {original!r}")
        return Quantity(
            float(numerator / denominator * scale), unit, _combine(original, prefix_bound), original
        )
    # Digits as a fraction: 1/3 (a rounded share)
    if match := re.fullmatch(r"(\d+)\s*/\s*(\d+)", rest):
        numerator, denominator = int(match.group(1)), int(match.group(2))
        if denominator == 0:
            raise QuantityParseError(f"zero denominator in {original!r}")
        bound = _combine(original, prefix_bound)
        return Quantity(
            float(Fraction(numerator, denominator)), "fraction", "~" if bound == "=" else bound, original
        )
    # Tenths: 4 成 (four tenths)
    if match := re.fullmatch(rf"({_ARABIC}|{_CN_NUMERAL})\s*成\s*(左右|以上|多)?", rest):
        value = float(_to_number(match.group(1)) / 10)
        bound = _combine(original, prefix_bound, SUFFIX_QUALIFIERS.get(match.group(2) or ""))
        return Quantity(value, "fraction", bound, original)
    # Digits with 萬 inside: 6萬5291家 = 65291
    if match := re.fullmatch(r"(\d+)萬(\d{1,4})\s*(.*)", rest):
        number = Decimal(match.group(1)) * 10**4 + Decimal(match.group(2))
        unit, scale = _parse_unit(match.group(3).strip(), number, original, units)
        return Quantity(
            float(number * scale), unit, _combine(original, prefix_bound), original, match.group(3) or None
        )
    # Halves, printed as words: 半, 一半, 近半, 過半, 半數 — rounded shares
    if match := re.fullmatch(r"(過)?(一)?半(數)?", rest):
        bound = _combine(original, prefix_bound, ">=" if match.group(1) else None)
        return Quantity(0.5, "fraction", "~" if bound == "=" else bound, original)
    # Fractions: 三分之一 — a rounded share
    if match := re.fullmatch(rf"({_CN_NUMERAL}|\d+)\s*分之\s*({_CN_NUMERAL}|\d+)", rest):
        denominator, numerator = (_to_number(g) for g in match.groups())
        if denominator == 0:
            raise QuantityParseError(f"zero denominator in {original!r}")
        value = float(Fraction(int(numerator), int(denominator)))
        bound = _combine(original, prefix_bound)
        return Quantity(value, "fraction", "~" if bound == "=" else bound, original)
    # Percent: 40%, 超 12.5%, 40%以上
    if match := re.fullmatch(rf"({_ARABIC})\s*%\s*(以上|左右|以下)?", rest):
        value = float(Decimal(match.group(1).replace(",", "")) / 100)
        bound = _combine(original, prefix_bound, SUFFIX_QUALIFIERS.get(match.group(2) or ""))
        return Quantity(value, "fraction", bound, original)

    match = re.fullmatch(
        rf"(?P<num>{_ARABIC_MAG}|{_CN_NUMERAL})\s*(?P<suffix>餘|多|以上|左右|以下)?\s*"
        rf"(?P<mag>[萬億]*)\s*(?P<level>級)?\s*(?P<unit>.*)",
        rest,
    )
    if not match:
        raise QuantityParseError(f"cannot parse quantity {original!r}: no number found")
    number = _to_number(match.group("num").strip()) * _magnitude(match.group("mag"))
    unit_text = match.group("unit").strip()
    level_after = re.fullmatch(r"(.*?)\s*級別?", unit_text)
    if level_after and not match.group("level"):
        unit_text = level_after.group(1)
    # 以上, 左右, 以下 may also follow the unit word (100 家左右, 100 億元以上).
    tail = re.fullmatch(r"(.*?)\s*(以上|左右|以下|以內)", unit_text)
    tail_bound = SUFFIX_QUALIFIERS[tail.group(2)] if tail else None
    unit_text = tail.group(1) if tail else unit_text
    suffix_bound = SUFFIX_QUALIFIERS.get(match.group("suffix") or "")
    level_bound = ">=" if match.group("level") or level_after else None
    bound = _combine(original, prefix_bound, suffix_bound, tail_bound, level_bound)
    if (match.group("level") or level_after) and not re.search(
        "[十百千萬億]", match.group("num") + match.group("mag")
    ):
        raise QuantityParseError(f"級 must follow an order of magnitude (百億, 千億 ...) in {original!r}")

    unit, scale = _parse_unit(unit_text, number, original, units)
    value = number * scale
    unit_word = unit_text or None
    num_text = match.group("num").strip()
    is_plain = not (match.group("suffix") or match.group("level") or match.group("mag"))
    if unit_text and num_text[0].isdigit() and is_plain:
        magnitude = re.search("[十百千]?[萬億]*$", num_text).group()
        unit_word = (magnitude + unit_text) if magnitude else unit_text  # "9000 億元" prints the unit 億元
    return Quantity(float(value), unit, bound, original, unit_word)


_EN_PREFIXES: dict[str, str] = {
    "more than": ">=", "over": ">=", "exceeding": ">=", "exceeded": ">=", "exceeds": ">=", "exceed": ">=",
    "surpassed": ">=", "surpassing": ">=", "surpass": ">=", "above": ">=", "at least": ">=", "upwards of": ">=",
    "nearly": "<=", "almost": "<=", "close to": "<=", "less than": "<=", "fewer than": "<=", "under": "<=",
    "up to": "<=", "around": "~", "about": "~", "approximately": "~", "roughly": "~", "some": "~",
}  # fmt: skip
_EN_NUMBERS: dict[str, int] = {
    w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                               "fourteen fifteen sixteen seventeen eighteen nineteen twenty".split())
} | {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100}  # fmt: skip
_EN_MAGNITUDES: dict[str, int] = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_EN_ORDINALS: dict[str, int] = {w: i + 1 for i, w in enumerate(
    "first second third fourth fifth sixth seventh eighth ninth tenth".split())}  # fmt: skip
_EN_FRACTIONS: dict[str, Fraction] = {
    "half": Fraction(1, 2), "one half": Fraction(1, 2), "one third": Fraction(1, 3), "a third": Fraction(1, 3),
    "two thirds": Fraction(2, 3), "a quarter": Fraction(1, 4), "one quarter": Fraction(1, 4),
    "three quarters": Fraction(3, 4),
}  # fmt: skip


def _parse_english(original: str, units: dict[str, tuple[str, Decimal]]) -> Quantity:
    """An English quantity ("more than 540", "36.5 million tonnes", "ranks first", "one-third", "$0.45 billion")."""
    text = original.strip().lower().replace("’", "'")
    text = re.sub(r"(?<=[a-z0-9])-(?=[a-z])", " ", text)  # 10-trillion-yuan, one-third
    text = re.sub(r"\s+", " ", text)
    bound = None
    for word in sorted(_EN_PREFIXES, key=len, reverse=True):
        if text.startswith(word + " "):
            bound, text = _EN_PREFIXES[word], text[len(word) :].strip()
            break
    if match := re.fullmatch(r"(?:the )?(?:ranks?|ranking|ranked|placed)? ?(?:no\. ?(\d+)|(\w+))", text):
        if match.group(1) or match.group(2) in _EN_ORDINALS:
            value = int(match.group(1)) if match.group(1) else _EN_ORDINALS[match.group(2)]
            return Quantity(float(value), "rank", _combine(original, bound), original)
    if match := re.fullmatch(r"(\w+|[\d,.]+) to (\w+|[\d,.]+)\s*(.*)", text):  # a range: its lower end
        try:
            lower = _parse_english(f"{match.group(1)} {match.group(3)}".strip(), units)
        except QuantityParseError as error:  # name the text as printed, not its lower end
            raise QuantityParseError(f"cannot parse quantity {original!r}: its lower end: {error}") from None
        return Quantity(lower.value, lower.unit, _combine(original, bound, ">="), original, lower.unit_word)
    if text in _EN_FRACTIONS:
        rounded = "~" if bound is None else bound
        return Quantity(float(_EN_FRACTIONS[text]), "fraction", _combine(original, rounded), original)
    dollars = text.startswith("$")
    text = text.lstrip("$").strip()
    match = re.fullmatch(rf"({_ARABIC}|[a-z]+)\s*(thousand|million|billion|trillion)?\s*(.*)", text)
    if not match:
        raise QuantityParseError(f"cannot parse quantity {original!r}: no number found")
    token, magnitude, unit_text = match.groups()
    if re.fullmatch(_ARABIC, token):
        number = Decimal(token.replace(",", ""))
    elif token in _EN_NUMBERS:
        number = Decimal(_EN_NUMBERS[token])
    else:
        raise QuantityParseError(f"cannot parse quantity {original!r}: no number found")
    number *= _EN_MAGNITUDES.get(magnitude or "", 1)
    unit_text = unit_text.strip()
    if unit_text in ("%", "percent", "per cent"):
        return Quantity(float(number / 100), "fraction", _combine(original, bound), original)
    per_year = re.fullmatch(r"(.*?)\s*(?:annually|a year|per year|per annum|/year)", unit_text)
    if per_year:
        unit_text = per_year.group(1) + "/年"
    if dollars:
        unit_text = unit_text or "usd"
    if unit_text == "":
        return Quantity(float(number), None, _combine(original, bound), original)
    if unit_text not in units:
        raise QuantityParseError(
            f"cannot parse quantity {original!r}: unknown unit {unit_text!r} (add it to data/units.csv)"
        )
    unit, scale = units[unit_text]
    return Quantity(float(number * scale), unit, _combine(original, bound), original, unit_text)


def _parse_unit(
    unit_text: str, number: Decimal, original: str, units: dict[str, tuple[str, Decimal]]
) -> tuple[str | None, Decimal]:
    """Map a printed unit word (after its magnitude) to (canonical unit, multiplier)."""
    if not unit_text:
        return None, Decimal(1)
    if unit_text == "年":
        is_calendar_year = number == number.to_integral_value() and 1900 <= number <= 2100
        return ("year" if is_calendar_year else "years"), Decimal(1)
    match = re.fullmatch(r"([萬億]*)(.+)", unit_text)
    magnitude, word = _magnitude(match.group(1)), match.group(2).strip()
    if word not in units and word.startswith("個") and word[1:] in units:
        word = word[1:]  # 105 個量子比特: a counter before the unit word
    if word in units:
        unit, scale = units[word]
        return unit, magnitude * scale
    raise QuantityParseError(
        f"cannot parse quantity {original!r}: unknown unit {unit_text!r} (add it to data/units.csv)"
    )


def format_bound(bound: str) -> str:
    """The symbol put before a bounded figure in tables: "" for exact, ">" lower, "<" upper, "~" approximate."""
    symbols = {"=": "", ">=": ">", "<=": "<", "~": "~"}
    if bound not in symbols:
        raise ValueError(f"unknown bound {bound!r}; expected one of {', '.join(BOUNDS)}")
    return symbols[bound]

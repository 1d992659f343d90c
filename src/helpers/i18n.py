"""Labels in English, Traditional and Simplified Chinese from one message catalogue.

The catalogue is the YAML files in helpers/messages/ (one file per notebook or topic, merged; a key defined
twice is an error). Chinese names of cities, sectors and indicators come from data/ (Traditional);
Simplified is derived with OpenCC after a small glossary of the plan's own terms.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

LANGS: tuple[str, ...] = ("en", "zh-Hant", "zh-Hans")
MESSAGES_DIR = Path(__file__).resolve().parent / "messages"


class MissingTranslationError(KeyError):
    """A label key that the catalogue lacks, or lacks in the asked language."""

    def __str__(self) -> str:  # KeyError quotes its message; show it plainly
        return str(self.args[0])


@cache
def load_catalogue(messages_dir: Path = MESSAGES_DIR) -> dict[str, dict[str, str]]:
    """Merge every messages/*.yml except the glossary into one dict: key -> {lang: text}.

    Raises:
        ValueError: a key defined in two files, or an entry that is not a mapping of languages.
    """
    catalogue: dict[str, dict[str, str]] = {}
    origin: dict[str, str] = {}
    for path in sorted(Path(messages_dir).glob("*.yml")):
        if path.name == "glossary.yml":
            continue
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, entry in entries.items():
            if key in catalogue:
                raise ValueError(f"message key {key!r} is defined in both {origin[key]} and {path.name}")
            if not isinstance(entry, dict):
                raise ValueError(f"{path.name}: message {key!r} must map languages to text, got {entry!r}")
            catalogue[key], origin[key] = {k: str(v) for k, v in entry.items()}, path.name
    return catalogue


@cache
def load_glossary(messages_dir: Path = MESSAGES_DIR) -> dict[str, str]:
    """Traditional term -> the plan's Simplified term, longest first."""
    glossary = yaml.safe_load((Path(messages_dir) / "glossary.yml").read_text(encoding="utf-8")) or {}
    return dict(sorted(glossary.items(), key=lambda item: -len(item[0])))


@cache
def _converter():
    import opencc  # imported lazily: only Simplified labels need it

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Convert Traditional Chinese to Simplified: the glossary's terms first, then OpenCC (t2s)."""
    for traditional, simplified in load_glossary().items():
        text = text.replace(traditional, simplified)
    return _converter().convert(text)


@cache
def _traditional_converter():
    import opencc

    return opencc.OpenCC("s2t")


def to_traditional(text: str) -> str:
    """Convert Simplified Chinese to Traditional (OpenCC s2t); Traditional text passes unchanged."""
    return _traditional_converter().convert(text)


def check_lang(lang: str) -> str:
    """Return `lang` if it is a supported label language, else raise ValueError naming the allowed ones."""
    if lang not in LANGS:
        raise ValueError(f"unknown label language {lang!r}; expected one of {', '.join(LANGS)}")
    return lang


class Labels:
    """Labels for one language: `labels("key")`, `labels.city("hefei")`, `labels.sector("bci")` ..."""

    def __init__(self, lang: str = "en", dataset=None):
        self.lang = check_lang(lang)
        self.dataset = dataset
        self.catalogue = load_catalogue()
        self._pairs: dict[tuple[str, str, str, str], dict] = {}

    def localise(self, english: str, traditional: str) -> str:
        """Pick the English or Traditional text, or derive the Simplified one."""
        if self.lang == "en":
            return english
        return traditional if self.lang == "zh-Hant" else to_simplified(traditional)

    def localise_source(self, english: str, chinese: str) -> str:
        """Like `localise`, for a label in a source's own script (Simplified or Traditional): converted to the
        label language's script."""
        if self.lang == "zh-Hant":
            return to_traditional(chinese)
        return self.localise(english, chinese)

    def __call__(self, key: str, **values: object) -> str:
        """The catalogue's text for `key` in this language, formatted with `values`.

        Raises:
            MissingTranslationError: the key, or its English or Traditional text, is missing.
        """
        entry = self.catalogue.get(key)
        if entry is None and key.startswith("focus_") and self.dataset is not None:
            return self._lookup("focus_tags", "tag", key.removeprefix("focus_"), "label_en", "label_zh")
        if entry is None:
            raise MissingTranslationError(f"no message {key!r} in helpers/messages/*.yml")
        missing = [lang for lang in ("en", "zh-Hant") if lang not in entry]
        if missing:
            raise MissingTranslationError(f"message {key!r} has no {' or '.join(missing)} text")
        return self.localise(entry["en"], entry["zh-Hant"]).format(**values)

    def _pair(self, table: str, id_column: str, ident: str, en: str, zh: str) -> tuple[str, str]:
        """The (`en`, `zh`) columns of the first row of data/<table>.csv whose `id_column` is `ident`."""
        if self.dataset is None:
            raise ValueError("Labels needs the dataset for names of cities, sectors and indicators")
        columns = (table, id_column, en, zh)
        pairs = self._pairs.get(columns)
        if pairs is None:  # one dict per table and column pair: a lookup is a dict access, not a frame filter
            frame = getattr(self.dataset, table)
            pairs = {}
            for key, english, chinese in zip(frame[id_column], frame[en], frame[zh], strict=True):
                pairs.setdefault(key, (english, chinese))
            self._pairs[columns] = pairs
        if ident not in pairs:
            raise MissingTranslationError(f"no {id_column} {ident!r} in data/{table}.csv")
        return pairs[ident]

    def _lookup(
        self, table: str, id_column: str, ident: str, en: str, zh: str, source_script: bool = False
    ) -> str:
        english, chinese = self._pair(table, id_column, ident, en, zh)
        return self.localise_source(english, chinese) if source_script else self.localise(english, chinese)

    def city(self, place_id: str) -> str:
        """City name from data/cities.csv."""
        return self._lookup("cities", "place_id", place_id, "name_en", "name_zh")

    def sector(self, sector_id: str) -> str:
        """Sector name: English, the sectors table's Traditional name, or the plan's Simplified name."""
        if self.lang == "zh-Hans":
            return self._pair("sectors", "sector_id", sector_id, "name_en", "name_zh_plan")[1]
        return self._lookup("sectors", "sector_id", sector_id, "name_en", "name_zh")

    def fact(self, fact_id: str) -> str:
        """Short label of a fact's indicator from data/facts.csv."""
        return self._lookup("facts", "fact_id", fact_id, "label_en", "label_zh", source_script=True)

    def district(self, fact_id: str) -> str:
        """District of a fact ("" when the figure is for the whole city)."""
        return self._lookup("facts", "fact_id", fact_id, "district_en", "district_zh", source_script=True)

    def role(self, role: str) -> str:
        return self(f"role_{role}")

    def kind(self, kind: str) -> str:
        return self(f"kind_{kind}")

    def measure(self, measure: str) -> str:
        return self(f"measure_{measure}")

    def region(self, region: str) -> str:
        return self(f"region_{region}")

    def scenario(self, scenario: str) -> str:
        return self(f"scenario_{scenario}")


# What a Chinese run may print or draw in ASCII letters besides ids and numbers (english_words). Kept short:
# - currency codes the money labels use (CNY, USD) and the plan's own abbreviations of sector names and
#   measures that Chinese texts themselves write in Latin letters (AI 人工智能, BCI 脑机接口, GDP, R&D, ICT);
# - the index methods' standard abbreviations and symbols, as Chinese economics texts write them (HHI
#   赫芬达尔指数, LQ 区位商, PCA 主成分分析, CI 置信区间, ST 总效应指数 of Sobol, n in "1/n"), and F of
#   F级燃气轮机 (a turbine class);
# - unit symbols (km, km², kW, kWh, kg, m, m², GW, MW, TWh).
ALLOWED_ASCII_WORDS: frozenset[str] = frozenset(
    "CNY USD GDP AI BCI ICT R&D HHI LQ PCA CI ST n F km kW kWh kg m GW MW TWh".split()
)
_ASCII_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_&\-.]*[A-Za-z0-9]|[A-Za-z]")


def english_words(text: str, ids: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """The ASCII words of `text` that a reader of a Chinese run would read as English, in order of appearance.

    A word is a run of ASCII letters and digits (joined by "_", "-", "." or "&"). It is not counted when it
    - holds a digit (numbers and ids: "2030", "6G", "1.5x", "h2-2030"),
    - holds "_" (a snake-case id of a data row or a parameter value: "hydrogen_fusion", "city_profile"),
    - is in `ids` (ids of data rows and parameter values the caller names: "zh-Hans", "hefei"),
    - is in ALLOWED_ASCII_WORDS (units, currency codes, standard abbreviations),
    - is a mathtext command ("\\mathdefault").
    """
    found = []
    text = re.sub(
        r"\\[A-Za-z]+", " ", text
    )  # mathtext commands of a figure's text ("$\mathdefault{10^{8}}$")
    for word in _ASCII_WORD.findall(text):
        word = word.strip(".-")
        if not word or any(c.isdigit() for c in word) or "_" in word:
            continue
        if word in ids or word in ALLOWED_ASCII_WORDS:
            continue
        found.append(word)
    return found

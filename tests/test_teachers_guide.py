"""The teacher's guide (docs/teachers_guide.md): a section per notebook with the six sub-headings, linked from the
README, its relative links resolve and the fact ids it names exist in data/facts.csv.

A notebook's section is the heading that contains the notebook's file name (e.g. `01_quantum`); its sub-headings
are the headings one level below it, up to the next heading of the section's level or higher.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

# The checkout itself, whether or not the package is installed editable.
REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT / "data"
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
GUIDE = REPO_ROOT / "docs" / "teachers_guide.md"
README = REPO_ROOT / "README.md"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
SUBHEADINGS = (
    "What it teaches",
    "Time",
    "Lesson plan",
    "Discussion questions",
    "Good parameter experiments",
    "Exercises in the notebook",
)

HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
FENCE = re.compile(r"^[ \t]{0,3}(```|~~~)")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
CODE_TOKEN = re.compile(r"`([a-z0-9][a-z0-9_]*)`")


def _lines_outside_code(text: str) -> list[tuple[int, str]]:
    """(line number, line) of every line outside fenced code blocks."""
    kept, in_code = [], False
    for number, line in enumerate(text.splitlines(), start=1):
        if FENCE.match(line):
            in_code = not in_code
            continue
        if not in_code:
            kept.append((number, line))
    return kept


def _headings(text: str) -> list[tuple[int, int, str]]:
    """(line number, level, title) of every Markdown heading outside fenced code."""
    found = []
    for number, line in _lines_outside_code(text):
        match = HEADING.match(line)
        if match:
            found.append((number, len(match.group(1)), match.group(2)))
    return found


def _normalise(title: str) -> str:
    """A heading title without Markdown emphasis or code marks, trailing colon and case."""
    return re.sub(r"[`*_]", "", title).strip().rstrip(":").strip().casefold()


def _section(text: str, stem: str) -> tuple[int, list[tuple[int, int, str]], list[str]]:
    """The notebook's section: (its level, the headings inside it, the lines of its body).

    Fails when no heading, or more than one heading at the highest level found, names the notebook.
    """
    heads = _headings(text)
    naming = [h for h in heads if stem in h[2]]
    assert naming, f"docs/teachers_guide.md has no heading naming {stem!r}: add a section for the notebook"
    level = min(h[1] for h in naming)
    top = [h for h in naming if h[1] == level]
    assert len(top) == 1, f"several level-{level} headings name {stem!r} (lines {[h[0] for h in top]})"
    start = top[0][0]
    later = [h for h in heads if h[0] > start]
    end = next((h[0] for h in later if h[1] <= level), len(text.splitlines()) + 1)
    inside = [h for h in later if h[0] < end]
    body = text.splitlines()[start : end - 1]
    return level, inside, body


@pytest.fixture(scope="module")
def guide() -> str:
    assert GUIDE.is_file(), "docs/teachers_guide.md is missing"
    return GUIDE.read_text(encoding="utf-8")


def test_there_are_notebooks_to_cover():
    assert NOTEBOOKS, f"no notebooks/NN_*.ipynb found in {NOTEBOOKS_DIR}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_notebook_has_a_section_with_the_six_subheadings(guide, notebook):
    level, inside, body = _section(guide, notebook.stem)
    subheadings = {_normalise(title): number for number, lvl, title in inside if lvl == level + 1}
    missing = [name for name in SUBHEADINGS if name.casefold() not in subheadings]
    assert not missing, f"the section for {notebook.stem} lacks the sub-heading(s) {missing}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_no_subheading_of_a_section_is_empty(guide, notebook):
    lines = guide.splitlines()
    level, inside, _ = _section(guide, notebook.stem)
    for index, (number, lvl, title) in enumerate(inside):
        if lvl != level + 1 or _normalise(title) not in {s.casefold() for s in SUBHEADINGS}:
            continue
        end = inside[index + 1][0] if index + 1 < len(inside) else number + 1 + len(lines)
        text = "\n".join(lines[number : end - 1]).strip()
        assert text, f"{notebook.stem}: the sub-heading {title!r} (line {number}) has no text under it"


def test_readme_links_the_guide():
    readme = README.read_text(encoding="utf-8")
    targets = [target.split("#")[0].removeprefix("./") for target in LINK.findall(readme)]
    assert "docs/teachers_guide.md" in targets, "README.md does not link docs/teachers_guide.md"


def test_guide_cites_the_source_by_id(guide):
    sources = pd.read_csv(DATA_DIR / "sources.csv")
    news = sources.loc[sources["kind"] == "news", "source_id"]
    assert any(source_id in guide for source_id in news), "the guide does not cite its news source by id"


def test_relative_links_in_the_guide_resolve(guide):
    text = "\n".join(line for _, line in _lines_outside_code(guide))
    broken = []
    for target in LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue
        path = (GUIDE.parent / target.split("#")[0]).resolve()
        if not path.exists():
            broken.append(target)
    assert not broken, f"links in docs/teachers_guide.md that point nowhere: {broken}"


def test_fact_ids_named_in_the_guide_exist(guide):
    """Every `code` token that starts like a fact id (a prefix of data/facts.csv, such as `h2f_`) is a fact id."""
    known = set(pd.read_csv(DATA_DIR / "facts.csv")["fact_id"])
    prefixes = tuple(sorted({fact_id.split("_")[0] + "_" for fact_id in known}))
    named = {token for token in CODE_TOKEN.findall(guide) if token.startswith(prefixes)}
    assert named, f"the guide names no fact id (tokens starting with {prefixes})"
    unknown = sorted(named - known)
    assert not unknown, f"fact ids named in the guide but absent from data/facts.csv: {unknown}"


# --- honest timing: each notebook states the time its section of the guide plans ----------------------------

LESSONS = re.compile(r"\b(one|two|three) lessons? of about \**(\d+) minutes", re.IGNORECASE)
NUMBERS = {"one": 1, "two": 2, "three": 3}


def planned_minutes(text: str) -> tuple[int, int] | None:
    """(lessons, minutes per lesson) of the first "one lesson of about 45 minutes" / "two lessons of about 45
    minutes" in `text` (bold marks allowed around the number), or None."""
    match = LESSONS.search(text)
    return (NUMBERS[match.group(1).lower()], int(match.group(2))) if match else None


def test_planned_minutes_reads_the_phrase():
    assert planned_minutes("In two lessons of about **45 minutes** (the time") == (2, 45)
    assert planned_minutes("One lesson of about 45 minutes. Framing, 5 minutes.") == (1, 45)
    assert planned_minutes("About 45 minutes.") is None  # the old phrase, which said nothing of lessons


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_notebook_states_the_time_its_guide_section_plans(guide, notebook):
    level, inside, body = _section(guide, notebook.stem)
    lines = guide.splitlines()
    [time_heading] = [number for number, lvl, title in inside if _normalise(title) == "time"]
    following = [number for number, _, _ in inside if number > time_heading]
    end = following[0] if following else time_heading + 20
    planned = planned_minutes("\n".join(lines[time_heading : end - 1]))
    assert planned, (
        f"the guide's Time for {notebook.stem} does not say 'one (or two) lesson(s) of about N minutes'"
    )
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    stated = planned_minutes("".join(cells[0]["source"]))
    assert stated == planned, f"{notebook.stem} states {stated} (lessons, minutes); the guide plans {planned}"


# --- model answers follow the data: a figure the guide gives beside a fact id is that fact's figure ----------


def _figure_forms(fact: pd.Series) -> list[str]:
    """How the guide may write a fact's figure: as the package writes it (helpers.tables.format_figure, with and
    without the currency code), as the source prints it, or "over"/"nearly" and the number."""
    from helpers.i18n import Labels
    from helpers.tables import format_figure

    labels = Labels("en")  # figures need the catalogue only, not the data's names
    written = format_figure(fact["value"], fact["bound"], fact["unit"], labels, "CNY", 7.19)
    number = written.lstrip("><~")
    forms = [
        written,
        written.replace("CNY ", ""),
        str(fact["quantity_text"]),
        number if fact["bound"] == "=" else "",
    ]
    words = {">=": ("over ", "more than "), "<=": ("nearly ", "under "), "~": ("about ", "~")}.get(
        fact["bound"], ()
    )
    return [form for form in forms + [w + number for w in words] if form]


def test_figures_named_beside_fact_ids_are_the_facts_figures(guide):
    """Every fact id the guide names in backticks has its figure beside it (in the 160 characters before or the 80
    after, within its paragraph), written as the package writes it, as printed, or as "over"/"nearly" and the
    number: the guide's model answers cannot drift from data/facts.csv unnoticed."""
    facts = pd.read_csv(DATA_DIR / "facts.csv").set_index("fact_id")
    stale = []
    for match in CODE_TOKEN.finditer(guide):
        fact_id = match.group(1)
        if fact_id not in facts.index:
            continue
        before = guide[max(0, match.start() - 160) : match.start()].split("\n\n")[-1]
        after = guide[match.end() : match.end() + 80].split("\n\n")[0]
        window = " ".join((before + " " + after).split())
        forms = _figure_forms(facts.loc[fact_id])
        if not any(form in window for form in forms):
            stale.append(f"{fact_id}: none of {forms} near it")
    assert not stale, "\n".join(stale)


# --- numbers the guide keeps: each derived from the real data through the helpers, selected by meaning ---------
#
# The guide points to what a notebook prints for every count that grows with the sources. The numbers it keeps are
# the ones a teacher needs on the board (a ratio and its bound, a region); each is quoted below with the sentence
# that states it, and recomputed from data/ with the helpers the notebooks use. When the data no longer support
# the sentence, the test fails quoting it: rewrite the sentence (or point it to the notebook's printed line).


def _in_guide(guide: str, sentence: str) -> None:
    """The quoted sentence is in the guide (whitespace-insensitive): a claim whose sentence was rewritten is stale."""
    flat = " ".join(guide.split())
    assert " ".join(sentence.split()) in flat, (
        f"the guide no longer says {sentence!r}: update the claim in tests/test_teachers_guide.py with the new wording"
    )


@pytest.fixture(scope="module")
def dataset():
    from helpers.data import load_dataset

    return load_dataset()


# (section, sentence in the guide, derivation label, place, district, printed value, half a unit of its last
# digit, bound). Hand derivation from the article's figures, as the guide states them:
#   patents per firm          >2,000 / 93 firms      = 21.505 -> ">21.5"  (lower bound over exact: lower bound)
#   patents per platform      >2,000 / 24 platforms  = 83.33  -> ">83.3"  (lower bound)
#   platforms per firm        24 / 93                = 0.2581 -> "0.258"  (exact over exact: exact)
#   revenue per firm          >CNY 6 bn / >120 firms = CNY 50 m -> "~CNY 50 m" (two lower bounds: no direction)
#   leading-firm share        30 / >120              = 0.25   -> "<1/4"   (exact over lower bound: upper bound)
#   buses per station         1,200 / 35             = 34.29  -> "34.3"   (exact)
#   investment per project    >CNY 4 bn / >20        = CNY 200 m -> "~CNY 200 m" (no direction)
DERIVED_CLAIMS = [
    ("01_quantum", "patents per firm >21.5 and patents per platform >83.3 are lower bounds",
     "Patents per firm", "hefei", "", 21.5, 0.05, ">="),
    ("01_quantum", "patents per firm >21.5 and patents per platform >83.3 are lower bounds",
     "Patents per R&D platform", "hefei", "", 83.3, 0.05, ">="),
    ("01_quantum", "platforms per firm, 0.258, is exact",
     "R&D platforms per firm", "hefei", "", 0.258, 0.0005, "="),
    ("02_biomanufacturing", "revenue per firm, >CNY 6 bn over >120, which gives ~CNY 50 m with no direction",
     "Revenue per firm", "beijing", "Changping District", 50e6, 0.5e6, "~"),
    ("02_biomanufacturing", "30 leading firms over >120 firms, which gives <1/4, an upper bound",
     "Leading-firm target as a share of today's firms", "beijing", "Changping District", 0.25, 0.005, "<="),
    ("03_hydrogen_fusion", "Buses per station is 34.3 (both inputs exact, so exact)",
     "Hydrogen buses per refuelling station", "beijing", "", 34.3, 0.05, "="),
    ("03_hydrogen_fusion", "Investment per project is ~CNY 200 m (two lower bounds, so no direction)",
     "Investment per project", "guangzhou", "Development zone", 200e6, 0.5e6, "~"),
]  # fmt: skip


@pytest.mark.parametrize(
    "section, sentence, label, place, district, value, tolerance, bound",
    DERIVED_CLAIMS,
    ids=[f"{claim[0]}:{claim[2]}" for claim in DERIVED_CLAIMS],
)
def test_derived_figures_the_guide_states_follow_the_data(
    guide, dataset, section, sentence, label, place, district, value, tolerance, bound
):
    """The ratio is among those helpers.selection.derived computes from the observations (the table the notebook
    prints), for the place and district, with the stated value and bound."""
    from helpers.selection import derived

    _in_guide(guide, sentence)
    rows = derived(dataset)
    rows = rows[(rows["label_en"] == label) & (rows["place"] == place) & (rows["district_en"] == district)]
    found = [f"{row.value:.4g} ({row.bound})" for row in rows.itertuples()]
    supported = [
        row for row in rows.itertuples() if abs(row.value - value) <= tolerance and row.bound == bound
    ]
    assert supported, (
        f"{section}: the guide says {sentence!r}, but the data give {label} for {place} {district or ''}: "
        f"{found or 'none'}"
    )


def test_the_two_money_figures_of_the_like_for_like_lesson_give_about_150(guide, dataset):
    """02: Shanghai's biomedicine scale over Changping's biomanufacturing revenue, both 2024 actuals. Hand
    derivation: >CNY 900 bn / >CNY 6 bn = 150, two lower bounds: "~" (no direction)."""
    from helpers.indicators import bounded_ratio
    from helpers.selection import observations

    sentence = "Shanghai's >CNY 900 bn over Changping's >CNY 6 bn gives a ratio of ~150"
    _in_guide(guide, sentence)
    common = {"sector": "biomanufacturing", "kind": "actual", "year": 2024}
    shanghai = observations(dataset, place="shanghai", district="", measure="industry_scale", **common)
    changping = observations(
        dataset, place="beijing", district="Changping District", measure="revenue", **common
    )
    assert len(shanghai) == 1 and len(changping) == 1, (
        f"02_biomanufacturing: the guide says {sentence!r}, but the data give {len(shanghai)} 2024 industry-scale "
        f"actual(s) for Shanghai and {len(changping)} 2024 revenue actual(s) for Changping District (expected one each)"
    )
    ratio = bounded_ratio(
        float(shanghai["value"].iloc[0]), shanghai["bound"].iloc[0],
        float(changping["value"].iloc[0]), changping["bound"].iloc[0],
    )  # fmt: skip
    assert abs(ratio.value - 150) < 0.5 and ratio.bound == "~", (
        f"02_biomanufacturing: the guide says {sentence!r}, but the data give {ratio.value:.4g} ({ratio.bound})"
    )


def test_the_bci_market_is_a_series_with_an_actual_and_a_later_forecast(guide, dataset):
    """04 is the growth-rate lesson: the national BCI market needs an actual and a forecast of a later year of the
    same indicator (the pair the notebook takes its CAGR from)."""
    from helpers.selection import observations

    sentence = "the national BCI market is a series with an actual and later forecasts"
    _in_guide(guide, sentence)
    market = observations(dataset, sector="bci", place="china", measure="market_size", unit="CNY")
    actual_years = market.loc[market["kind"] == "actual", "year"].dropna()
    forecast_years = market.loc[market["kind"] == "forecast", "year"].dropna()
    assert not actual_years.empty and (forecast_years > actual_years.min()).any(), (
        f"04_bci: the guide says {sentence!r}, but the data give actual years {sorted(actual_years)} and forecast "
        f"years {sorted(forecast_years)} for the national BCI market in CNY"
    )


def test_jinan_has_no_regional_peers(guide, dataset):
    """08: Jinan's region in data/cities.csv is no cluster, so helpers.analysis.city_profile gives it no peers."""
    from helpers.analysis import city_profile

    sentence = (
        'Jinan has no regional cluster.** Its region in `data/cities.csv` is "other", so it has no peers'
    )
    _in_guide(guide, sentence)
    region = dataset.cities.set_index("place_id").loc["jinan", "region"]
    peers = city_profile.regional_peers(dataset, "jinan")
    assert region == "other" and not peers, (
        f"08_city_profile: the guide says {sentence!r}, but Jinan's region is {region!r} with peers {peers}"
    )


def test_no_city_but_hefei_has_a_quantum_count(guide, dataset):
    """01: "no ranking by numbers" holds while the sources count quantum things for no city but Hefei (national
    and provincial counts are not a city's)."""
    from helpers.selection import observations

    sentence = "The sources give no count for any other city, so no ranking by numbers is possible."
    _in_guide(guide, sentence)
    cities = set(dataset.cities.loc[dataset.cities["level"] == "city", "place_id"])
    counted = set(observations(dataset, sector="quantum", measure="count")["place"]) & cities
    assert counted <= {"hefei"}, (
        f"01_quantum: the guide says {sentence!r}, but the sources give quantum counts for {sorted(counted)}"
    )


def test_chongqing_has_no_figure(guide, dataset):
    """08: discussion question 2 rests on Chongqing's profile being short, which it is while no source gives it a
    figure."""
    from helpers.selection import observations

    sentence = "Chongqing's profile is short: the sources give it no figure."
    _in_guide(guide, sentence)
    figures = observations(dataset, place="chongqing")
    assert figures.empty, (
        f"08_city_profile: the guide says {sentence!r}, but the sources give Chongqing {len(figures)} figure(s): "
        "its profile is no longer short; rewrite discussion question 2 with a place Exercise 1 lists as short"
    )


def test_hefei_sits_in_several_shared_quantum_fields(guide, dataset):
    """01: the hub-and-spokes reading needs Hefei in at least two focus fields that another city also has (the
    fields Exercise 2 prints, from helpers.analysis.common.focus_matrix)."""
    from helpers.analysis import common

    sentence = "Hefei sits in several shared fields, which looks like a hub with spokes."
    _in_guide(guide, sentence)
    tags = common.focus_matrix(dataset, "quantum").drop(columns="role").astype(bool)
    shared = [tag for tag in tags.columns if tags[tag].sum() > 1 and tags.loc["hefei", tag]]
    assert len(shared) >= 2, (
        f"01_quantum: the guide says {sentence!r}, but Hefei's shared fields are {shared}"
    )


# --- 05_embodied_ai and 06_6g: the facts their sections keep, checked against the data --------------------------


def test_no_embodied_ai_money_figure_sizes_the_nation_from_shanghais_share(guide, dataset):
    """05: Shanghai's share of national industry scale, with every money figure of the sector tested as its
    numerator (helpers.analysis.embodied_ai.size_nation_from_share, the check the notebook prints): none usable.
    The tempting shortcut, Shenzhen's output actual >CNY 170 bn ÷ ~1/3, is ~CNY 510 bn (hand derivation: 170 × 3 =
    510; a lower bound over an approximate share has no direction, "~")."""
    from helpers.analysis import embodied_ai as eai
    from helpers.selection import observations

    sentence = "every money figure of the sector is tested as the numerator, and none is usable"
    shortcut = "tempting >CNY 170 bn × 3 = ~CNY 510 bn puts Shenzhen's *industrial output*"
    _in_guide(guide, sentence)
    _in_guide(guide, shortcut)
    every = observations(dataset, sector=eai.SECTOR)
    shares = eai.share_rows(every)
    shares = shares[shares["place"] == "shanghai"]
    assert len(shares) == 1, (
        f"05_embodied_ai: the guide says {sentence!r} of Shanghai's share, but the data give {len(shares)}"
    )
    sizing = eai.size_nation_from_share(every, shares.iloc[0])
    usable = [c.fact_id for c in sizing.usable]
    assert sizing.candidates and not usable, (
        f"05_embodied_ai: the guide says {sentence!r}, but the usable numerators are {usable or 'none'} of "
        f"{len(sizing.candidates)} candidates: the national size can now be computed; rewrite the lesson"
    )
    naive = [
        (c.naive_total.value, c.naive_total.bound) for c in sizing.candidates
        if c.place == "shenzhen" and c.measure == "industrial_output" and c.kind == "actual"
    ]  # fmt: skip
    assert any(abs(v - 510e9) < 0.5e9 and b == "~" for v, b in naive), (
        f"05_embodied_ai: the guide says {shortcut!r}, but Shenzhen's output actuals ÷ the share give {naive}"
    )


def test_shanghais_own_embodied_ai_scale_is_a_target_only(guide, dataset):
    """05, discussion question 1: Shanghai's own industry scale appears only as a >CNY 50 bn target for 2027."""
    from helpers.analysis import embodied_ai as eai
    from helpers.selection import observations

    sentence = "(Shanghai's >CNY 50 bn core-industry figure is a 2027 target)"
    _in_guide(guide, sentence)
    own = observations(dataset, sector=eai.SECTOR, place="shanghai", measure="industry_scale", unit="CNY")
    kinds = sorted(set(own["kind"]))
    planned = own[(own["kind"] == "target") & (own["year"] == 2027)]
    assert "actual" not in kinds and any(abs(v - 50e9) < 0.5e9 for v in planned["value"]), (
        f"05_embodied_ai: the guide says {sentence!r}, but Shanghai's industry-scale figures are "
        f"{list(zip(own['kind'], own['year'], own['value'], strict=True))}"
    )


def test_no_embodied_ai_target_has_a_baseline(guide, dataset):
    """05: the scenario note prints 0 and every line of the targets list reads "no baseline in the sources" while
    helpers.analysis.targets.check_targets finds no same-measure baseline for any of the sector's targets."""
    from helpers.analysis import embodied_ai as eai
    from helpers.analysis import targets as tgt

    sentences = [
        "None of the sector's targets and forecasts has a same-measure baseline in the sources",
        "The scenario note prints 0 targets with a same-measure baseline",
        'every line reads "no baseline in the sources"',
        "finds none for any embodied-AI target",
    ]
    for sentence in sentences:
        _in_guide(guide, sentence)
    checks = tgt.check_targets(dataset.facts[dataset.facts["sector"] == eai.SECTOR], dataset.facts)
    with_baseline = [c.fact_id for c in checks if c.has_baseline]
    assert checks and not with_baseline, (
        f"05_embodied_ai: the guide says {sentences}, but {len(with_baseline)} of {len(checks)} targets have a "
        f"baseline: {with_baseline}"
    )


def test_hangzhous_value_per_machine(guide, dataset):
    """05: Hangzhou's 2029 pair, CNY 20 bn ÷ 20,000 machines. Hand derivation: 20e9 / 20,000 = CNY 1,000,000
    (exact over exact: exact; a machine gets at most that); in USD at 7.19 CNY per USD: 1e6 / 7.19 = 139,082.06,
    printed "USD 139,082"."""
    from helpers.analysis import embodied_ai as eai
    from helpers.i18n import Labels
    from helpers.selection import derived
    from helpers.tables import format_money

    sentence = "CNY 20 bn ÷ 20,000 = CNY 1 m per machine, read as an upper bound"
    usd_sentence = "at most USD 139,082 per machine (bound '<=')"
    _in_guide(guide, sentence)
    _in_guide(guide, usd_sentence)
    pairs = derived(dataset, sector=eai.SECTOR, places=["hangzhou"], derivation=eai.VALUE_PER_MACHINE)
    pairs = pairs[pairs["year"] == 2029]
    found = [(row.value, row.bound) for row in pairs.itertuples()]
    assert any(abs(v - 1e6) < 0.5 and eai.machine_bound(b) == "<=" for v, b in found), (
        f"05_embodied_ai: the guide says {sentence!r}, but the data give Hangzhou's 2029 value per machine {found}"
    )
    rate = float(dataset.assumptions["exchange_rate"]["cny_per_usd"])  # the stated assumption
    usd = format_money(1e6, Labels("en"), "USD", rate)
    assert usd == "USD 139,082", (
        f"05_embodied_ai: the guide says {usd_sentence!r}, but CNY 1 m is {usd} at {rate}"
    )


def test_beijings_6g_plan_and_test_environment_are_two_years_apart(guide, dataset):
    """06: the span helpers.analysis.sixg.milestone_spans prints for Beijing, from its first dated actual milestone
    to its dated target (hand: 2026 - 2024 = 2)."""
    from helpers.analysis import sixg
    from helpers.selection import observations

    sentence = "two years apart"
    _in_guide(guide, sentence)
    spans = [s for s in sixg.milestone_spans(observations(dataset, sector=sixg.SECTOR)) if s[0] == "beijing"]
    assert [s[3] for s in spans] == [2], (
        f"06_6g: the guide says Beijing's are {sentence!r}, but the spans are {spans}"
    )


def test_every_6g_city_is_a_contender_and_shanghai_has_no_figure(guide, dataset):
    """06: discussion question 3 and the landscape: every city with a 6G role is coded a contender (the chosen
    role, helpers.analysis.common.focus_matrix), and Shanghai, one of them, has no 6G figure of any kind."""
    from helpers.analysis import common, sixg
    from helpers.selection import observations

    sentences = [
        'Every city is coded a "contender", yet one has no figure at all.',
        "Shanghai has no figure at all.",
    ]
    for sentence in sentences:
        _in_guide(guide, sentence)
    roles = common.focus_matrix(dataset, sixg.SECTOR)["role"]
    figures = observations(dataset, sector=sixg.SECTOR, place="shanghai")
    without = [p for p in roles.index if observations(dataset, sector=sixg.SECTOR, place=p).empty]
    assert set(roles) == {"contender"} and figures.empty and without == ["shanghai"], (
        f"06_6g: the guide says {sentences}, but the roles are {roles.to_dict()}, Shanghai has {len(figures)} "
        f"figure(s) and the cities without a figure are {without}"
    )


def test_the_only_6g_baseline_is_the_world_market(guide, dataset):
    """06: the scenario note prints the targets or forecasts with a same-measure baseline: the world 6G market,
    a forecast from a 2024 actual (helpers.analysis.targets.check_targets over the sector's rows)."""
    from helpers.analysis import sixg
    from helpers.analysis import targets as tgt

    sentence = "(the world 6G market, a forecast from a 2024 actual)"
    _in_guide(guide, sentence)
    facts = dataset.facts.set_index("fact_id")
    checks = tgt.check_targets(dataset.facts[dataset.facts["sector"] == sixg.SECTOR], dataset.facts)
    found = [
        (c.place, facts.loc[c.fact_id, "measure"], facts.loc[c.fact_id, "kind"], c.baseline_year)
        for c in checks if c.has_baseline
    ]  # fmt: skip
    assert found and set(found) == {("world", "market_size", "forecast", 2024)}, (
        f"06_6g: the guide says {sentence!r}, but the targets or forecasts with a baseline are {found}"
    )


def test_6g_focus_areas_held_by_one_city(guide, dataset):
    """06: Exercise 1's model answer and the Beijing-and-Nanjing experiment, from the focus tags
    (helpers.analysis.sixg.tag_holders, the list the notebook prints)."""
    from helpers.analysis import common, sixg
    from helpers.i18n import Labels

    single = (
        "(standards for Beijing; industry chain, patents and low-altitude economy for Shenzhen; chips and "
        "satellite internet for Shanghai)"
    )
    pair = "the tags they hold (terahertz, basic research shared)"
    _in_guide(guide, single)
    _in_guide(guide, pair)
    labels = Labels("en", dataset)  # focus tags are named from the data
    holders = sixg.tag_holders(common.focus_matrix(dataset, sixg.SECTOR))
    by_city: dict[str, set[str]] = {}
    for tag, places in holders.items():
        if len(places) == 1:
            by_city.setdefault(places[0], set()).add(labels(f"focus_{tag}"))
    expected = {
        "beijing": {"standards"},
        "shenzhen": {"industry chain", "patents", "low-altitude economy"},
        "shanghai": {"chips", "satellite internet"},
    }
    assert by_city == expected, f"06_6g: the guide says {single!r}, but the single-city tags are {by_city}"
    shared = {labels(f"focus_{t}") for t, places in holders.items() if {"beijing", "nanjing"} <= set(places)}
    assert shared == {"terahertz", "basic research"}, (
        f"06_6g: the guide says {pair!r}, but they share {shared}"
    )


def test_chinas_6g_patent_share_is_about_40_percent_in_several_sources(guide, dataset):
    """06: discussion question 4. China's share of 6G patent applications is 40% within two points (0.38-0.42) in
    every China row, stated by more than one source, for 2021 and 2025 and at least one year not printed."""
    from helpers.analysis import sixg
    from helpers.selection import observations

    sentence = "Several sources put China's share of 6G patents at about 40%."
    years = "different years (2021 and 2025, and one with no printed year)"
    _in_guide(guide, sentence)
    _in_guide(guide, years)
    share = observations(dataset, sector=sixg.SECTOR, place="china", measure="share", unit="fraction")
    sources = set(share["stated_by"].str.split(";").explode())
    unprinted = [
        y for y, n in zip(share["year"], share["year_note"], strict=True) if "no year printed" in str(n)
    ]
    printed = set(share["year"].dropna().astype(int))
    assert len(sources) > 1 and all(0.38 <= v <= 0.42 for v in share["value"]) and {2021, 2025} <= printed, (
        f"06_6g: the guide says {sentence!r} ({years}), but the data give {list(share['value'])} from {sources}, "
        f"years {sorted(printed)}"
    )
    assert unprinted, (
        f"06_6g: the guide says {years!r}, but every China share has a printed or worked-out year"
    )

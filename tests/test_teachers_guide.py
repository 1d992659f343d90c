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

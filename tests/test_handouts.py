"""Handouts: a "How to run this" cell first, an empty answer cell after every exercise, no solution or check
cell survives, outputs are cleared, and each handout runs up to its first exercise."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from helpers.claims import CHECK_TAG
from helpers.handouts import (
    ANSWER_TAG,
    EXERCISE_TAG,
    HOW_TO_RUN_TAG,
    SOLUTION_TAG,
    answer_kinds,
    make_handout,
    write_handouts,
)
from helpers.paths import NOTEBOOKS_DIR

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
LESSON = Path(__file__).parent / "fixtures" / "handouts" / "lesson.ipynb"  # see its README.md


def _cell(kind, source, tags=(), outputs=None):
    cell = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
    cell.metadata["tags"] = list(tags)
    if outputs is not None:
        cell.outputs = outputs
    return cell


def test_make_handout_removes_solutions_and_outputs():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        _cell("code", "x = 1", ["parameters"], [nbformat.v4.new_output("stream", text="1\n")]),
        _cell("markdown", "Exercise: double x", [EXERCISE_TAG]),
        _cell("code", "print(2 * x)  # the answer", [SOLUTION_TAG]),
        _cell("markdown", "Why it works", [SOLUTION_TAG]),
        _cell("markdown", "Next section"),
    ]
    handout = make_handout(notebook)
    # the how-to-run cell first, then the cells without solutions; the exercise had a code and a worded
    # solution, so an empty code answer cell and an empty markdown one follow it
    assert [c.source for c in handout.cells][1:] == ["x = 1", "Exercise: double x", "", "", "Next section"]
    assert [c.cell_type for c in handout.cells[3:5]] == ["code", "markdown"]
    assert handout.cells[1].outputs == []
    assert handout.cells[1].metadata["tags"] == ["parameters"]  # papermill still finds the parameters
    assert len(notebook.cells) == 5  # the teacher's notebook is untouched


def test_every_notebook_has_exercises_and_solutions():
    assert NOTEBOOKS, "no notebooks found"
    for path in NOTEBOOKS:
        tags = [t for c in nbformat.read(path, as_version=4).cells for t in c.metadata.get("tags", [])]
        assert tags.count(EXERCISE_TAG) >= 2, f"{path.name} has fewer than two exercises"
        assert tags.count(SOLUTION_TAG) >= 2, f"{path.name} has fewer than two solutions"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_handout_has_no_solution_and_runs_to_its_first_exercise(tmp_path, path):
    [written] = write_handouts([path], tmp_path)
    handout = nbformat.read(written, as_version=4)
    assert not any(SOLUTION_TAG in c.metadata.get("tags", []) for c in handout.cells)
    assert all(c.get("outputs", []) == [] for c in handout.cells)
    first_exercise = next(
        i for i, c in enumerate(handout.cells) if EXERCISE_TAG in c.metadata.get("tags", [])
    )
    handout.cells = handout.cells[:first_exercise]
    for cell in handout.cells:  # outputs go to the test's folder, not the repository
        if "parameters" in cell.metadata.get("tags", []):
            cell.source += f"\noutput_dir = {str(tmp_path / 'out')!r}"
    NotebookClient(
        handout, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS_DIR)}}
    ).execute()


def _tags(cell) -> list[str]:
    return cell.metadata.get("tags", [])


def test_the_lesson_handout_opens_with_how_to_run_and_has_the_answer_cells_each_exercise_asks_for():
    handout = make_handout(nbformat.read(LESSON, as_version=4), "lesson")
    intro = handout.cells[0]
    assert intro.cell_type == "markdown" and HOW_TO_RUN_TAG in _tags(intro)
    for words in ("make lab", "Run > Run All Cells", "output_dir", "reports/interactive/lesson/"):
        assert words in intro.source, words
    # read off the fixture (tests/fixtures/handouts/README.md): ex1 code; ex2 tagged words; ex3 both; ex4 words
    layout = [(c.get("id"), c.cell_type) for c in handout.cells[1:]]
    assert layout == [
        ("title", "markdown"), ("params", "code"),
        ("ex1", "markdown"), ("ex1-answer-code", "code"),
        ("ex2", "markdown"), ("ex2-answer-markdown", "markdown"),
        ("ex3", "markdown"), ("ex3-answer-code", "code"), ("ex3-answer-markdown", "markdown"),
        ("ex4", "markdown"), ("ex4-answer-markdown", "markdown"),
        ("sources", "markdown"),
    ]  # fmt: skip
    answers = [c for c in handout.cells if ANSWER_TAG in _tags(c)]
    assert len(answers) == 5 and all(c.source == "" for c in answers)
    assert all(c.get("outputs", []) == [] for c in handout.cells)
    assert not any({SOLUTION_TAG, CHECK_TAG} & set(_tags(c)) for c in handout.cells)
    nbformat.validate(handout)  # a valid notebook (the added cells' ids are valid ids)


def test_answer_kinds_follow_the_tags_before_the_solutions():
    cells = nbformat.read(LESSON, as_version=4).cells
    position = {c.get("id"): i for i, c in enumerate(cells)}
    assert answer_kinds(cells, position["ex1"]) == ["code"]
    assert answer_kinds(cells, position["ex2"]) == ["markdown"]  # the tag wins over the code solution
    assert answer_kinds(cells, position["ex3"]) == ["code", "markdown"]
    assert answer_kinds(cells, position["ex4"]) == ["markdown"]  # no solution: words


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_handout_has_how_to_run_first_and_an_empty_answer_after_each_exercise(path):
    handout = make_handout(nbformat.read(path, as_version=4), path.stem)
    assert HOW_TO_RUN_TAG in _tags(handout.cells[0])
    assert f"reports/interactive/{path.stem}/" in handout.cells[0].source
    for index, cell in enumerate(handout.cells):
        if EXERCISE_TAG in _tags(cell):
            following = handout.cells[index + 1]
            assert ANSWER_TAG in _tags(following) and following.source == "", (path.name, cell.get("id"))
    assert not any({SOLUTION_TAG, CHECK_TAG} & set(_tags(c)) for c in handout.cells)
    assert all(c.get("outputs", []) == [] for c in handout.cells)


def test_the_synthesis_solutions_end_with_a_worded_interpretation():
    cells = nbformat.read(NOTEBOOKS_DIR / "07_synthesis.ipynb", as_version=4).cells
    exercises = [i for i, c in enumerate(cells) if EXERCISE_TAG in _tags(c)]
    assert len(exercises) >= 4
    for index in exercises:
        solutions = []
        for cell in cells[index + 1 :]:
            if SOLUTION_TAG not in _tags(cell):
                break
            solutions.append(cell)
        assert solutions and solutions[-1].cell_type == "markdown" and solutions[-1].source.strip(), (
            f"07 exercise at cell {index} ({cells[index].get('id')}) does not end with a worded solution"
        )

"""Student handouts: each notebook opened by a "How to run this" cell, with its solution and check cells removed,
an empty answer cell after every exercise and every output cleared (nbconvert preprocessors).

python -m helpers.handouts            # every notebook -> handouts/
make handouts

An exercise asks for code or for words: tag its cell `answer-code` or `answer-words` (both when it asks for
both). Untagged, the answer cells follow the solutions it had: a code answer cell for a code solution, a
markdown one for a worded solution (markdown when it had none).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ClearOutputPreprocessor, TagRemovePreprocessor

from helpers.claims import CHECK_TAG
from helpers.paths import HANDOUTS_DIR, NOTEBOOKS_DIR

SOLUTION_TAG = "solution"
EXERCISE_TAG = "exercise"
ANSWER_CODE_TAG = "answer-code"
ANSWER_WORDS_TAG = "answer-words"
ANSWER_TAG = "answer"  # the empty cells a handout adds for the student's answers
HOW_TO_RUN_TAG = "how-to-run"

HOW_TO_RUN = """## How to run this

1. In a terminal, in the package's folder, run `make lab` (the first time it sets everything up, a few
   minutes), and open this file in JupyterLab (`make lab-handouts` opens the `handouts/` folder).
2. Choose **Run > Run All Cells**. The parameters cell near the top sets the language (`lang`), the currency,
   the cities and the rest; change a value there and run all cells again.
3. Figures (PNG) and tables (CSV) are written to the folder the `output_dir` parameter names; when it is empty,
   to `reports/interactive/{notebook}/` in the package's folder (`figures/` and `tables/`).
4. Write each answer in the empty cell under its exercise: a code cell to run, or a text cell for words
   (double-click it to type, Shift+Enter to show it)."""


def answer_kinds(cells: list, index: int) -> list[str]:
    """The answer cells ("code", "markdown") the exercise at `cells[index]` asks for: its answer-* tags, or else
    the kinds of the solution cells that follow it (up to the next cell that is not a solution)."""
    tags = cells[index].metadata.get("tags", [])
    asked = [kind for tag, kind in ((ANSWER_CODE_TAG, "code"), (ANSWER_WORDS_TAG, "markdown")) if tag in tags]
    if asked:
        return asked
    solutions = []
    for cell in cells[index + 1 :]:
        if SOLUTION_TAG not in cell.metadata.get("tags", []):
            break
        solutions.append(cell.cell_type)
    return [kind for kind in ("code", "markdown") if kind in solutions] or ["markdown"]


def _answer_cell(kind: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell("") if kind == "code" else nbformat.v4.new_markdown_cell("")
    cell.metadata["tags"] = [ANSWER_TAG]
    return cell


def make_handout(notebook: nbformat.NotebookNode, name: str = "<notebook>") -> nbformat.NotebookNode:
    """Return a copy of `notebook` for students: a "How to run this" cell first (`name`: the notebook's name, for
    the folder its outputs go to), an empty answer cell after every exercise, no cell tagged `solution` or
    `check`, and every output cleared. Cell ids of the added cells derive from the exercise's id (stable)."""
    handout = nbformat.from_dict(notebook)  # a deep copy: the preprocessors edit in place
    cells = []
    for index, cell in enumerate(handout.cells):
        cells.append(cell)
        if EXERCISE_TAG in cell.metadata.get("tags", []):
            for kind in answer_kinds(handout.cells, index):
                answer = _answer_cell(kind)
                answer["id"] = f"{cell.get('id', index)}-answer-{kind}"[:64]
                cells.append(answer)
    intro = nbformat.v4.new_markdown_cell(HOW_TO_RUN.format(notebook=name))
    intro.metadata["tags"] = [HOW_TO_RUN_TAG]
    intro["id"] = "how-to-run"
    handout.cells = [intro, *cells]
    resources: dict = {}
    remover = TagRemovePreprocessor(remove_cell_tags={SOLUTION_TAG, CHECK_TAG}, enabled=True)
    handout, resources = remover.preprocess(handout, resources)
    handout, _ = ClearOutputPreprocessor(enabled=True).preprocess(handout, resources)
    return handout


def write_handouts(notebooks: list[Path], out_dir: Path = HANDOUTS_DIR) -> list[Path]:
    """Write the handout of each notebook into `out_dir` under the same file name; return the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks:
        handout = make_handout(nbformat.read(path, as_version=4), path.stem)
        target = out_dir / path.name
        nbformat.write(handout, target)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "notebooks", nargs="*", type=Path, help="notebooks (default: every notebooks/NN_*.ipynb)"
    )
    parser.add_argument(
        "--out", type=Path, default=HANDOUTS_DIR, help=f"output folder (default: {HANDOUTS_DIR})"
    )
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
    missing = [str(p) for p in notebooks if not p.is_file()]
    if missing:
        print(f"no notebook at {', '.join(missing)}", file=sys.stderr)
        return 2
    for target in write_handouts(notebooks, args.out):
        print(f"handout written: {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Student handouts: each notebook with its solution cells removed and outputs cleared (nbconvert preprocessors).

python -m helpers.handouts            # every notebook -> handouts/
make handouts
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


def make_handout(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return a copy of `notebook` without cells tagged `solution` and with every output cleared."""
    handout = nbformat.from_dict(notebook)  # a deep copy: the preprocessors edit in place
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
        handout = make_handout(nbformat.read(path, as_version=4))
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

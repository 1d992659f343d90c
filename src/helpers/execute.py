"""Re-execute notebooks in place so their committed outputs are what the code produces today (nbval checks).

python -m helpers.execute                 # every notebooks/*.ipynb
python -m helpers.execute notebooks/01_quantum.ipynb
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from nbconvert.preprocessors import CoalesceStreamsPreprocessor, ExecutePreprocessor

from helpers.paths import NOTEBOOKS_DIR


def execute_in_place(path: Path, timeout: int = 600) -> None:
    """Run every cell of the notebook at `path` with its default parameters and write the outputs back.

    Consecutive prints of a cell are kept as one output (nbconvert's CoalesceStreamsPreprocessor): how the
    kernel splits its stdout into messages depends on timing, and the committed outputs should not."""
    notebook = nbformat.read(path, as_version=4)
    resources = {"metadata": {"path": str(path.parent)}}
    ExecutePreprocessor(timeout=timeout, kernel_name="python3").preprocess(notebook, resources)
    CoalesceStreamsPreprocessor().preprocess(notebook, resources)
    for cell in notebook.cells:  # execution times and ids of the run are not content
        cell.metadata.pop("execution", None)
    nbformat.write(notebook, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to run (default: all)")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(NOTEBOOKS_DIR.glob("[0-9]*.ipynb"))
    for path in paths:
        if not path.is_file():
            print(f"no notebook at {path}", file=sys.stderr)
            return 2
        print(f"executing {path}")
        execute_in_place(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

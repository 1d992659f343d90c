"""helpers.execute: the committed outputs of a re-executed notebook do not depend on how the kernel split them."""

from __future__ import annotations

import nbformat
import pytest

from helpers.execute import execute_in_place


@pytest.mark.slow
def test_prints_of_a_cell_are_committed_as_one_output(tmp_path):
    # Two flushed prints with a pause between them reach the client as two stream messages.
    source = "import time\nprint('a', flush=True)\ntime.sleep(0.2)\nprint('b', flush=True)"
    path = tmp_path / "two_prints.ipynb"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)
    execute_in_place(path)
    outputs = nbformat.read(path, as_version=4).cells[0].outputs
    assert [(o.output_type, o.name, o.text) for o in outputs] == [("stream", "stdout", "a\nb\n")]
    assert "execution" not in nbformat.read(path, as_version=4).cells[0].metadata

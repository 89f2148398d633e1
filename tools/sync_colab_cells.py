"""Make the Colab install cell of every notebook the one tools/new_notebook.py writes.

Usage: python tools/sync_colab_cells.py [--check] [notebooks/NN_name.ipynb ...]
       (default: every notebook in notebooks/, the workbooks in notebooks/workbook/ too)

The second cell of each chapter notebook installs minirnn in Colab from the
repository named in _config.yml. When the repository or branch changes (or
the cell's text in tools/new_notebook.py does), run this to rewrite that
cell everywhere; only the cell's source changes (its outputs are cleared: it
prints nothing outside Colab), every other cell and output is kept.
With --check nothing is written: exit status 1 lists the notebooks that differ.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent


def colab_cell_source() -> str:
    spec = importlib.util.spec_from_file_location("new_notebook",
                                                  ROOT / "tools" / "new_notebook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.COLAB_CELL


def main(argv: list[str]) -> int:
    check = "--check" in argv
    paths = ([Path(a) for a in argv if a != "--check"]
             or sorted(p for p in (ROOT / "notebooks").rglob("*.ipynb")
                       if ".ipynb_checkpoints" not in p.parts))
    want = colab_cell_source()
    differ = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        if len(nb.cells) < 2 or nb.cells[1].cell_type != "code":
            print(f"{path}: no Colab code cell after the title; create notebooks with "
                  "tools/new_notebook.py")
            differ.append(path)
            continue
        cell = nb.cells[1]
        if cell.source == want and not cell.get("outputs"):
            continue
        differ.append(path)
        if not check:
            cell.source = want
            cell.outputs = []
            cell.execution_count = None
            nbformat.write(nb, path)
            print(f"{path}: Colab cell updated")
        else:
            print(f"{path}: Colab cell differs from tools/new_notebook.py")
    if check:
        return 1 if differ else 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Execute notebooks in place with the current Python, as nbval will run them.

Usage: python tools/execute_notebooks.py notebooks/01_recurrence.ipynb [...]

Each notebook runs in its own kernel from the notebook's folder, with the
same environment as `make nbval` (PYTHONHASHSEED=0, MPLBACKEND unset so that
figures are inline), and its widget state is saved so that the HTML book can
show widgets. Prints the wall time of each notebook.
"""

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def main(paths: list[str]) -> int:
    os.environ["PYTHONHASHSEED"] = "0"
    os.environ.pop("MPLBACKEND", None)  # inline figures in the notebook
    for p in paths:
        path = Path(p)
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        client = NotebookClient(nb, timeout=600, kernel_name="python3",
                                resources={"metadata": {"path": str(path.parent)}},
                                store_widget_state=True)
        client.execute()
        nbformat.write(nb, path)
        print(f"{path}: executed in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

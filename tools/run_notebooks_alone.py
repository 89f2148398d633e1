"""Run each chapter notebook alone in an empty temporary folder (the Colab situation).

Usage: python tools/run_notebooks_alone.py [notebooks/NN_name.ipynb ...]
       (default: every notebook in notebooks/ and its subfolders)

Colab fetches one .ipynb into /content and nothing else of the repository:
a notebook that reads a file by relative path, or finds minirnn through
sys.path, fails there. Here each notebook is copied alone into a fresh
temporary folder and executed from it with nbclient, with PYTHONPATH unset,
so `import minirnn` finds only the installed package. Afterwards the folder
must hold nothing but the notebook (no files written next to it).
The copies are thrown away; the notebooks in the repository are not changed.
Exit status 1 if any notebook fails. Prints the wall time of each.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import book_checks
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent


def run_alone(notebook: Path, timeout: int = 600) -> str | None:
    """Execute a copy of ``notebook`` alone in an empty folder; the problem, or None."""
    with tempfile.TemporaryDirectory(prefix="minirnn-alone-") as tmp:
        work = Path(tmp) / "content"
        work.mkdir()
        copy = work / notebook.name
        shutil.copy(notebook, copy)
        nb = nbformat.read(copy, as_version=4)
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(work)}})
        try:
            client.execute()
        except CellExecutionError as exc:
            return f"a cell failed:\n{str(exc)[-2000:]}"
        extra = sorted(p.name for p in work.iterdir() if p.name != notebook.name)
        if extra:
            return f"wrote files next to the notebook: {extra}"
    return None


def main(argv: list[str]) -> int:
    os.environ.pop("PYTHONPATH", None)
    os.environ["PYTHONHASHSEED"] = "0"
    os.environ.pop("MPLBACKEND", None)
    paths = [Path(p) for p in argv] or book_checks.notebook_paths()
    failed = 0
    for path in paths:
        start = time.perf_counter()
        problem = run_alone(path.resolve())
        took = time.perf_counter() - start
        if problem:
            failed += 1
            print(f"FAIL {path} ({took:.1f} s): {problem}")
        else:
            print(f"ok   {path} ran alone in an empty folder ({took:.1f} s)")
    print(f"{len(paths) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Make the Colab install cell of every notebook the one tools/new_notebook.py writes,
and the project URLs of pyproject.toml those of the repository in _config.yml.

Usage: python tools/sync_colab_cells.py [--check] [notebooks/NN_name.ipynb ...]
       (default: every notebook in notebooks/ and its subfolders)

The second cell of each chapter notebook installs minirnn in Colab from the
repository named in _config.yml. When the repository or branch changes (or
the cell's text in tools/new_notebook.py does), run this to rewrite that
cell everywhere; only the cell's source changes (its outputs are cleared: it
prints nothing outside Colab), every other cell and output is kept.
The ``[project.urls]`` table of pyproject.toml (the package's metadata) is
rewritten from the same repository and branch.
With --check nothing is written: exit status 1 lists the files that differ.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import book_checks
import nbformat

ROOT = Path(__file__).resolve().parent.parent


def colab_cell_source() -> str:
    spec = importlib.util.spec_from_file_location("new_notebook",
                                                  ROOT / "tools" / "new_notebook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.COLAB_CELL


def project_urls() -> dict[str, str]:
    """The package's project URLs, built from ``repository`` in _config.yml."""
    repo, branch, _ = book_checks.repository()
    url = f"https://github.com/{repo}"
    return {"Homepage": url, "Source": url, "Issues": f"{url}/issues",
            "Changelog": f"{url}/blob/{branch}/CHANGELOG.md"}


def sync_pyproject(check: bool, path: Path = ROOT / "pyproject.toml") -> bool:
    """Rewrite the ``[project.urls]`` table; whether it differed."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index("[project.urls]\n") + 1
    end = start
    while end < len(lines) and lines[end].strip() and not lines[end].startswith(("[", "#")):
        end += 1
    table = [f'{key} = "{value}"\n' for key, value in project_urls().items()]
    if lines[start:end] == table:
        return False
    if check:
        print(f"{path.name}: [project.urls] differs from the repository in _config.yml")
    else:
        path.write_text("".join(lines[:start] + table + lines[end:]), encoding="utf-8")
        print(f"{path.name}: [project.urls] updated")
    return True


def main(argv: list[str]) -> int:
    check = "--check" in argv
    differ_urls = sync_pyproject(check)
    paths = ([Path(a) for a in argv if a != "--check"]
             or book_checks.notebook_paths())
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
        return 1 if differ or differ_urls else 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

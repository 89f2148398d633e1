"""Launch anywhere: Colab cells, launch buttons, and a notebook run alone (as in Colab).

The launch-button test reads the built book (``_build/html``, or the folder in
the environment variable MINIRNN_HTML_DIR). `make unit` runs before the book
is built and skips it; `make launch`, which `make test` runs after `make book`,
sets MINIRNN_HTML_DIR and runs it on the fresh build (there a missing build fails).
"""

import importlib.util
import os
import re
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import book_checks  # noqa: E402

NOTEBOOKS = book_checks.notebook_paths()
HTML_DIR = Path(os.environ.get("MINIRNN_HTML_DIR", ROOT / "_build" / "html"))
# The notebook run alone in a temporary folder by the unit tests: the first
# chapter (the cheapest; `python tools/run_notebooks_alone.py` runs them all).
ALONE = ROOT / "notebooks" / "01_recurrence.ipynb"


def _new_notebook_module():
    path = ROOT / "tools" / "new_notebook.py"
    spec = importlib.util.spec_from_file_location("new_notebook", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_config_names_a_github_repository_and_branch():
    repo, branch, book_path = book_checks.repository()
    owner, name = repo.split("/")
    assert owner and name and branch
    # path_to_book "" (not "."): launch links are built as <path_to_book>/<page>.
    assert book_path in ("", None) or not book_path.startswith(".")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_starts_with_the_colab_cell_of_the_configured_repository(notebook):
    assert book_checks.colab_cell_problems(notebook) == []


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_colab_cell_is_the_one_new_notebook_writes(notebook):
    nb = nbformat.read(notebook, as_version=4)
    assert nb.cells[1].source == _new_notebook_module().COLAB_CELL


def test_new_notebook_skeleton_names_the_configured_repository(tmp_path):
    module = _new_notebook_module()
    path = tmp_path / "99_new.ipynb"
    nbformat.write(module.skeleton("A new chapter"), path)
    assert book_checks.colab_cell_problems(path) == []


def test_colab_cell_check_catches_another_repository(tmp_path):
    module = _new_notebook_module()
    nb = module.skeleton("A chapter")
    repo, branch, _ = book_checks.repository()
    nb.cells[1].source = nb.cells[1].source.replace(f"{repo}@{branch}", f"{repo}@other")
    path = tmp_path / "bad.ipynb"
    nbformat.write(nb, path)
    problems = book_checks.colab_cell_problems(path)
    assert len(problems) == 1 and "does not install from" in problems[0]


# Colab opens one file in /content: a notebook must not reach the repository's
# files by relative path or extend sys.path to find the package.
PATH_TRICKS = re.compile(r"sys\.path\.(insert|append|extend)|['\"]\.\./|\bos\.chdir\(")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_uses_no_sys_path_tricks_or_relative_paths(notebook):
    nb = nbformat.read(notebook, as_version=4)
    bad = [i for i, c in enumerate(nb.cells)
           if c.cell_type == "code" and PATH_TRICKS.search(c.source)]
    assert bad == [], f"cells {bad} of {notebook.name} use sys.path or a relative path"


def _fake_build(tmp_path, hrefs):
    """A two-file 'build': one chapter page with the given launch links."""
    html = tmp_path / "html"
    (html / "_sources" / "notebooks").mkdir(parents=True)
    (html / "_sources" / "notebooks" / "01_recurrence.ipynb").write_text("{}")
    links = "".join(f'<a href="{h}">launch</a>' for h in hrefs)
    (html / "notebooks").mkdir()
    (html / "notebooks" / "01_recurrence.html").write_text(f"<html><body>{links}</body></html>")
    return html


def test_launch_check_accepts_links_to_the_configured_notebook(tmp_path):
    repo, branch, _ = book_checks.repository()
    path = "notebooks/01_recurrence.ipynb"
    html = _fake_build(tmp_path, [
        f"https://colab.research.google.com/github/{repo}/blob/{branch}/{path}",
        f"https://mybinder.org/v2/gh/{repo}/{branch}?urlpath=tree/{path}",
    ])
    assert book_checks.launch_problems(html) == []


def test_launch_check_rejects_wrong_branch_missing_notebook_and_missing_button(tmp_path):
    repo, branch, _ = book_checks.repository()
    html = _fake_build(tmp_path, [
        f"https://colab.research.google.com/github/{repo}/blob/master/notebooks/01_recurrence.ipynb",
        f"https://mybinder.org/v2/gh/{repo}/{branch}?urlpath=tree/notebooks/01_nothing.ipynb",
    ])
    problems = "\n".join(book_checks.launch_problems(html))
    assert "does not name" in problems            # colab link on the wrong branch
    assert "does not exist" in problems           # binder link to a missing notebook
    assert "no colab launch button" in problems   # no valid colab link is left


def test_launch_buttons_of_the_built_book_open_existing_notebooks():
    if not (HTML_DIR / "index.html").exists():
        # `make launch` (part of `make test`, after `make book`) names the build
        # in MINIRNN_HTML_DIR: there a missing book is a failure, not a skip.
        assert "MINIRNN_HTML_DIR" not in os.environ, f"no built book in {HTML_DIR}"
        pytest.skip(f"the book is not built in {HTML_DIR} (run `make book`); "
                    "`make test` runs this test after the build (`make launch`)")
    assert book_checks.launch_problems(HTML_DIR) == []


def test_notebook_runs_alone_in_an_empty_folder(tmp_path):
    """The Colab situation: only the .ipynb, minirnn installed as a package."""
    from nbclient import NotebookClient

    work = tmp_path / "content"
    work.mkdir()
    copy = work / ALONE.name
    shutil.copy(ALONE, copy)
    nb = nbformat.read(copy, as_version=4)
    env_before = os.environ.get("PYTHONPATH")
    os.environ.pop("PYTHONPATH", None)  # nothing but the installed package
    try:
        NotebookClient(nb, timeout=120, kernel_name="python3",
                       resources={"metadata": {"path": str(work)}}).execute()
    finally:
        if env_before is not None:
            os.environ["PYTHONPATH"] = env_before
    # (nbclient raises on an unexpected error; cells tagged raises-exception may fail.)
    errors = [o for c in nb.cells if c.cell_type == "code"
              and "raises-exception" not in c.metadata.get("tags", [])
              for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []
    # It wrote nothing next to itself (files belong in a temporary directory).
    assert sorted(p.name for p in work.iterdir()) == [ALONE.name]


def test_binder_runtime_is_a_python_that_minirnn_supports():
    # What binder/requirements.txt must install is checked in test_packaging.py.
    import tomllib

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    runtime = (ROOT / "binder" / "runtime.txt").read_text(encoding="utf-8").strip()
    minimum = pyproject["project"]["requires-python"].removeprefix(">=")
    version = tuple(int(x) for x in runtime.removeprefix("python-").split("."))
    assert version >= tuple(int(x) for x in minimum.split("."))

"""The package's metadata and extras say what the code really needs (fast; no build).

`make release-check` builds and installs the wheel; these tests check the
sources it is built from: each extra lists what its users import, the version
is written once, the URLs follow _config.yml, and the Colab constraints and
Binder requirements name every package the notebooks import.
"""

import ast
import importlib.metadata
import re
import shutil
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import book_checks  # noqa: E402
import colab_check  # noqa: E402
import sync_colab_cells  # noqa: E402

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]
# Modules of the project itself, imported by path (tools/, tests/), not installed.
LOCAL = ({"minirnn", "conftest"} | {p.stem for p in (ROOT / "tools").glob("*.py")}
         | {p.stem for p in (ROOT / "tests").glob("*.py")})
# Import name -> distribution, for what may be missing here (torch is optional).
KNOWN = {"torch": "torch"}


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def req_name(req: str) -> str:
    return norm(re.split(r"[<>=!~\[ ;@]", req.strip(), maxsplit=1)[0])


def extra(name: str) -> set[str]:
    """Distribution names an extra installs, its references to other extras followed."""
    names = set()
    for req in PROJECT["optional-dependencies"][name]:
        m = re.fullmatch(r"minirnn\[([\w,-]+)\]", req.strip())
        if m:
            for other in m.group(1).split(","):
                names |= extra(other)
        else:
            names.add(req_name(req))
    return names


CORE = {req_name(r) for r in PROJECT["dependencies"]}


def _module_imports(source: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def third_party_imports(paths) -> dict[str, set[str]]:
    """``{distribution: {files}}`` for the imports of .py files and notebooks' code cells."""
    modules: dict[str, set[str]] = {}
    for path in paths:
        if path.suffix == ".ipynb":
            nb = nbformat.read(path, as_version=4)
            # IPython magics and shell escapes are not Python.
            sources = ["\n".join(line for line in c.source.splitlines()
                                 if not line.lstrip().startswith(("%", "!")))
                       for c in nb.cells if c.cell_type == "code"]
        else:
            sources = [path.read_text(encoding="utf-8")]
        for source in sources:
            for mod in _module_imports(source):
                if mod not in sys.stdlib_module_names and mod not in LOCAL:
                    modules.setdefault(mod, set()).add(path.relative_to(ROOT).as_posix())
    dists = importlib.metadata.packages_distributions()
    by_dist: dict[str, set[str]] = {}
    for mod, files in modules.items():
        names = dists.get(mod) or [KNOWN.get(mod, f"<unknown distribution of {mod}>")]
        by_dist.setdefault(norm(names[0]), set()).update(files)
    return by_dist


def _py(folder: str):
    return sorted((ROOT / folder).rglob("*.py"))


def _missing(used: dict[str, set[str]], allowed: set[str]) -> dict[str, list[str]]:
    return {d: sorted(files) for d, files in used.items() if d not in allowed}


# ------------------------------------------------------------------------ extras

def test_the_package_imports_only_its_dependencies_and_extras():
    allowed = CORE.union(*(extra(e) for e in PROJECT["optional-dependencies"]))
    assert _missing(third_party_imports(_py("src")), allowed) == {}


def test_notebooks_import_only_the_core_the_book_extra_and_torch():
    used = third_party_imports(book_checks.notebook_paths())
    assert _missing(used, CORE | extra("book") | extra("torch")) == {}


def test_test_extra_has_everything_tests_and_tools_import():
    # The issue this guards against: with only the `test` extra installed,
    # pytest failed at collection (yaml, nbformat, nbclient came with `book`).
    used = third_party_imports(_py("tests") + _py("tools"))
    assert _missing(used, CORE | extra("test") | extra("torch")) == {}


def test_extras_never_depend_on_a_package_index_copy_of_minirnn():
    # A self-reference such as minirnn[book] is resolved from this project; no
    # other requirement may name minirnn (it is on no index).
    for name, reqs in PROJECT["optional-dependencies"].items():
        for req in reqs:
            assert req_name(req) != "minirnn" or re.fullmatch(r"minirnn\[[\w,-]+\]", req), \
                f"extra {name}: {req}"


def test_ruff_is_pinned_exactly():
    ruff = [r for r in PROJECT["optional-dependencies"]["test"] if req_name(r) == "ruff"]
    assert len(ruff) == 1 and re.fullmatch(r"ruff==\d+\.\d+\.\d+", ruff[0].replace(" ", ""))


def test_build_tools_are_an_extra_not_dependencies():
    assert {"build", "twine"} <= extra("release")
    assert not {"build", "twine"} & CORE


# ---------------------------------------------------------------------- metadata

def test_version_is_written_once_in_the_package():
    assert "version" not in PROJECT
    assert "version" in PROJECT["dynamic"]
    attr = PYPROJECT["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "minirnn.__version__"
    import minirnn

    assert re.fullmatch(r"\d+\.\d+\.\d+((a|b|rc)\d+)?(\.dev\d+)?", minirnn.__version__)


def test_changelog_has_a_section_for_the_current_version():
    import minirnn

    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (\S+)", text, flags=re.MULTILINE)
    assert minirnn.__version__ in headings, f"CHANGELOG.md headings: {headings}"


def test_licence_and_classifiers_are_declared():
    assert PROJECT["license"] == "MIT" and PROJECT["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    assert "Programming Language :: Python :: 3" in PROJECT["classifiers"]
    minimum = PROJECT["requires-python"].removeprefix(">=")
    assert f"Programming Language :: Python :: {minimum}" in PROJECT["classifiers"]


def test_project_urls_are_built_from_the_repository_in_config():
    assert PROJECT["urls"] == sync_colab_cells.project_urls()
    repo, _, _ = book_checks.repository()
    assert all(u.startswith(f"https://github.com/{repo}") for u in PROJECT["urls"].values())


def test_sync_rewrites_project_urls_when_the_repository_moves(tmp_path):
    copy = tmp_path / "pyproject.toml"
    shutil.copy(ROOT / "pyproject.toml", copy)
    text = copy.read_text(encoding="utf-8")
    copy.write_text(text.replace("https://github.com/", "https://github.com/old-"),
                    encoding="utf-8")
    assert sync_colab_cells.sync_pyproject(check=True, path=copy) is True
    assert sync_colab_cells.sync_pyproject(check=False, path=copy) is True
    assert tomllib.loads(copy.read_text(encoding="utf-8"))["project"]["urls"] == \
        sync_colab_cells.project_urls()
    assert sync_colab_cells.sync_pyproject(check=True, path=copy) is False


def test_package_data_takes_every_file_under_data_in_subfolders_too():
    patterns = PYPROJECT["tool"]["setuptools"]["package-data"]["minirnn"]
    assert "data/**/*" in patterns


# ---------------------------------------------------------- Colab and Binder lists

def _notebook_distributions() -> set[str]:
    return set(third_party_imports(book_checks.notebook_paths()))


def test_colab_constraints_pin_every_package_the_notebooks_and_the_core_use():
    pins, python = colab_check.read_constraints()
    assert re.fullmatch(r"3\.\d+", python)
    assert all(re.fullmatch(r"\d+(\.\d+)+", v) for v in pins.values())
    needed = (_notebook_distributions() | CORE) - {"minirnn"}
    assert needed <= set(pins), f"not pinned: {sorted(needed - set(pins))}"


def test_colab_constraints_name_their_source_date_and_how_to_refresh():
    text = (ROOT / "tools" / "colab-constraints.txt").read_text(encoding="utf-8")
    assert "googlecolab/backend-info" in text and "pip-freeze.txt" in text
    assert re.search(r"\b20\d\d-\d\d-\d\d\b", text)
    assert "To refresh" in text


def test_colab_constraints_parser_rejects_a_line_without_a_version(tmp_path):
    bad = tmp_path / "c.txt"
    bad.write_text("# Colab Python: 3.13\nnumpy\n")
    with pytest.raises(SystemExit, match="pin one version"):
        colab_check.read_constraints(bad)


def test_binder_requirements_name_every_package_the_notebooks_import():
    lines = (ROOT / "binder" / "requirements.txt").read_text(encoding="utf-8").splitlines()
    reqs = [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]
    assert "-e ." in reqs   # minirnn itself (and its core dependencies), from the checkout
    names = {req_name(r) for r in reqs if r != "-e ."}
    # PyTorch is left out on purpose: binder/README.md says how to add it.
    needed = _notebook_distributions() - CORE - {"minirnn", "torch"} | {"ipykernel"}
    assert needed <= names, f"binder/requirements.txt lacks {sorted(needed - names)}"


def test_binder_readme_gives_the_pytorch_command_for_chapter_10():
    text = (ROOT / "binder" / "README.md").read_text(encoding="utf-8")
    assert "%pip install torch --index-url https://download.pytorch.org/whl/cpu" in text

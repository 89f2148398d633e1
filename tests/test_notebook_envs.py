"""The harness of `make colab-check` and `make binder-check` (tools/notebook_envs.py).

The checks themselves build virtual environments and take minutes (CI runs
them); here their notebook runner is run with this environment's Python on
four tiny notebooks, so that a runner that stopped catching a failure would
be noticed.
"""

import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import notebook_envs as ne  # noqa: E402


def _notebook(path: Path, source: str, stored: str, tags=()) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    cell = nbformat.v4.new_code_cell(source, execution_count=1)
    if stored:
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=stored)]
    if tags:
        cell.metadata["tags"] = list(tags)
    nb.cells = [cell]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture
def fake_root(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    (root / "notebooks").mkdir(parents=True)
    (root / "nbval_sanitize.cfg").write_text((ROOT / "nbval_sanitize.cfg").read_text())
    monkeypatch.setattr(ne, "ROOT", root)
    return root


def test_runner_compares_outputs_catches_errors_and_files_written(fake_root, tmp_path):
    nbs = fake_root / "notebooks"
    same = _notebook(nbs / "same.ipynb", "print('hello')", "hello\n")
    differs = _notebook(nbs / "differs.ipynb", "print('hello')", "goodbye\n")
    differs_lax = _notebook(nbs / "sub" / "differs.ipynb", "print('hello')", "goodbye\n")
    raises = _notebook(nbs / "raises.ipynb", "1 / 0", "")
    writes = _notebook(nbs / "writes.ipynb", "open('out.txt', 'w').close()", "")
    # An address in the output is sanitized as in `make nbval`.
    address = _notebook(nbs / "address.ipynb", "print(hex(id(object())))", "0x7f00deadbeef\n")
    # notebooks/conftest.py applies to the copies (here: it skips a marked cell).
    (nbs / "conftest.py").write_text(
        "import pytest\n"
        "def pytest_collection_modifyitems(config, items):\n"
        "    for item in items:\n"
        "        if getattr(item, 'cell', None) is not None and '# SKIPME' in item.cell.source:\n"
        "            item.add_marker(pytest.mark.skip(reason='marked'))\n")
    skipped = _notebook(nbs / "skipped.ipynb", "# SKIPME\nprint('new')", "old\n")
    # A cell whose numbers depend on numpy's BLAS build runs but is not compared;
    # if it raises, the notebook still fails.
    blas = _notebook(nbs / "blas.ipynb", "print(0.368)", "0.244\n", tags=[ne.BLAS_BUILD_TAG])
    blas_raises = _notebook(nbs / "blas_raises.ipynb", "1 / 0", "", tags=[ne.BLAS_BUILD_TAG])
    notebooks = [same, differs, differs_lax, raises, writes, address, skipped, blas,
                 blas_raises]
    lax = {differs_lax, raises, writes}
    outcomes = ne.run_alone(Path(sys.executable), notebooks, tmp_path / "work", lax,
                            tmp_path / "log.txt")
    by_nb = {o.notebook: o for o in outcomes}
    assert by_nb[same].ok and by_nb[same].cells == 1
    assert not by_nb[differs].ok and by_nb[differs].failed == ["Cell 0"]
    assert by_nb[differs_lax].ok                       # lax: outputs not compared
    assert not by_nb[raises].ok                        # ... but errors still fail
    assert by_nb[writes].extra_files == ["out.txt"]    # the notebook wrote next to itself
    assert by_nb[address].ok
    assert by_nb[skipped].ok and by_nb[skipped].skipped == 1
    assert sorted(p.name for p in (tmp_path / "work" / "skipped").iterdir()) == ["skipped.ipynb"]
    assert by_nb[blas].ok and by_nb[blas].blas_cells == 1
    assert not by_nb[blas_raises].ok
    assert ne.report(outcomes) == 4
    assert "goodbye" in ne.failure_excerpt(tmp_path / "log.txt")


def test_uses_torch_finds_imports_of_torch_in_code_cells(tmp_path):
    assert ne.uses_torch(_notebook(tmp_path / "a.ipynb", "import torch.nn as nn", ""))
    assert ne.uses_torch(_notebook(tmp_path / "b.ipynb", "try:\n    from torch import nn\n"
                                   "except ImportError:\n    pass", ""))
    assert not ne.uses_torch(_notebook(tmp_path / "c.ipynb", "import torchvision_like", ""))
    assert not ne.uses_torch(_notebook(tmp_path / "d.ipynb", "print('import torch')", ""))


def test_find_python_finds_this_version_and_says_when_it_falls_back():
    this = f"{sys.version_info.major}.{sys.version_info.minor}"
    exe, version, note = ne.find_python(this)
    assert version.startswith(this + ".") and note == "as asked"
    exe, version, note = ne.find_python("3.99")
    assert not version.startswith("3.99") and "3.99" in note


def test_find_python_uses_the_interpreter_it_is_given():
    exe, version, note = ne.find_python("3.99", sys.executable)
    assert version == ".".join(map(str, sys.version_info[:3])) and "not 3.99" in note

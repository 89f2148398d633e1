"""Create a chapter notebook skeleton: title cell and the Colab install cell.

Usage: python tools/new_notebook.py notebooks/09_new.ipynb "9. Title"
"""

import sys
from pathlib import Path

import nbformat
import yaml

# The repository is named once, in _config.yml; the Colab cell is built from it.
_CONFIG = Path(__file__).resolve().parent.parent / "_config.yml"
_REPO = yaml.safe_load(_CONFIG.read_text(encoding="utf-8"))["repository"]
SOURCE = f"git+{_REPO['url'].rstrip('/')}@{_REPO.get('branch', 'main')}"
# What the cell installs is the release wheel: pip clones the branch and builds
# a wheel from that checkout with the same pyproject.toml (PEP 517, setuptools),
# and `make release-check` builds "minirnn @ git+file://<checkout>@HEAD" the
# same way and checks that it holds the same files, byte for byte, as the
# wheel of `python -m build`. No version pin on numpy or anything else: the
# install must leave Colab's packages alone (`make colab-check` checks that),
# or Colab asks for a runtime restart.
COLAB_CELL = f'''# In Colab (and only there) install minirnn from the course repository.
import subprocess
import sys

if "google.colab" in sys.modules:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "minirnn @ {SOURCE}"], check=True)'''


def skeleton(title: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}\n"),
                # In the HTML book the cell would only be noise: hide it there.
                nbformat.v4.new_code_cell(COLAB_CELL, metadata={"tags": ["remove-cell"]})]
    return nb


if __name__ == "__main__":
    path, title = sys.argv[1], sys.argv[2]
    nbformat.write(skeleton(title), path)

"""Create a chapter notebook skeleton: title cell and the Colab install cell.

Usage: python tools/new_notebook.py notebooks/09_new.ipynb "9. Title"
"""

import sys

import nbformat

COLAB_CELL = '''# In Colab (and only there) install minirnn from the course repository.
import subprocess
import sys

if "google.colab" in sys.modules:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "minirnn @ git+https://github.com/minirnn-course/minirnn@main"], check=True)'''


def skeleton(title: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}\n"),
                nbformat.v4.new_code_cell(COLAB_CELL)]
    return nb


if __name__ == "__main__":
    path, title = sys.argv[1], sys.argv[2]
    nbformat.write(skeleton(title), path)

"""Notebook fragments are not chapters: nbval does not run them as notebooks.

A fragment holds cells that the lead splices into a chapter (06_comparison.ipynb goes into
notebooks/06_gated_rnns.ipynb). Until then tests/test_gated_comparison.py executes it and
checks its printed output against the stored one.
"""

collect_ignore_glob = ["*.ipynb"]

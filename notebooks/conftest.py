"""nbval settings for the chapters: PyTorch cells run and are compared only with PyTorch.

Chapter 10 marks every cell that needs PyTorch with the cell magic ``%%needs_torch``.
With PyTorch installed those cells run and their stored outputs are compared like any
other. Without it, a reader sees a short note instead; nbval skips those cells, since
their stored outputs come from a run with PyTorch.
"""

import importlib.util

import pytest

HAVE_TORCH = importlib.util.find_spec("torch") is not None


def pytest_collection_modifyitems(config, items):
    if HAVE_TORCH:
        return
    skip = pytest.mark.skip(reason="the cell needs PyTorch (%%needs_torch), not installed")
    for item in items:
        cell = getattr(item, "cell", None)        # nbval's notebook-cell items carry it
        if cell is not None and cell.source.lstrip().startswith("%%needs_torch"):
            item.add_marker(skip)

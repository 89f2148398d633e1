"""Shared helpers for the unit tests."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

# Shapes on which every backward pass is checked: the small general case,
# a single sequence, a single step, and D != H both ways.
SHAPES = [(3, 5, 4, 6), (1, 4, 3, 3), (2, 1, 5, 2), (1, 1, 1, 1), (4, 3, 7, 2)]


BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def load_benchmark(name: str):
    """The script ``benchmarks/<name>.py`` as a module (benchmarks/ is not a package)."""
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def loss_probe(out, rng):
    """A random linear function of ``out``: L = sum(out * G), so dL/dout = G."""
    return rng.standard_normal(out.shape)


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every matplotlib figure a test opened (the figure tests draw many)."""
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")

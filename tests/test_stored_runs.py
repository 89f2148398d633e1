"""The long runs shown by chapter 11 are reproduced by re-running their first epochs/steps.

The files were written by scripts in benchmarks/ (named in each file's "command");
here the same code runs again for a short while and must give the stored numbers
(to a tolerance that allows a different BLAS or thread count in the last bits).
"""

import importlib.util
import math
from pathlib import Path

import pytest

from minirnn.datasets import stored_runs

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_regularisation_runs_reproduce():
    stored = stored_runs("shakespeare_regularisation")
    bench = _load("shakespeare_regularisation")
    assert stored["command"] == bench.COMMAND
    assert stored["setup"] == bench.SETUP and stored["slice_chars"] == bench.SLICE
    assert list(stored["runs"]) == list(bench.CONFIGS)
    again = bench.run("variational dropout", epochs=2)
    run = stored["runs"]["variational dropout"]
    assert again["num_params"] == run["num_params"]
    for key in ("train", "valid"):
        assert again[key] == pytest.approx(run[key][:2], rel=1e-7)


def test_regularisation_runs_say_what_the_chapter_says():
    runs = stored_runs("shakespeare_regularisation")["runs"]
    none = runs["none"]
    # the curves part: the training loss keeps falling while validation turns and rises
    assert none["train"][-1] < none["train"][none["best_epoch"] - 1]
    assert none["final_valid"] > none["best_valid"] + 0.2
    for name, run in runs.items():
        assert run["best_valid"] == min(run["valid"])
        assert math.isfinite(run["final_valid"])
        if name != "none":
            assert run["best_valid"] < none["best_valid"], name


def test_torch_run_reproduces():
    pytest.importorskip("torch", reason="PyTorch is not installed (optional)")
    stored = stored_runs("shakespeare_torch")
    bench = _load("shakespeare_torch")
    assert stored["command"] == bench.COMMAND and stored["setup"] == bench.SETUP
    again = bench.train(20, every=None)
    assert again["step_loss"] == pytest.approx(stored["step_loss"][:20], rel=1e-4)

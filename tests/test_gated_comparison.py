"""The stored adding-problem comparison of chapter 6 (RNN, LSTM, GRU) against the code.

``src/minirnn/data/gated_comparison.json`` is written by ``benchmarks/gated_comparison.py``
and read by the comparison section of chapter 6 (``notebooks/_fragments/06_comparison.ipynb``
until it is spliced into the chapter). These tests check that the file is what the script
writes: its settings and models are the script's, every run is there once, one run
re-trained now gives the stored numbers, and the section's printed tables are what its
code computes from the file.
"""

import importlib.util
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
FRAGMENT = ROOT / "notebooks" / "_fragments" / "06_comparison.ipynb"


def _script():
    spec = importlib.util.spec_from_file_location(
        "gated_comparison", ROOT / "benchmarks" / "gated_comparison.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


script = _script()


@pytest.fixture(scope="module")
def stored():
    return script.load()


def test_the_file_names_the_command_and_holds_the_scripts_settings(stored):
    assert stored["command"] == script.COMMAND
    valid, test = script.data_sets()
    assert stored["settings"] == script.settings(valid, test)
    assert stored["configs"] == script.CONFIGS


def test_every_model_learning_rate_and_seed_is_there_once_in_order(stored):
    keys = [(r["config"], r["lr"], r["seed"]) for r in stored["runs"]]
    expected = [(name, lr, seed) for name in script.CONFIGS
                for lr in script.LEARNING_RATES for seed in script.SEEDS]
    assert keys == expected
    for r in stored["runs"]:
        assert r["updates"] == script.UPDATES
        if r["diverged"] is None:
            assert len(r["val_curve"]) == script.UPDATES // script.EVAL_EVERY + 1
            assert r["val_curve"][-1] == r["val_mse"]


def test_parameter_counts_match_the_models(stored):
    for r in stored["runs"]:
        assert r["num_params"] == script.build(script.CONFIGS[r["config"]], r["seed"]).num_params
    counts = {r["config"]: r["num_params"] for r in stored["runs"]}
    # the large RNN is the parameter-matched one: within 2 % of the LSTM
    assert abs(counts["RNN H=33"] - counts["LSTM b_f=1"]) / counts["LSTM b_f=1"] < 0.02


def test_one_run_retrained_now_reproduces_the_stored_numbers(stored):
    name, lr, seed = "RNN H=16", 0.01, 0            # the cheapest model: about 10 s
    record = next(r for r in stored["runs"]
                  if (r["config"], r["lr"], r["seed"]) == (name, lr, seed))
    again = script.run_one(name, lr, seed)
    assert again["val_mse"] == pytest.approx(record["val_mse"], rel=1e-6)
    assert again["test_mse"] == pytest.approx(record["test_mse"], rel=1e-6)
    assert again["val_curve"] == pytest.approx(record["val_curve"], rel=1e-6)


def test_the_sections_printed_tables_are_what_its_code_computes():
    nb = nbformat.read(FRAGMENT, as_version=4)
    stored_outputs = [_text(c) for c in nb.cells if c.cell_type == "code"]
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(FRAGMENT.parent)}}).execute()
    fresh_outputs = [_text(c) for c in nb.cells if c.cell_type == "code"]
    assert fresh_outputs == stored_outputs
    assert any("solved" in text for text in fresh_outputs)


def _text(cell) -> str:
    """The printed text of a code cell (figures left out)."""
    return "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o["output_type"] == "stream")

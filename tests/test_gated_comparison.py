"""The stored adding-problem comparison of chapter 6 (RNN, LSTM, GRU) against the code.

``src/minirnn/data/gated_comparison.json`` is written by ``benchmarks/gated_comparison.py``
and read by the comparison section of chapter 6 (whose printed tables nbval compares).
These tests check that the file is what the script writes: its settings and models are
the script's, every run is there once, and one run re-trained now gives the stored
numbers.
"""

import pytest

from conftest import load_benchmark

script = load_benchmark("gated_comparison")


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

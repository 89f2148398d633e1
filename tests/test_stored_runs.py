"""The long runs shown by chapter 11 are reproduced by re-running their first epochs/steps.

The files were written by scripts in benchmarks/ (named in each file's "command");
here the same code runs again for a short while and must give the stored numbers
(to a tolerance that allows a different BLAS or thread count in the last bits).
"""

import pytest

from conftest import load_benchmark as _load
from minirnn.datasets import stored_runs


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
    assert none["final_valid"] > none["best_valid"] + 0.5
    for name, run in runs.items():
        assert run["best_valid"] == min(run["valid"])
        if name != "none":
            assert run["final_valid"] < none["final_valid"], name    # every one holds back
    for name in ("dropout", "variational dropout", "weight decay 0.1", "weight decay 1.0"):
        assert runs[name]["best_valid"] < none["best_valid"], name
    # dropout is the strongest; tying does not help this character model
    assert max(runs["dropout"]["best_valid"], runs["variational dropout"]["best_valid"]) < \
        min(runs[n]["best_valid"] for n in ("weight decay 0.1", "weight decay 1.0"))
    assert runs["tied weights"]["best_valid"] > none["best_valid"]
    assert runs["all three"]["best_valid"] > runs["variational dropout"]["best_valid"]


def test_torch_run_reproduces():
    pytest.importorskip("torch", reason="PyTorch is not installed (optional)")
    stored = stored_runs("shakespeare_torch")
    bench = _load("shakespeare_torch")
    assert stored["command"] == bench.COMMAND and stored["setup"] == bench.SETUP
    again = bench.train(20, every=None)
    assert again["step_loss"] == pytest.approx(stored["step_loss"][:20], rel=1e-4)


def test_gated_run_reproduces():
    """The numpy LSTM of chapter 11: its first updates again, through the same train_step."""
    from itertools import islice

    from minirnn.batching import batches
    from minirnn.datasets import shakespeare
    from minirnn.train import train_step

    stored = stored_runs("shakespeare_gated")
    bench = _load("shakespeare_gated")
    assert stored["command"] == bench.COMMAND and stored["setup"] == bench.SETUP
    s = bench.SETUP
    ds = shakespeare()
    model, opt = bench.model_and_optimizer(ds.vocab)
    assert model.cell == "lstm" and model.num_params == stored["num_params"]
    model.stateful = True                        # as train_lm: the state carried between windows
    losses = [train_step(model, x, y, opt, s["clip"])[0]
              for x, y in islice(batches(ds.ids("train"), s["batch_size"], s["seq_len"]), 8)]
    assert losses == pytest.approx(stored["step_loss"][:8], rel=1e-7)
    # the whole run is stored: four epochs of 981 windows, one validation score per epoch
    assert len(stored["step_loss"]) == s["epochs"] * 981
    assert len(stored["val_loss"]) == len(stored["train_loss"]) == s["epochs"]

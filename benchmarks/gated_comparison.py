"""A fair comparison of the vanilla RNN, the LSTM and the GRU on the adding problem (T = 100).

Every model gets the same task, the same number of updates (800 batches of 128
fresh sequences), Adam with gradients clipped at norm 1, float32, and three
seeds (the seed sets the initial weights and the training batches). For every
model and every learning rate of the grid, all three seeds are trained; the
learning rate is then chosen per model on a VALIDATION set, and the verdict is
the error on a separate TEST set that played no part in any choice:

- ``RNN H=16``: tanh RNN, hidden size 16, orthogonal W_h (its best start);
- ``RNN H=33``: the same with about the LSTM's number of parameters;
- ``LSTM b_f=0``, ``b_f=1``, ``b_f=2``: LSTM, hidden size 16, forget-gate bias 0, 1, 2;
- ``GRU``: GRU, hidden size 16, biases 0.

Every recurrent matrix starts orthogonal: W_h for the RNN, each H x H gate block of W_h
for the LSTM and the GRU (chapter 6's advice); the other weights are minirnn's defaults.

The results (every run's configuration, seed, learning rate, validation curve,
final validation and test MSE) are written to ``src/minirnn/data/gated_comparison.json``,
which chapter 6 reads; ``tests/test_gated_comparison.py`` re-runs one configuration and
checks that it reproduces the stored numbers. Runs already in the file are kept
unless ``--force`` is given, so the file can be completed model by model.

Run (the 90 runs took about two hours in all on a busy 2-core machine, from 2 s for an
RNN to a few minutes for an LSTM; each run prints its time):

    .venv/bin/python benchmarks/gated_comparison.py
    .venv/bin/python benchmarks/gated_comparison.py --configs GRU      # only some models
"""

from __future__ import annotations

import argparse
import json
import time
from importlib import resources
from pathlib import Path

import numpy as np

import minirnn as mr
from minirnn.analysis import recurrent_matrix
from minirnn.losses import mse_loss
from minirnn.models import SequenceRegressor
from minirnn.tasks.adding import make_adding, train_adding

COMMAND = ".venv/bin/python benchmarks/gated_comparison.py"
OUT = Path(__file__).resolve().parent.parent / "src" / "minirnn" / "data" / "gated_comparison.json"

# The task and the training budget: the same for every model.
T, BATCH, UPDATES, CLIP, EVAL_EVERY = 100, 128, 800, 1.0, 50
DTYPE = np.float32
LEARNING_RATES = (0.001, 0.003, 0.01, 0.03, 0.1)
SEEDS = (0, 1, 2)
VALID = {"n": 1000, "seed": 3000}       # chooses the learning rate
TEST = {"n": 1000, "seed": 4000}        # reports the verdict; never used to choose

#: The models compared: name -> how to build the recurrent layer.
CONFIGS = {
    "RNN H=16": {"cell": "rnn", "hidden_size": 16, "init": "orthogonal W_h"},
    "RNN H=33": {"cell": "rnn", "hidden_size": 33, "init": "orthogonal W_h"},
    "LSTM b_f=0": {"cell": "lstm", "hidden_size": 16, "forget_bias": 0.0,
                   "init": "orthogonal W_h blocks"},
    "LSTM b_f=1": {"cell": "lstm", "hidden_size": 16, "forget_bias": 1.0,
                   "init": "orthogonal W_h blocks"},
    "LSTM b_f=2": {"cell": "lstm", "hidden_size": 16, "forget_bias": 2.0,
                   "init": "orthogonal W_h blocks"},
    "GRU": {"cell": "gru", "hidden_size": 16, "init": "orthogonal W_h blocks"},
}


def build(config: dict, seed: int) -> SequenceRegressor:
    """The model of one configuration: a recurrent layer read at its last state by a
    linear head, in float32, every H x H block of W_h orthogonal."""
    H = config["hidden_size"]
    if config["cell"] == "rnn":
        layer = mr.RNN(2, H, seed=seed, dtype=DTYPE)
    elif config["cell"] == "lstm":
        layer = mr.LSTM(2, H, seed=seed, dtype=DTYPE, forget_bias=config["forget_bias"])
    else:
        layer = mr.GRU(2, H, seed=seed, dtype=DTYPE)
    for k in range(layer.params["Wh"].shape[0] // H):      # 1 (RNN), 4 (LSTM) or 3 (GRU)
        # block k from the seed seed + 1000 k: the RNN's W_h is chapter 5's (seed), and
        # the blocks of a gated cell differ from each other
        layer.params["Wh"][k * H:(k + 1) * H] = recurrent_matrix(H, 1.0, "orthogonal",
                                                                 seed=seed + 1000 * k)
    return SequenceRegressor(layer, mr.Linear(H, 1, seed=seed, dtype=DTYPE))


def data_sets():
    """The validation and the test set (fixed seeds, disjoint from the training batches)."""
    valid = make_adding(VALID["n"], T, seed=VALID["seed"])
    test = make_adding(TEST["n"], T, seed=TEST["seed"])
    return valid, test


def run_one(name: str, lr: float, seed: int, valid=None, test=None) -> dict:
    """Train one configuration at one learning rate and seed; its record for the JSON file."""
    if valid is None or test is None:
        valid, test = data_sets()
    model = build(CONFIGS[name], seed)
    record = {"config": name, "lr": lr, "seed": seed, "updates": UPDATES,
              "num_params": model.num_params}
    try:
        out = train_adding(model, mr.Adam(lr), UPDATES, BATCH, T, seed=100 + seed, clip=CLIP,
                           eval_set=valid, eval_every=EVAL_EVERY)
    except mr.TrainingDiverged as diverged:
        # no number to report: the run counts as the worst possible for this learning rate
        record.update(diverged=str(diverged), val_mse=None, test_mse=None, val_curve=None)
        return record
    test_mse = float(mse_loss(model.predict(test[0]), test[1])[0])
    record.update(diverged=None, val_mse=float(out["eval"][-1]), test_mse=test_mse,
                  val_curve=[float(v) for v in out["eval"]])
    return record


def settings(valid, test) -> dict:
    """Everything that is the same for every run, as stored in the file."""
    return {"task": "adding problem", "T": T, "batch_size": BATCH, "updates": UPDATES,
            "optimizer": "Adam", "clip": CLIP, "dtype": np.dtype(DTYPE).name,
            "eval_every": EVAL_EVERY, "learning_rates": list(LEARNING_RATES),
            "seeds": list(SEEDS), "training_batches_seed": "100 + seed",
            "valid": dict(VALID, baseline_mse=float(np.mean((valid[1] - 1.0) ** 2))),
            "test": dict(TEST, baseline_mse=float(np.mean((test[1] - 1.0) ** 2)))}


def load(path=None) -> dict:
    """The stored results: from ``path``, or the file shipped with minirnn."""
    if path is not None:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    text = resources.files("minirnn").joinpath("data", "gated_comparison.json").read_text(
        encoding="utf-8")
    return json.loads(text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--configs", default=",".join(CONFIGS),
                    help="comma-separated model names (default: all)")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--force", action="store_true", help="re-run runs already in the file")
    args = ap.parse_args()
    names = [n.strip() for n in args.configs.split(",")]
    unknown = [n for n in names if n not in CONFIGS]
    if unknown:
        ap.error(f"unknown configs {unknown}; known: {list(CONFIGS)}")

    valid, test = data_sets()
    stored = load(args.out) if args.out.exists() else {"runs": []}
    runs = {(r["config"], r["lr"], r["seed"]): r for r in stored["runs"]}
    for name in names:
        for lr in LEARNING_RATES:
            for seed in SEEDS:
                if (name, lr, seed) in runs and not args.force:
                    continue
                start = time.perf_counter()
                runs[name, lr, seed] = record = run_one(name, lr, seed, valid, test)
                took = time.perf_counter() - start
                result = (f"diverged: {record['diverged']}" if record["diverged"] else
                          f"val {record['val_mse']:.4f}  test {record['test_mse']:.4f}")
                print(f"{name:<11} lr {lr:<6} seed {seed}: {result}  ({took:.0f} s)", flush=True)
                write(args.out, valid, test, runs)     # after every run: an interrupted
                                                       # benchmark keeps what it has


def write(path: Path, valid, test, runs: dict) -> None:
    """Write the file: a header naming the command, the settings, every run in a fixed order."""
    order = {name: i for i, name in enumerate(CONFIGS)}
    ordered = sorted(runs.values(), key=lambda r: (order[r["config"]], r["lr"], r["seed"]))
    data = {"about": "Adding problem (T = 100): vanilla RNN, LSTM and GRU at the same number "
                     "of updates; learning rate chosen per model on the validation set, "
                     "verdict on the test set. Written by the command below; read by "
                     "chapter 6 (Gated RNNs).",
            "command": COMMAND,
            "settings": settings(valid, test),
            "configs": CONFIGS,
            "runs": ordered}
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

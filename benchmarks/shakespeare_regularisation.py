"""Benchmark: overfitting a small slice of Shakespeare, and each regulariser's held-out loss.

Chapter 11 shows these runs (they take several minutes, too long for a notebook).
A character-level RNNLM with far more weights than the slice has characters is
trained on the first SLICE characters of the training split; after every epoch
the loss on that slice (eval mode: no dropout) and on the whole validation split
is recorded, in nats per character. The same run is repeated with each
regulariser alone and with all of them, from the same initial weights.

Writes src/minirnn/data/shakespeare_regularisation.json (shipped with the package,
so the chapter finds it in Colab too); tests/test_stored_runs.py re-runs the first
epochs of one configuration and compares.

Run:  OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/shakespeare_regularisation.py
(one BLAS thread: on a busy 2-core machine a second thread mostly waits).
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import time
from pathlib import Path

import numpy as np

import minirnn as mr
from minirnn.datasets import shakespeare
from minirnn.train import evaluate, train_lm

COMMAND = "OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/shakespeare_regularisation.py"
OUT = Path(__file__).resolve().parents[1] / "src" / "minirnn" / "data" / \
    "shakespeare_regularisation.json"

#: The first SLICE characters of the training split.
SLICE = 30_000
SETUP = dict(embed_dim=192, hidden_size=192, batch_size=16, seq_len=64, epochs=60, lr=0.003,
             clip=5.0, seed=0)
#: name -> (RNNLM options, weight decay)
CONFIGS = {
    "none": ({}, 0.0),
    "dropout": ({"dropout": 0.3}, 0.0),
    "variational dropout": ({"dropout": 0.3, "variational": True}, 0.0),
    "tied weights": ({"tie_weights": True}, 0.0),
    "weight decay 0.1": ({}, 0.1),
    "weight decay 1.0": ({}, 1.0),
    "all three": ({"dropout": 0.3, "variational": True, "tie_weights": True}, 0.1),
}


def run(name: str, epochs: int | None = None) -> dict:
    """Train one configuration; return its curves (losses in nats per character)."""
    options, weight_decay = CONFIGS[name]
    s = SETUP
    epochs = s["epochs"] if epochs is None else epochs
    ds = shakespeare()
    train_ids = ds.vocab.encode(list(ds.train[:SLICE]))
    val_ids = ds.ids("valid")
    model = mr.RNNLM(len(ds.vocab), s["embed_dim"], s["hidden_size"], seed=s["seed"],
                     vocab=ds.vocab, **options)
    curves = {"train": [], "valid": []}

    def record(epoch, history):
        curves["train"].append(evaluate(model, train_ids, batch_size=16, seq_len=256))
        curves["valid"].append(history["val_loss"][-1])

    train_lm(model, train_ids, batch_size=s["batch_size"], seq_len=s["seq_len"], epochs=epochs,
             optimizer=mr.Adam(lr=s["lr"], weight_decay=weight_decay), clip=s["clip"],
             val_ids=val_ids, val_batch_size=64, callback=record)
    best = int(np.argmin(curves["valid"]))
    return {"options": options, "weight_decay": weight_decay, "num_params": model.num_params,
            "train": curves["train"], "valid": curves["valid"],
            "best_epoch": best + 1, "best_valid": curves["valid"][best],
            "final_valid": curves["valid"][-1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=list(CONFIGS), choices=list(CONFIGS))
    args = parser.parse_args()
    results = {}
    for name in args.only:
        start = time.perf_counter()
        results[name] = run(name)
        r = results[name]
        print(f"{name:20} params {r['num_params']:,}  best valid {r['best_valid']:.4f} nats "
              f"({r['best_valid'] / math.log(2):.3f} bits) at epoch {r['best_epoch']}, final "
              f"{r['final_valid'] / math.log(2):.3f} bits, train {r['train'][-1] / math.log(2):.3f}"
              f" bits  [{time.perf_counter() - start:.0f} s]", flush=True)
    out = {"command": COMMAND, "slice_chars": SLICE, "setup": SETUP,
           "units": "nats per character", "numpy": np.__version__,
           "python": platform.python_version(), "runs": results}
    OUT.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()

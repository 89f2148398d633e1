"""Benchmark: chapter 11's character model with a gated cell (LSTM), trained in numpy.

The chapter trains a vanilla RNN (E = 32, H = 128) for four epochs in the notebook,
in about half a minute of processor time. This script trains the same model with an
LSTM in place of the RNN: the same sizes, data, seed, batching (16 streams, windows
of 64 characters), Adam with the same cosine step-size schedule and clipping. The
LSTM's step computes four blocks where the RNN computes one, so the run takes a few
minutes: too long for the notebook, which prints the stored results instead.

Writes src/minirnn/data/shakespeare_gated.json (shipped with the package, so the
chapter finds it in Colab too); tests/test_stored_runs.py re-runs its first updates
and compares.

Run:  OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/shakespeare_gated.py
(one BLAS thread, as in the chapter: on a busy 2-core machine a second thread mostly
waits).
"""

from __future__ import annotations

import json
import math
import platform
import time
from pathlib import Path

import numpy as np

import minirnn as mr
from minirnn.datasets import shakespeare
from minirnn.train import evaluate, train_lm

COMMAND = "OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/shakespeare_gated.py"
OUT = Path(__file__).resolve().parents[1] / "src" / "minirnn" / "data" / \
    "shakespeare_gated.json"
#: The chapter's live run, with cell="lstm".
SETUP = dict(embed_dim=32, hidden_size=128, cell="lstm", batch_size=16, seq_len=64, epochs=4,
             lr=0.005, schedule="cosine", clip=5.0, seed=0)


def model_and_optimizer(vocab):
    """The untrained model and its optimizer, exactly as the run starts."""
    s = SETUP
    model = mr.RNNLM(len(vocab), s["embed_dim"], s["hidden_size"], seed=s["seed"], vocab=vocab,
                     cell=s["cell"])
    return model, mr.Adam(lr=s["lr"])


def run() -> dict:
    """Train the LSTM model; return its curves (losses in nats per character)."""
    s = SETUP
    ds = shakespeare()
    train_ids, val_ids, test_ids = ds.ids("train"), ds.ids("valid"), ds.ids("test")
    model, opt = model_and_optimizer(ds.vocab)

    def after_epoch(epoch, history):          # the chapter's cosine decay
        opt.lr = s["lr"] * 0.5 * (1 + math.cos(math.pi * epoch / s["epochs"]))

    history = train_lm(model, train_ids, batch_size=s["batch_size"], seq_len=s["seq_len"],
                       epochs=s["epochs"], optimizer=opt, clip=s["clip"], val_ids=val_ids,
                       val_batch_size=64, callback=after_epoch)
    return {"num_params": model.num_params, "step_loss": history["step_loss"],
            "train_loss": history["train_loss"], "val_loss": history["val_loss"],
            "test_loss": evaluate(model, test_ids, batch_size=64, seq_len=256),
            "sample": "".join(model.generate("ROMEO:\n", 240, temperature=0.8, seed=1))}


def main() -> None:
    mr.set_blas_threads(1)
    start = time.perf_counter()
    result = run()
    bits = [v / math.log(2) for v in result["val_loss"]]
    print("validation bits per epoch:", " ".join(f"{b:.3f}" for b in bits))
    out = {"command": COMMAND, "setup": SETUP, "units": "nats per character",
           "numpy": np.__version__, "python": platform.python_version(),
           "wall_seconds": round(time.perf_counter() - start), **result}
    OUT.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT} after {out['wall_seconds']} s")


if __name__ == "__main__":
    main()

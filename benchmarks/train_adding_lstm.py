"""Train the LSTM whose gates chapter 6 measures, and write it to src/minirnn/data.

Chapter 6 looks inside an LSTM trained on the adding problem (T = 100): which
cells carry the first marked number, and what their forget gates do. Training
takes 30 to 60 s on a busy 2-core machine, more than the notebook's budget, so
this script trains it once and saves the weights with their provenance; the
notebook loads them with :func:`minirnn.tasks.adding.load_trained_lstm`, which
checks the SHA-256 printed at the end (paste it into ``TRAINED_LSTM_SHA256`` in
``src/minirnn/tasks/adding.py`` when the file is regenerated).

The settings are chapter 5's LSTM: H = 16, forget-gate bias 2.0, Adam with
learning rate 0.02, gradients clipped at norm 1.0, batches of 128 fresh
sequences, 800 updates, float32, weights and batches from seed 0 (batches
from seed 100), held-out MSE on ``make_adding(256, 100, seed=1000)``.

Usage: python benchmarks/train_adding_lstm.py [--out src/minirnn/data/adding_lstm_T100.npz]
"""

import argparse
import time

import numpy as np

import minirnn as mr
from minirnn.models import SequenceRegressor
from minirnn.tasks.adding import (
    TRAINED_LSTM_SETTINGS,
    make_adding,
    save_trained_lstm,
    train_adding,
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="src/minirnn/data/adding_lstm_T100.npz")
    args = ap.parse_args()
    s = TRAINED_LSTM_SETTINGS
    H, T, seed = s["hidden_size"], s["T"], s["seed"]
    lstm = mr.LSTM(2, H, seed=seed, dtype=np.float32, forget_bias=s["forget_bias"])
    model = SequenceRegressor(lstm, mr.Linear(H, 1, seed=seed, dtype=np.float32))
    eval_set = make_adding(s["eval_size"], T, seed=s["eval_seed"])
    start = time.perf_counter()
    out = train_adding(model, mr.Adam(s["lr"]), s["updates"], s["batch_size"], T,
                       seed=s["batch_seed"], clip=s["clip"], eval_set=eval_set, eval_every=50)
    took = time.perf_counter() - start
    baseline = float(np.mean((eval_set[1] - 1.0) ** 2))
    curve = " ".join(f"{k}:{e:.4f}" for k, e in zip(out["eval_steps"], out["eval"], strict=True))
    print(f"held-out MSE by update: {curve}")
    print(f"final held-out MSE {out['eval'][-1]:.4f} (baseline on this set {baseline:.4f}), "
          f"trained in {took:.0f} s")
    digest = save_trained_lstm(model, args.out, held_out_mse=float(out["eval"][-1]),
                               baseline_mse=baseline)
    print(f"wrote {args.out}; TRAINED_LSTM_SHA256 = {digest!r}")


if __name__ == "__main__":
    main()

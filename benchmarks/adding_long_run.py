"""How far does a vanilla RNN get on the adding problem with many more updates?

Chapter 6 compares a vanilla RNN, an LSTM and a GRU on the adding problem (T = 100)
at the same, small number of updates (benchmarks/gated_comparison.py). This script
gives the RNN (with chapter 5's settings: H = 16, orthogonal W_h, Adam, clipping at 1.0,
batch 128, float32) many more updates and prints the held-out MSE along the way,
against the trivial baseline 1/6 ~ 0.167. It is not run by the tests or by the notebooks.

Measured with the default arguments (20,000 updates, ``--lr 0.001``, seeds 0, 1, 2;
baseline 0.156 on this held-out set; 15 to 33 minutes per seed at low priority on a
busy 2-core machine): the RNN leaves the plateau after 4,000 to 7,000 updates; its
held-out MSE at the end is 0.067, 0.026 and 0.012 (the best along the way 0.034, 0.023
and 0.012), and it still jumps up and down between checkpoints (seed 0: from 0.033 to
0.067 over the last 1,000 updates).

Usage: python benchmarks/adding_long_run.py [--updates 20000] [--seeds 0,1,2]
       [--lr 0.001] [--init orthogonal]
"""

import argparse
import time

import numpy as np

import minirnn as mr
from minirnn.analysis import recurrent_matrix
from minirnn.models import SequenceRegressor
from minirnn.tasks.adding import BASELINE_MSE, make_adding, train_adding


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--updates", type=int, default=20000)
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--init", choices=["default", "orthogonal", "identity"], default="orthogonal")
    ap.add_argument("--T", type=int, default=100)
    ap.add_argument("--H", type=int, default=16)
    ap.add_argument("--every", type=int, default=1000)
    args = ap.parse_args()
    ev = make_adding(1000, args.T, seed=12345)
    base = mse_const = float(np.mean((ev[1] - 1.0) ** 2))
    print(f"adding problem T={args.T}: trivial baseline 1/6 = {BASELINE_MSE:.4f} "
          f"(on this held-out set: {mse_const:.4f})")
    for seed in (int(s) for s in args.seeds.split(",")):
        rnn = mr.RNN(2, args.H, seed=seed, dtype=np.float32)
        if args.init == "orthogonal":
            rnn.params["Wh"][...] = recurrent_matrix(args.H, 1.0, "orthogonal", seed=seed)
        elif args.init == "identity":
            rnn.params["Wh"][...] = np.eye(args.H)
        model = SequenceRegressor(rnn, mr.Linear(args.H, 1, seed=seed, dtype=np.float32))
        start = time.perf_counter()
        out = train_adding(model, mr.Adam(args.lr), args.updates, 128, args.T, seed=seed + 100,
                           clip=1.0, eval_set=ev, eval_every=args.every)
        took = time.perf_counter() - start
        curve = " ".join(f"{s}:{e:.3f}" for s, e in zip(out["eval_steps"], out["eval"],
                                                        strict=True))
        best = float(np.min(out["eval"]))
        print(f"seed {seed}: held-out MSE by update {curve}")
        print(f"seed {seed}: best {best:.4f} = {best / base:.2f} x baseline, "
              f"final {out['eval'][-1]:.4f} ({took:.0f} s)")


if __name__ == "__main__":
    main()

"""Benchmark: chapter 11's larger PyTorch model, trained for as many steps as on a GPU.

The chapter's cell trains an LSTM language model (E = 64, H = 256, dropout 0.1) in
PyTorch for 100 steps on a CPU (3000 on a GPU). This script runs the same loop on
the CPU, in float32 on one thread, for 3000 steps, and scores the model every 500
steps on the validation text with minirnn (the weights copied back with
minirnn.torch_bridge), in nats per character.

Writes src/minirnn/data/shakespeare_torch.json (shipped with the package);
tests/test_stored_runs.py re-runs its first steps and compares.

Run:  OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/shakespeare_torch.py
(needs PyTorch; torch itself is set to one thread, the variable does the same for the
numpy evaluations)
"""

from __future__ import annotations

import json
import math
import platform
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from minirnn import torch_bridge as tb
from minirnn.datasets import shakespeare
from minirnn.train import evaluate

COMMAND = "OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/shakespeare_torch.py"
OUT = Path(__file__).resolve().parents[1] / "src" / "minirnn" / "data" / "shakespeare_torch.json"
SETUP = dict(embed_dim=64, hidden_size=256, cell="lstm", dropout=0.1, batch_size=32,
             seq_len=64, lr=0.003, weight_decay=0.01, clip=5.0, seed=0, steps=3000,
             dtype="float32", threads=1)
EVERY = 500


def train(steps: int, every: int | None = EVERY, log=None) -> dict:
    """The chapter's training loop; returns the loss of every window and the held-out scores."""
    s = SETUP
    torch.set_num_threads(s["threads"])
    ds = shakespeare()
    V, train_ids, val_ids = len(ds.vocab), ds.ids("train"), ds.ids("valid")
    torch.manual_seed(s["seed"])
    big = tb.TorchRNNLM(V, s["embed_dim"], s["hidden_size"], dtype=torch.float32,
                        cell=s["cell"], dropout=s["dropout"])
    opt = torch.optim.AdamW(big.parameters(), lr=s["lr"], weight_decay=s["weight_decay"])
    N, T = s["batch_size"], s["seq_len"]
    L = (train_ids.size - 1) // N
    X = torch.from_numpy(train_ids[:N * L].reshape(N, L))
    Y = torch.from_numpy(train_ids[1:N * L + 1].reshape(N, L))
    state, j = None, 0
    step_loss, held_out = [], {}
    big.train()
    for step in range(1, steps + 1):
        if j + T > L:
            state, j = None, 0
        logits, state = big(X[:, j:j + T], state)
        state = tuple(z.detach() for z in state)
        loss = F.cross_entropy(logits.reshape(-1, V), Y[:, j:j + T].reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(big.parameters(), s["clip"])
        opt.step()
        j += T
        step_loss.append(loss.item())
        if every and step % every == 0:
            back = tb.rnnlm_from_torch(big, vocab=ds.vocab)
            held_out[step] = evaluate(back, val_ids, batch_size=64, seq_len=256)
            big.train()
            if log:
                log(f"step {step}: validation {held_out[step] / math.log(2):.3f} bits")
    return {"step_loss": step_loss, "valid": held_out}


def main() -> None:
    start = time.perf_counter()
    result = train(SETUP["steps"], log=lambda m: print(m, flush=True))
    out = {"command": COMMAND, "setup": SETUP, "units": "nats per character",
           "torch": torch.__version__, "python": platform.python_version(),
           "step_loss": result["step_loss"],
           "valid": {str(k): v for k, v in result["valid"].items()}}
    OUT.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT} after {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()

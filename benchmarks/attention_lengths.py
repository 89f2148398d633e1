"""Accuracy against sequence length: the plain encoder-decoder against attention.

Chapter 8's table and figure. For every length, model and seed it trains one
model with :func:`minirnn.tasks.reversal.length_experiment` (chapter 7's reversal
task and model sizes, 1500 Adam steps of 64 sequences) and scores greedy decoding
on 500 unseen sequences. The results go to a JSON file shipped with the package,
which the chapter reads (training all of them took about seven minutes of CPU
time on the book's shared machine, more than a chapter may spend);
``tests/test_attention_lengths.py`` re-runs one configuration and checks that it
reproduces the stored numbers.

Run from the repository root:

    .venv/bin/python benchmarks/attention_lengths.py

(``--out PATH`` writes elsewhere; ``--lengths``/``--seeds`` run a subset.)
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from minirnn.tasks.reversal import LENGTH_EXPERIMENT, LENGTH_MODELS, length_experiment

COMMAND = ".venv/bin/python benchmarks/attention_lengths.py"
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "src" / "minirnn" / "data" / \
    "attention_lengths.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[4, 8, 12, 16, 20])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()

    results = {kind: {"exact_match": [], "token_accuracy": []} for kind in LENGTH_MODELS}
    for length in args.lengths:
        for kind in LENGTH_MODELS:
            row = {"exact_match": [], "token_accuracy": []}
            for seed in args.seeds:
                start = time.process_time()
                r = length_experiment(kind, length, seed)
                for key in row:
                    row[key].append(round(r[key], 4))
                print(f"length {length:2d}  {kind:8s}  seed {seed}: exact match "
                      f"{r['exact_match']:.3f}, digit accuracy {r['token_accuracy']:.3f} "
                      f"({time.process_time() - start:.1f} s CPU)", flush=True)
            for key in row:
                results[kind][key].append(row[key])
    record = {"command": COMMAND, "config": LENGTH_EXPERIMENT, "lengths": args.lengths,
              "seeds": args.seeds, "results": results}
    args.out.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

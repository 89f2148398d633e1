"""Smoke test of an installed minirnn (run by tools/release_check.py in a clean venv).

Usage: python -I tools/wheel_smoke.py EXPECTED_VERSION DATA_MANIFEST.json

Run with ``python -I`` from an empty folder, so that ``import minirnn`` can only
find the installed package, never the checkout. It uses the public top-level
names only (``mr.RNN``, ``mr.RNNLM``, ...), not module paths, so that it does
not depend on how the package is split into modules.

Checks, each printed on one line:
- the package imported is the installed one, with the expected version;
- an RNN forward and backward pass, gradients checked by central differences;
- a short training run of the language model lowers its loss;
- save and load (``minirnn.io``) give back a model with the same outputs;
- every data file of the checkout (the manifest: relative path and SHA-256)
  is installed with the same bytes.
Exit status 1 on the first failure.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from importlib import resources
from pathlib import Path

import numpy as np


def check(ok: bool, what: str) -> None:
    print(f"{'ok  ' if ok else 'FAIL'} {what}")
    if not ok:
        sys.exit(1)


def main(version: str, manifest_path: str) -> None:
    import minirnn as mr

    where = Path(mr.__file__).resolve()
    check(Path(sys.prefix).resolve() in where.parents,
          f"import minirnn finds the installed package ({where})")
    check(mr.__version__ == version, f"minirnn.__version__ is {mr.__version__} "
                                     f"(the wheel's metadata says {version})")

    # Forward and backward through time, checked against central differences.
    rng = np.random.default_rng(0)
    N, T, D, H = 2, 5, 3, 4
    rnn = mr.RNN(D, H, seed=0)
    xs = rng.standard_normal((N, T, D))
    probe = rng.standard_normal((N, T, H))        # L = sum(hs * probe)
    hs = rnn.forward(xs)
    check(hs.shape == (N, T, H), f"RNN.forward: (N, T, D) {xs.shape} -> (N, T, H) {hs.shape}")
    rnn.backward(probe)
    err = mr.gradient_check(lambda: float(np.sum(rnn.forward(xs) * probe)),
                            rnn.params, rnn.grads)
    check(err < 1e-6, f"RNN.backward agrees with central differences "
                      f"(max relative error {err:.1e})")

    # A short training run of the language model on a repeated sentence.
    tokens = mr.tokenize("you say goodbye and i say hello . " * 20)
    vocab = mr.Vocabulary.from_tokens(tokens)
    ids = vocab.encode(tokens)
    model = mr.RNNLM(len(vocab), 8, 16, seed=0, vocab=vocab)
    history = mr.train_lm(model, ids, batch_size=2, seq_len=8, epochs=5,
                          optimizer=mr.Adam(lr=0.02))
    ppl = history["train_ppl"]
    check(ppl[-1] < ppl[0], f"train_lm: training perplexity {ppl[0]:.2f} -> {ppl[-1]:.2f} "
                            f"in {len(ppl)} epochs")

    # Save and load give back the same model.
    import minirnn.io as mio

    x = ids[None, :12]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.npz"
        mio.save(model, path)
        loaded = mio.load(path)
    same = np.array_equal(model.forward(x), loaded.forward(x))
    check(same, "io.save then io.load: the loaded model gives the same outputs")

    # Every data file of the checkout, installed with the same bytes.
    manifest = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
    package = resources.files("minirnn")
    bad = []
    for rel, digest in manifest.items():
        installed = package.joinpath(*rel.split("/"))
        if not installed.is_file():
            bad.append(f"{rel} is missing")
        elif hashlib.sha256(installed.read_bytes()).hexdigest() != digest:
            bad.append(f"{rel} differs from the checkout")
    check(not bad, f"{len(manifest)} data file(s) of src/minirnn/data installed intact"
                   + (f": {'; '.join(bad)}" if bad else ""))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

"""Language models with a vanilla RNN, an LSTM and a GRU on the long-distance grammar.

The grammar is :mod:`minirnn.tasks.grammar.long_distance` (chapter 9's agreement, with
up to 30 words between the subject and its verb); its exact floor perplexity comes
from :mod:`minirnn.tasks.grammar.exact`. Every model is chapter 9's RNNLM (embedding
16, hidden size 32) with ``cell="rnn"``, ``"lstm"`` or ``"gru"``, and a fourth one is the
vanilla RNN with hidden size 68, which has about the LSTM's number of parameters. All
are trained exactly as chapter 9 trains its RNN (20 epochs, 32 streams, windows of 32
steps, Adam with a cosine decay from the learning rate to 0, clipping at 5), for every
learning rate of the grid and three seeds. The learning rate is chosen per model on the
VALIDATION text; the verdict is the perplexity on a separate TEST text, with the final
weights (no checkpoint picking).

For each run the file stores the validation and test perplexities, and on the test
text: where the model loses to the true grammar (nats per sentence at the decision
"another phrase or the verb", at the verb's number, and everywhere else) and the share
of its main-verb probability on the subject's number for each number of phrases k.

The results go to ``src/minirnn/data/lm_long_distance.json``, which chapter 9 reads;
``tests/test_lm_long_distance.py`` re-runs one configuration and checks that it reproduces
the stored numbers. Runs already in the file are kept unless ``--force``.

Run (the 60 runs took about 100 minutes in all on a busy 2-core machine, from 10 s to a
few minutes each; each run prints its time):

    .venv/bin/python benchmarks/lm_long_distance.py
    .venv/bin/python benchmarks/lm_long_distance.py --models gru      # only some models
"""

from __future__ import annotations

import argparse
import json
import math
import time
from importlib import resources
from pathlib import Path

import numpy as np

import minirnn as mr
import minirnn.tasks.grammar as g
from minirnn import RNNLM
from minirnn.tasks.grammar import long_distance as ld
from minirnn.train import evaluate, train_lm

COMMAND = ".venv/bin/python benchmarks/lm_long_distance.py"
OUT = Path(__file__).resolve().parent.parent / "src" / "minirnn" / "data" / "lm_long_distance.json"

# Chapter 9's model and training, unchanged.
EMBED, HIDDEN, BATCH, SEQ_LEN, EPOCHS, CLIP = 16, 32, 32, 32, 20, 5.0
#: The models compared: name -> (cell, hidden size). "rnn H=68" has about the LSTM's
#: number of parameters (7 225 against 7 105).
MODELS = {"rnn": ("rnn", HIDDEN), "rnn H=68": ("rnn", 68), "lstm": ("lstm", HIDDEN),
          "gru": ("gru", HIDDEN)}
LEARNING_RATES = (0.001, 0.003, 0.01, 0.03, 0.1)
SEEDS = (0, 1, 2)


def texts():
    """Token streams and id arrays of the three texts, and the vocabulary."""
    vocab = ld.vocabulary()
    tokens = {split: ld.generate_tokens(split) for split in ld.SPLITS}
    ids = {split: vocab.encode(t) for split, t in tokens.items()}
    return vocab, tokens, ids


def where_it_loses(model, tokens, ids, vocab) -> dict:
    """The model's cross-entropy on a text minus the true grammar's, split by what is
    predicted, in nats per sentence.

    At the position after a noun the next word is either "near" (one more phrase) or a
    main verb. The model's log-probability of a main verb there splits into three terms,
    log q(stop) + log q(number | stop) + log q(verb | number, stop), and so does the true
    one (whose number term is 0: the number is certain). "continue or stop" collects the
    first term and the "near" positions, "verb's number" the second, "other" the rest.
    """
    with model.inference():
        logits = model.forward(ids[None, :-1], h0=None)
    log_q = mr.log_softmax(logits[0].astype(np.float64))      # row t: distribution of token t+1
    log_p = g.stream_log_probs(tokens, derive=ld.derive)
    verbs = {n: [vocab.id(w) for w in ld.MAIN_VERBS[n]] for n in ld.NUMBERS}
    every_verb = verbs["sg"] + verbs["pl"]
    parts = {"continue or stop": 0.0, "verb's number": 0.0, "other": 0.0}
    start = 0
    for sentence in g.split_sentences(tokens):
        info = ld.sentence_info(sentence)
        for i, word in enumerate(sentence):
            t = start + i
            if t == 0:
                continue                                     # nothing predicts the first token
            excess = log_p[t] - log_q[t - 1, ids[t]]
            if i == info["main_verb_index"]:
                q_stop = np.logaddexp.reduce(log_q[t - 1, every_verb])
                q_number = np.logaddexp.reduce(log_q[t - 1, verbs[info["subject_number"]]])
                p_stop = math.log(1.0 / (ld.MAX_PHRASES + 1 - info["phrases"]))
                parts["continue or stop"] += p_stop - q_stop
                parts["verb's number"] += 0.0 - (q_number - q_stop)
                parts["other"] += excess - (p_stop - q_stop) - (0.0 - (q_number - q_stop))
            elif word == "near":                             # one more phrase after a noun
                parts["continue or stop"] += excess
            else:
                parts["other"] += excess
        start += len(sentence)
    n_sentences = len(g.split_sentences(tokens))
    return {k: float(v / n_sentences) for k, v in parts.items()}


def run_one(name: str, lr: float, seed: int, data=None) -> dict:
    """Train one model; its record for the JSON file."""
    vocab, tokens, ids = texts() if data is None else data
    cell, hidden = MODELS[name]
    model = RNNLM(len(vocab), EMBED, hidden, seed=seed, vocab=vocab, cell=cell)
    optimizer = mr.Adam(lr=lr)

    def cosine(epoch, history):            # the learning rate for the next epoch, as chapter 9
        optimizer.lr = lr * 0.5 * (1 + math.cos(math.pi * epoch / EPOCHS))

    record = {"model": name, "cell": cell, "hidden_size": hidden, "lr": lr, "seed": seed,
              "epochs": EPOCHS,
              "num_params": model.num_params}
    try:
        train_lm(model, ids["train"], batch_size=BATCH, seq_len=SEQ_LEN, epochs=EPOCHS,
                 optimizer=optimizer, clip=CLIP, callback=cosine)
    except mr.TrainingDiverged as diverged:
        record.update(diverged=str(diverged), val_ppl=None, test_ppl=None, test_excess=None,
                      test_agreement=None)
        return record
    agreement = ld.agreement_by_phrases(
        tokens["test"], _next_word_dist(model, ids["test"]), vocab)
    record.update(diverged=None,
                  val_ppl=math.exp(evaluate(model, ids["valid"], batch_size=1)),
                  test_ppl=math.exp(evaluate(model, ids["test"], batch_size=1)),
                  test_excess=where_it_loses(model, tokens["test"], ids["test"], vocab),
                  test_agreement={str(k): share for k, (share, _) in agreement.items()})
    return record


def _next_word_dist(model, ids):
    """``t -> the model's distribution of token t`` over a whole text read from a zero state."""
    with model.inference():
        probs = mr.softmax(model.forward(ids[None, :-1])[0])
    return lambda t: probs[t - 1]


def settings(tokens) -> dict:
    """What is the same for every run, with the exact numbers of the grammar."""
    true_ppl = {split: math.exp(-g.stream_log_probs(tokens[split], derive=ld.derive).mean())
                for split in ("valid", "test")}
    return {"grammar": "minirnn.tasks.grammar.long_distance",
            "splits": {s: {"sentences": n, "seed": seed, "tokens": len(tokens[s])}
                       for s, (n, seed) in ld.SPLITS.items()},
            "floor_ppl": g.floor_perplexity(derive=ld.derive),
            "blind_ppl": g.blind_perplexity(derive=ld.derive),
            "true_model_ppl": true_ppl,
            "embed_dim": EMBED,
            "models": {name: {"cell": cell, "hidden_size": hidden}
                       for name, (cell, hidden) in MODELS.items()},
            "training": {"epochs": EPOCHS, "batch_size": BATCH, "seq_len": SEQ_LEN,
                         "optimizer": "Adam, cosine decay to 0", "clip": CLIP},
            "learning_rates": list(LEARNING_RATES), "seeds": list(SEEDS)}


def load(path=None) -> dict:
    """The stored results: from ``path``, or the file shipped with minirnn."""
    if path is not None:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    text = resources.files("minirnn").joinpath("data", "lm_long_distance.json").read_text(
        encoding="utf-8")
    return json.loads(text)


def write(path: Path, tokens, runs: dict) -> None:
    """Write the file: a header naming the command, the settings, every run in a fixed order."""
    order = list(MODELS)
    ordered = sorted(runs.values(), key=lambda r: (order.index(r["model"]), r["lr"], r["seed"]))
    data = {"about": "RNNLM with cell rnn (hidden size 32 and 68), lstm, gru on the "
                     "long-distance grammar; learning rate chosen per model on the "
                     "validation text, verdict on the test text. "
                     "Written by the command below; read by chapter 9.",
            "command": COMMAND,
            "settings": settings(tokens),
            "runs": ordered}
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--force", action="store_true", help="re-run runs already in the file")
    args = ap.parse_args()
    names = [c.strip() for c in args.models.split(",")]
    if any(name not in MODELS for name in names):
        ap.error(f"models must be among {list(MODELS)}, got {names}")
    data = texts()
    stored = load(args.out) if args.out.exists() else {"runs": []}
    runs = {(r["model"], r["lr"], r["seed"]): r for r in stored["runs"]}
    for seed in SEEDS:
        for name in names:
            for lr in LEARNING_RATES:
                if (name, lr, seed) in runs and not args.force:
                    continue
                start = time.perf_counter()
                runs[name, lr, seed] = r = run_one(name, lr, seed, data)
                took = time.perf_counter() - start
                result = (f"diverged: {r['diverged']}" if r["diverged"] else
                          f"val {r['val_ppl']:.4f}  test {r['test_ppl']:.4f}  excess "
                          + " ".join(f"{k}: {v:.3f}" for k, v in r["test_excess"].items()))
                print(f"{name:<8} lr {lr:<6} seed {seed}: {result}  ({took:.0f} s)", flush=True)
                write(args.out, data[1], runs)


if __name__ == "__main__":
    main()

"""The stored language-model results of chapter 9's last section against the code.

``src/minirnn/data/lm_long_distance.json`` is written by ``benchmarks/lm_long_distance.py``
and read by notebooks/09_remembering_lm.ipynb. These tests check that the file holds the
script's settings and the grammar's exact numbers, that every run is there once, that the
script's split of the loss is right (it is zero for the true grammar), and that one run
trained again now gives the stored numbers.
"""

import contextlib
import math

import numpy as np
import pytest

import minirnn.tasks.grammar as g
from conftest import load_benchmark
from minirnn.tasks.grammar import long_distance as ld

script = load_benchmark("lm_long_distance")


@pytest.fixture(scope="module")
def stored():
    return script.load()


@pytest.fixture(scope="module")
def data():
    return script.texts()


def test_the_file_names_the_command_and_holds_the_grammars_exact_numbers(stored, data):
    assert stored["command"] == script.COMMAND
    assert stored["settings"] == script.settings(data[1])
    assert stored["settings"]["floor_ppl"] == pytest.approx(g.floor_perplexity(derive=ld.derive))


def test_every_model_learning_rate_and_seed_is_there_once_in_order(stored):
    keys = [(r["model"], r["lr"], r["seed"]) for r in stored["runs"]]
    assert keys == [(name, lr, seed) for name in script.MODELS
                    for lr in script.LEARNING_RATES for seed in script.SEEDS]
    for r in stored["runs"]:
        assert (r["cell"], r["hidden_size"]) == script.MODELS[r["model"]]
    params = {r["model"]: r["num_params"] for r in stored["runs"]}
    # the large RNN is the parameter-matched one: within 2 % of the LSTM
    assert abs(params["rnn H=68"] - params["lstm"]) / params["lstm"] < 0.02


class _TrueGrammar:
    """Stands in for a model: its logits are the true grammar's log-probabilities."""

    def __init__(self, tokens, vocab):
        self.tokens, self.vocab = tokens, vocab

    def inference(self):
        return contextlib.nullcontext()

    def forward(self, ids, h0=None):
        logits = np.full((1, ids.shape[1], len(self.vocab)), -1e9)
        start = 0
        for t in range(ids.shape[1]):                 # row t: distribution of token t + 1
            if self.tokens[t] == ".":
                start = t + 1
            probs = g.next_word_probs(self.tokens[start:t + 1], derive=ld.derive) \
                if start <= t else g.next_word_probs((), derive=ld.derive)
            for word, p in probs.items():
                logits[0, t, self.vocab.id(word)] = math.log(p)
        return logits


def test_the_true_grammar_loses_nothing_anywhere(data):
    vocab, tokens, ids = data
    text = tokens["test"][:300]
    text = text[:max(i for i, w in enumerate(text) if w == ".") + 1]
    lost = script.where_it_loses(_TrueGrammar(text, vocab), text, vocab.encode(text), vocab)
    assert set(lost) == {"continue or stop", "verb's number", "other"}
    assert all(abs(v) < 1e-9 for v in lost.values())


def test_one_run_trained_again_reproduces_the_stored_numbers(stored, data):
    name, lr, seed = "rnn", 0.003, 0                  # the cheapest model
    record = next(r for r in stored["runs"] if (r["model"], r["lr"], r["seed"]) == (name, lr, seed))
    again = script.run_one(name, lr, seed, data)
    for key in ("val_ppl", "test_ppl"):
        assert again[key] == pytest.approx(record[key], rel=1e-9)
    assert again["test_excess"] == pytest.approx(record["test_excess"], rel=1e-6, abs=1e-9)
    assert again["test_agreement"] == pytest.approx(record["test_agreement"], rel=1e-9)

"""The stored accuracy-against-length results of chapter 8 are what the code produces."""

import numpy as np
import pytest

from minirnn.tasks import reversal as R

# One test sequence is 1/500 = 0.002 of the exact-match rate. A run repeats bit for bit
# on one machine; another BLAS may round the last bits differently and, rarely, flip a
# near-tie prediction, so two sequences of slack are allowed.
SLACK = 0.0041


def test_stored_results_have_the_documented_shape():
    stored = R.stored_length_results()
    assert stored["command"] == ".venv/bin/python benchmarks/attention_lengths.py"
    assert stored["config"] == R.LENGTH_EXPERIMENT
    n_len, n_seeds = len(stored["lengths"]), len(stored["seeds"])
    assert n_seeds >= 3
    assert set(stored["results"]) == set(R.LENGTH_MODELS)
    for scores in stored["results"].values():
        for key in ("exact_match", "token_accuracy"):
            arr = np.array(scores[key])
            assert arr.shape == (n_len, n_seeds)
            assert np.all((arr >= 0) & (arr <= 1))


@pytest.mark.parametrize("kind", ["plain", "dot"])
def test_one_configuration_reproduces_the_stored_numbers(kind):
    stored = R.stored_length_results()
    length, seed = 8, stored["seeds"][0]
    i, s = stored["lengths"].index(length), stored["seeds"].index(seed)
    r = R.length_experiment(kind, length, seed)
    for key in ("exact_match", "token_accuracy"):
        assert r[key] == pytest.approx(stored["results"][kind][key][i][s], abs=SLACK), key


def test_length_experiment_rejects_unknown_settings():
    with pytest.raises(ValueError, match=r"unknown settings \['stepz'\]"):
        R.length_experiment("plain", 4, 1, stepz=3)
    with pytest.raises(ValueError, match="kind must be one of"):
        R.reversal_model("gru", 1)

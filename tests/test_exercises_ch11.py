"""The computational answers of the exercises of notebooks/11_real_text.ipynb."""

import math

import numpy as np
import pytest

from minirnn import RNNLM
from minirnn.batching import dlfs2_batches
from minirnn.datasets import shakespeare
from minirnn.dropout import Dropout
from minirnn.ngram import NGramLM


def test_ch11_ex_bits():
    nats, chars = 1.40, len(shakespeare().valid)
    bits = nats / math.log(2)
    assert chars == 55_825
    assert bits == pytest.approx(2.020, abs=5e-4)
    assert math.exp(nats) == pytest.approx(2 ** bits, rel=1e-12)
    assert math.exp(nats) == pytest.approx(4.06, abs=5e-3)
    size = chars * bits / 8
    assert size == pytest.approx(14_094, abs=1)
    assert size / chars == pytest.approx(0.25, abs=0.005)


def test_ch11_ex_temperature():
    y = np.array([0.6, 0.3, 0.1])
    expected = {0.5: ([0.783, 0.196, 0.022], 0.86), 1: ([0.6, 0.3, 0.1], 1.30),
                2: ([0.473, 0.334, 0.193], 1.50)}
    for tau, (probs, bits) in expected.items():
        y_tau = y ** (1 / tau) / (y ** (1 / tau)).sum()
        np.testing.assert_allclose(y_tau, probs, atol=5e-4)
        assert -(y_tau * np.log2(y_tau)).sum() == pytest.approx(bits, abs=5e-3)
    # and it is the softmax of the scaled scores, as RNNLM.generate computes it
    s = np.log(y) + 0.7                                  # any scores with softmax(s) = y
    for tau in (0.5, 2):
        soft = np.exp(s / tau) / np.exp(s / tau).sum()
        np.testing.assert_allclose(soft, y ** (1 / tau) / (y ** (1 / tau)).sum(), rtol=1e-12)
    assert math.log2(3) == pytest.approx(1.58, abs=5e-3)


def test_ch11_ex_unigram():
    ds = shakespeare()
    V, train_ids, val_ids = len(ds.vocab), ds.ids("train"), ds.ids("valid")
    counts = np.bincount(train_ids, minlength=V)
    q = counts / counts.sum()
    by_hand = -np.log(q[val_ids]).mean()
    library = NGramLM(1, V).fit(train_ids).cross_entropy(val_ids)
    assert by_hand == pytest.approx(3.332438, abs=5e-7)
    assert library == pytest.approx(3.332443, abs=5e-7)           # the sixth decimal
    c, u = counts.sum(), int((counts > 0).sum())
    assert (c, u) == (1_003_857, 65)
    witten_bell = (counts + u / V) / (c + u)
    assert -np.log(witten_bell[val_ids]).mean() == pytest.approx(library, rel=1e-12)
    assert u / (c + u) == pytest.approx(6.5e-5, abs=5e-7)


def test_ch11_ex_masks():
    assert 0.7 ** 64 == pytest.approx(1.2e-10, rel=0.02)
    assert 0.3 * 64 == pytest.approx(19.2)
    ones = np.ones((1000, 64, 10))
    step = Dropout(0.3, seed=0).forward(ones) > 0
    locked = Dropout(0.3, variational=True, seed=0).forward(ones) > 0
    assert step.all(axis=1).mean() == 0.0
    assert locked.all(axis=1).mean() == pytest.approx(0.7, abs=0.02)
    assert (~locked).any(axis=1).mean() == pytest.approx(0.3, abs=0.02)   # all or nothing
    assert np.array_equal(locked.all(axis=1), locked.any(axis=1))
    for kept in (step, locked):
        assert (~kept).sum(axis=1).mean() == pytest.approx(19.2, abs=0.5)


def test_ch11_ex_tying():
    untied = RNNLM(10_000, 650, 650, cell="lstm")
    tied = RNNLM(10_000, 650, 650, cell="lstm", tie_weights=True)
    assert untied.num_params == 6_500_000 + 3_382_600 + 6_510_000 == 16_392_600
    assert untied.num_params - tied.num_params == 6_500_000
    assert (untied.num_params - tied.num_params) / untied.num_params == pytest.approx(
        0.397, abs=5e-4)
    assert (6_500_000 + 6_510_000) / untied.num_params == pytest.approx(0.79, abs=0.005)


def test_ch11_ex_dlfs2_epochs():
    windows = list(dlfs2_batches(np.arange(1000), 10, 5, 1))
    assert len(windows) == 19 and sum(x.size for x, _ in windows) == 950
    x2, _ = next(dlfs2_batches(np.arange(1000), 10, 5, 2))
    assert x2[0, 0] == 95 and list(x2[:, 0]) == [99 * n + 95 for n in range(10)]
    seen = np.zeros(999, dtype=int)
    for epoch in range(1, 101):
        for x, _ in dlfs2_batches(np.arange(1000), 10, 5, epoch):
            np.add.at(seen, x.ravel(), 1)
    assert (seen.min(), seen.max(), seen.sum()) == (95, 96, 95_000)


def test_ch11_ex_ngram_orders():
    ds = shakespeare()
    V, train_ids, val_ids = len(ds.vocab), ds.ids("train"), ds.ids("valid")
    bits = {n: NGramLM(n, V).fit(train_ids).cross_entropy(val_ids) / math.log(2)
            for n in (6, 7)}
    assert bits[6] == pytest.approx(2.295, abs=5e-4)
    assert bits[7] == pytest.approx(2.403, abs=5e-4)
    five = NGramLM(5, V).fit(train_ids).cross_entropy(val_ids) / math.log(2)
    assert five == pytest.approx(2.265, abs=5e-4) and five < bits[6] < bits[7]
    unseen = {}
    for n in (5, 6, 7):
        k = n - 1
        seen = {ds.train[i:i + k] for i in range(len(ds.train) - k + 1)}
        contexts = [ds.valid[t - k:t] for t in range(k, len(ds.valid))]
        unseen[n] = sum(c not in seen for c in contexts) / len(contexts)
    assert unseen[5] == pytest.approx(0.0289, abs=1e-4)
    assert unseen[6] == pytest.approx(0.0855, abs=1e-4)
    assert unseen[7] == pytest.approx(0.1879, abs=1e-4)

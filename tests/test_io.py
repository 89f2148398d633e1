import json

import numpy as np
import pytest

import minirnn as mr
from minirnn import RNNLM
from minirnn.io import CONFIG_KEY, load, save
from minirnn.text import Vocabulary, tokenize
from minirnn.train import train_lm

SENTENCE = "You say goodbye and I say hello."


@pytest.fixture
def model():
    toks = tokenize(SENTENCE)
    vocab = Vocabulary.from_tokens(toks, unk="<unk>")
    m = RNNLM(len(vocab), 5, 6, seed=0, vocab=vocab)
    train_lm(m, vocab.encode(toks), batch_size=1, seq_len=7, epochs=20,
             optimizer=mr.Adam(lr=0.05))
    return m


def arrays_of(path):
    with np.load(path, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


def write(path, arrays):
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def config_of(arrays):
    return json.loads(arrays[CONFIG_KEY].tobytes().decode())


def with_config(arrays, config):
    out = dict(arrays)
    out[CONFIG_KEY] = np.frombuffer(json.dumps(config).encode(), np.uint8)
    return out


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_save_load_identical_predictions(tmp_path, dtype):
    toks = tokenize(SENTENCE, level="char")
    vocab = Vocabulary.from_tokens(toks, level="char")
    m = RNNLM(len(vocab), 4, 5, seed=1, vocab=vocab, dtype=dtype)
    path = tmp_path / "model"                       # no .npz suffix: saved under this name
    m.save(path)
    assert path.exists() and not (tmp_path / "model.tmp").exists()
    m2 = RNNLM.load(path)
    assert m2.vocab == vocab and m2.dtype == np.dtype(dtype)
    for k in m.params:
        assert m2.params[k].dtype == m.params[k].dtype
        assert np.array_equal(m2.params[k], m.params[k])
        assert m2.params[k] is m2.layers[k.split(".")[0]].params[k.split(".")[1]]
    ids = vocab.encode(toks)[None, :]
    assert np.array_equal(m.forward(ids), m2.forward(ids))
    assert m.predict_next("you s", k=5) == m2.predict_next("you s", k=5)
    assert m.generate("y", 20, seed=3) == m2.generate("y", 20, seed=3)


def test_trained_model_round_trip_and_no_vocab(tmp_path, model):
    save(model, tmp_path / "m.npz")
    m2 = load(tmp_path / "m.npz")
    assert m2.vocab.unk == "<unk>" and m2.vocab.words == model.vocab.words
    assert m2.predict_next(["i", "say"], k=7) == model.predict_next(["i", "say"], k=7)
    bare = RNNLM(4, 2, 3, seed=0)
    save(bare, tmp_path / "bare.npz")
    b2 = load(tmp_path / "bare.npz")
    assert b2.vocab is None and "vocab" not in arrays_of(tmp_path / "bare.npz")
    x = np.array([[0, 1, 3]])
    assert np.array_equal(b2.forward(x), bare.forward(x))


def test_file_holds_no_objects(tmp_path, model):
    save(model, tmp_path / "m.npz")
    arrays = arrays_of(tmp_path / "m.npz")       # loads with allow_pickle=False
    assert arrays["vocab"].dtype.kind == "U"
    assert arrays[CONFIG_KEY].dtype == np.uint8
    assert config_of(arrays)["version"] == 3


@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.5, 0.9, 0.999])
def test_truncated_file_rejected(tmp_path, model, fraction):
    save(model, tmp_path / "m.npz")
    data = (tmp_path / "m.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[:int(len(data) * fraction)])
    with pytest.raises(ValueError, match="not a readable .npz archive.*truncated|truncated or "
                       "corrupted file"):
        load(tmp_path / "cut.npz")


def test_corrupted_byte_rejected(tmp_path, model):
    save(model, tmp_path / "m.npz")
    data = bytearray((tmp_path / "m.npz").read_bytes())
    data[200] ^= 0xFF                          # inside the first stored array
    (tmp_path / "bad.npz").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="truncated or corrupted|not a readable|tampered"):
        load(tmp_path / "bad.npz")


def test_every_corrupted_byte_is_rejected_or_harmless(tmp_path, model):
    save(model, tmp_path / "m.npz")
    data = (tmp_path / "m.npz").read_bytes()
    ids = np.array([[1, 2, 3, 4]])
    expected = model.forward(ids)
    for pos in range(0, len(data), 37):
        bad = bytearray(data)
        bad[pos] ^= 0x5A
        (tmp_path / "bad.npz").write_bytes(bytes(bad))
        try:
            m2 = load(tmp_path / "bad.npz")
        except ValueError:
            continue
        # a byte the format does not use (e.g. a zip timestamp): the model is intact
        assert np.array_equal(m2.forward(ids), expected)
        assert m2.vocab == model.vocab


def test_non_minirnn_files_rejected(tmp_path):
    (tmp_path / "text.npz").write_text("hello")
    with pytest.raises(ValueError, match="not a readable .npz archive: expected a minirnn model"):
        load(tmp_path / "text.npz")
    np.save(tmp_path / "one.npy", np.zeros(3))
    with pytest.raises(ValueError, match="got a single .npy array"):
        load(tmp_path / "one.npy")
    np.savez(tmp_path / "other.npz", W=np.zeros(3))
    with pytest.raises(ValueError, match=r"expected an array 'minirnn_config', got arrays \['W'\]"):
        load(tmp_path / "other.npz")
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.npz")


def test_tampered_weight_value_rejected(tmp_path, model):
    save(model, tmp_path / "m.npz")
    arrays = arrays_of(tmp_path / "m.npz")
    arrays["rnn.Wh"] = arrays["rnn.Wh"].copy()
    arrays["rnn.Wh"][0, 0] += 1e-12
    write(tmp_path / "t.npz", arrays)
    with pytest.raises(ValueError, match="tampered or corrupted file: the checksum"):
        load(tmp_path / "t.npz")


def test_tampered_vocab_rejected(tmp_path, model):
    save(model, tmp_path / "m.npz")
    arrays = arrays_of(tmp_path / "m.npz")
    words = arrays["vocab"].tolist()
    words[1], words[2] = words[2], words[1]
    arrays["vocab"] = np.array(words)
    write(tmp_path / "t.npz", arrays)
    with pytest.raises(ValueError, match="checksum"):
        load(tmp_path / "t.npz")


@pytest.mark.parametrize("change,message", [
    (lambda a: a.update({"out.b": a["out.b"][:-1]}), r"'out.b' must have shape \(8,\)"),
    (lambda a: a.update({"rnn.Wx": a["rnn.Wx"].astype(np.float32)}),
     "'rnn.Wx' must have dtype float64, got float32"),
    (lambda a: a.pop("rnn.b"), r"missing \['rnn.b'\]"),
    (lambda a: a.update({"extra": np.zeros(2)}), r"unexpected \['extra'\]"),
    (lambda a: a.update({"vocab": np.arange(8)}), "'vocab' must be a fixed-width unicode"),
])
def test_mismatched_arrays_rejected(tmp_path, model, change, message):
    save(model, tmp_path / "m.npz")
    arrays = arrays_of(tmp_path / "m.npz")
    change(arrays)
    write(tmp_path / "t.npz", arrays)
    with pytest.raises(ValueError, match=message):
        load(tmp_path / "t.npz")


@pytest.mark.parametrize("key,value,message", [
    ("hidden_size", 7, r"'out.W' must have shape \(8, 7\)"),
    ("cell", "transformer", "'cell' must be one of"),
    ("vocab_size", 0, "'vocab_size' must be a positive int"),
    ("dtype", "float16", "'dtype' must be 'float64' or 'float32'"),
    ("dtype", "float32", "must have dtype float32, got float64"),
    ("format", "something.else", "not a minirnn model file: expected format"),
    ("version", 4, "unsupported format version: expected 3, got 4"),
    ("dropout", 1.5, r"dropout must be a number in \[0, 1\)"),
    ("dropout", "0.5", "'dropout' must be a float"),
    ("tie_weights", 1, "'tie_weights' must be a bool"),
    ("tie_weights", True, "mismatched"),
    ("sha256", "0" * 64, "checksum"),
])
def test_mismatched_config_rejected(tmp_path, model, key, value, message):
    save(model, tmp_path / "m.npz")
    arrays = arrays_of(tmp_path / "m.npz")
    config = config_of(arrays)
    config[key] = value
    write(tmp_path / "t.npz", with_config(arrays, config))
    with pytest.raises(ValueError, match=message):
        load(tmp_path / "t.npz")


def test_config_without_vocab_entry_is_a_value_error(tmp_path, model):
    save(model, tmp_path / "m.npz")
    arrays = arrays_of(tmp_path / "m.npz")
    config = config_of(arrays)
    del config["vocab"]
    write(tmp_path / "t.npz", with_config(arrays, config))
    with pytest.raises(ValueError, match="expected a 'vocab' entry"):
        load(tmp_path / "t.npz")


def test_version_1_files_load_as_vanilla_rnn(tmp_path, model):
    save(model, tmp_path / "m.npz")
    arrays = arrays_of(tmp_path / "m.npz")
    config = config_of(arrays)
    config["version"] = 1
    del config["cell"]
    write(tmp_path / "t.npz", with_config(arrays, config))
    loaded = load(tmp_path / "t.npz")
    assert loaded.cell == "rnn"
    for k, v in model.params.items():
        np.testing.assert_array_equal(loaded.params[k], v)


def test_version_2_files_load_without_regularisation(tmp_path, model):
    save(model, tmp_path / "m.npz")
    arrays = arrays_of(tmp_path / "m.npz")
    config = config_of(arrays)
    config["version"] = 2
    for key in ("dropout", "variational", "tie_weights"):
        del config[key]
    write(tmp_path / "t.npz", with_config(arrays, config))
    loaded = load(tmp_path / "t.npz")
    assert (loaded.dropout, loaded.variational, loaded.tie_weights) == (0.0, False, False)
    for k, v in model.params.items():
        np.testing.assert_array_equal(loaded.params[k], v)


@pytest.mark.parametrize("options", [dict(dropout=0.3), dict(dropout=0.2, variational=True),
                                     dict(tie_weights=True),
                                     dict(dropout=0.1, tie_weights=True, cell="lstm"),
                                     dict(dropout=0.1, variational=True, cell="gru")])
def test_regularised_models_round_trip(tmp_path, options):
    vocab = mr.Vocabulary(["a", "b", "c", "d"])
    m = RNNLM(4, 5, 5, seed=0, vocab=vocab, **options)
    m.out.params["b"][:] = [0.1, -0.2, 0.3, 0.0]      # not the initial zeros
    save(m, tmp_path / "r.npz")
    assert ("out.W" in arrays_of(tmp_path / "r.npz")) == (not m.tie_weights)
    loaded = load(tmp_path / "r.npz")
    for key in ("cell", "dropout", "variational", "tie_weights"):
        assert getattr(loaded, key) == getattr(m, key)
    assert loaded.params.keys() == m.params.keys()
    if m.tie_weights:                      # still one matrix, used twice
        assert loaded.out.params["W"] is loaded.embed.params["W"]
    ids = np.array([[0, 1, 2, 3, 1]])
    with m.inference(), loaded.inference():      # eval mode: no dropout, same outputs
        np.testing.assert_array_equal(loaded.forward(ids), m.forward(ids))


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gated_language_models_round_trip(tmp_path, cell):
    vocab = mr.Vocabulary(["a", "b", "c"])
    m = RNNLM(3, 4, 5, seed=0, vocab=vocab, cell=cell)
    save(m, tmp_path / "g.npz")
    loaded = load(tmp_path / "g.npz")
    assert loaded.cell == cell and loaded.vocab == vocab
    ids = np.array([[0, 1, 2, 1]])
    np.testing.assert_array_equal(loaded.forward(ids), m.forward(ids))


def test_config_not_json_rejected(tmp_path, model):
    save(model, tmp_path / "m.npz")
    arrays = arrays_of(tmp_path / "m.npz")
    arrays[CONFIG_KEY] = arrays[CONFIG_KEY][:-5]
    write(tmp_path / "t.npz", arrays)
    with pytest.raises(ValueError, match="corrupted configuration: expected UTF-8 JSON"):
        load(tmp_path / "t.npz")
    arrays[CONFIG_KEY] = np.array(["{}"])
    write(tmp_path / "t.npz", arrays)
    with pytest.raises(ValueError, match="must be a 1-D uint8 array"):
        load(tmp_path / "t.npz")

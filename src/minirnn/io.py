"""Saving and loading an :class:`~minirnn.models.lm.RNNLM` as one ``.npz`` file.

What the file holds
-------------------
A plain (uncompressed) numpy ``.npz`` archive with only numeric and string
arrays, so it is read with ``np.load(..., allow_pickle=False)``: loading a
model never runs code from the file.

* the weights, under their ``RNNLM.params`` names (``"embed.W"``,
  ``"rnn.Wx"``, ``"rnn.Wh"``, ``"rnn.b"``, ``"out.W"``, ``"out.b"`` for a vanilla
  RNN; the recurrent layer's own names for another cell; no ``"out.W"`` when
  the output weights are tied to the embedding), in the model's float dtype;
* ``"vocab"`` (only if the model has a vocabulary): the words in id order as a
  fixed-width unicode array (dtype ``<U...``, not objects);
* ``"minirnn_config"``: a uint8 array holding UTF-8 JSON: the format name and
  version, the sizes, the cell, the regularisation options (``dropout``,
  ``variational``, ``tie_weights``), the dtype, the vocabulary's settings, the expected name,
  shape and dtype of every array, and a SHA-256 checksum of the weights and
  words.

What :func:`load` rejects
-------------------------
Always with a ``ValueError`` that says what was expected and what came:

* a file that is not a ``.npz`` archive, or an archive without a minirnn
  configuration (a *non-minirnn* file), or one from a newer format version;
* a *truncated* file (the archive or one of its arrays is cut short);
* a *mismatched* or *tampered* file: an array missing or extra, an array whose
  shape or dtype differs from what the configuration implies, a configuration
  that is inconsistent with itself, or any change to a weight value or a word
  (the checksum no longer matches).

The checksum detects accidental corruption and careless edits; it is not a
signature: whoever edits the weights and recomputes the checksum can still
produce a file that loads.
"""

from __future__ import annotations

import hashlib
import json
import os

import numpy as np

from .models.lm import RNNLM
from .recurrent import CELLS
from .text import Vocabulary

FORMAT = "minirnn.RNNLM"
VERSION = 3            # version 1 files (before the cell choice) are read as cell "rnn";
# versions 1 and 2 (before the regularisation options) as models without them
REGULARISATION = {"dropout": 0.0, "variational": False, "tie_weights": False}
CONFIG_KEY = "minirnn_config"
VOCAB_KEY = "vocab"


def _checksum(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 over the names, dtypes, shapes and little-endian bytes of the arrays."""
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = arrays[name]
        a = np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<"))
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def save(model: RNNLM, path) -> None:
    """Write ``model`` (weights, vocabulary, configuration) to ``path``, exactly that name.

    The file is written to ``path + ".tmp"`` first and then renamed, so an
    interrupted save never leaves a half-written file under ``path``.
    """
    if not isinstance(model, RNNLM):
        raise TypeError(f"save: model must be an RNNLM, got {type(model).__name__}")
    arrays = {k: np.ascontiguousarray(v) for k, v in model.params.items()}
    vocab_cfg = None
    if model.vocab is not None:
        words = model.vocab.to_list()
        if any("\x00" in w for w in words):
            raise ValueError("save: a word contains the NUL character '\\x00', which a "
                             "fixed-width unicode array cannot hold")
        width = max(1, max(len(w) for w in words))
        arrays[VOCAB_KEY] = np.array(words, dtype=f"<U{width}")
        vocab_cfg = {"unk": model.vocab.unk, "level": model.vocab.level,
                     "lower": model.vocab.lower}
    config = {
        "format": FORMAT,
        "version": VERSION,
        "vocab_size": model.vocab_size,
        "embed_dim": model.embed_dim,
        "hidden_size": model.hidden_size,
        "cell": model.cell,
        "dropout": model.dropout,
        "variational": model.variational,
        "tie_weights": model.tie_weights,
        "dtype": model.dtype.name,
        "vocab": vocab_cfg,
        "arrays": {k: {"shape": list(a.shape), "dtype": a.dtype.str} for k, a in arrays.items()},
        "sha256": _checksum(arrays),
    }
    arrays[CONFIG_KEY] = np.frombuffer(json.dumps(config, sort_keys=True).encode(), np.uint8)
    path = os.fspath(path)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        np.savez(f, **arrays)
    os.replace(tmp, path)


def load(path) -> RNNLM:
    """Read a model written by :func:`save`, checking everything (see the module docstring).

    Returns
    -------
    RNNLM
        With the saved weights (bit-identical), vocabulary and sizes;
        not stateful, zero state.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ValueError
        For a non-minirnn, truncated, mismatched or tampered file.
    """
    path = os.fspath(path)
    where = f"load({path!r})"
    if not os.path.exists(path):
        raise FileNotFoundError(f"{where}: no such file")
    try:
        archive = np.load(path, allow_pickle=False)
    except Exception as e:  # noqa: BLE001 - whatever zipfile/numpy raise, the file is unreadable
        raise ValueError(f"{where}: not a readable .npz archive: expected a minirnn model "
                         f"file written by minirnn.io.save, got a file that is truncated, "
                         f"corrupted or of another kind ({type(e).__name__}: {e})") from e
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"{where}: not a minirnn model file: expected a .npz archive, got a "
                         f"single .npy array")
    with archive:
        names = set(archive.files)
        if CONFIG_KEY not in names:
            raise ValueError(f"{where}: not a minirnn model file: expected an array "
                             f"{CONFIG_KEY!r}, got arrays {sorted(names)}")
        arrays = {}
        for name in sorted(names):
            try:
                arrays[name] = archive[name]
            except Exception as e:  # noqa: BLE001 - zipfile raises several kinds
                raise ValueError(f"{where}: truncated or corrupted file: array {name!r} "
                                 f"cannot be read ({type(e).__name__}: {e})") from e
    config = _read_config(arrays.pop(CONFIG_KEY), where)
    V, E, H = config["vocab_size"], config["embed_dim"], config["hidden_size"]
    dtype = np.dtype(config["dtype"])
    # The sizes must be those of the arrays in the file before a model of that size is built.
    sized = (("embed.W", (V, E)),) + ((() if config["tie_weights"] else (("out.W", (V, H)),)))
    for name, shape in sized:
        if name not in arrays:
            raise ValueError(f"{where}: mismatched file: array {name!r} is missing, got arrays "
                             f"{sorted(arrays)}")
        if arrays[name].shape != shape:
            raise ValueError(f"{where}: mismatched file: array {name!r} must have shape "
                             f"{shape} (from the configuration V={V}, E={E}, H={H}), got "
                             f"{arrays[name].shape}")
    try:
        model = RNNLM(V, E, H, dtype=dtype, cell=config["cell"],
                      **{k: config[k] for k in REGULARISATION})
    except (TypeError, ValueError) as e:
        raise ValueError(f"{where}: mismatched configuration: {e}") from e
    expected = {k: (p.shape, dtype) for k, p in model.params.items()}
    if config["vocab"] is not None:
        expected[VOCAB_KEY] = ((V,), None)
    missing = sorted(set(expected) - set(arrays))
    extra = sorted(set(arrays) - set(expected))
    if missing or extra:
        raise ValueError(f"{where}: mismatched file: expected arrays {sorted(expected)}, "
                         f"missing {missing}, unexpected {extra}")
    for name, (shape, dt) in expected.items():
        a = arrays[name]
        if a.shape != shape:
            raise ValueError(f"{where}: mismatched file: array {name!r} must have shape "
                             f"{shape} (from the configuration V={V}, E={E}, H={H}), got "
                             f"{a.shape}")
        if dt is None and a.dtype.kind != "U":
            raise ValueError(f"{where}: mismatched file: array {name!r} must be a fixed-width "
                             f"unicode string array, got dtype {a.dtype}")
        if dt is not None and a.dtype != dt:
            raise ValueError(f"{where}: mismatched file: array {name!r} must have dtype "
                             f"{dt}, got {a.dtype}")
        recorded = config["arrays"].get(name)
        if recorded != {"shape": list(a.shape), "dtype": a.dtype.str}:
            raise ValueError(f"{where}: mismatched file: the configuration records array "
                             f"{name!r} as {recorded}, the file holds shape {a.shape}, "
                             f"dtype {a.dtype.str}")
    if set(config["arrays"]) != set(expected):
        raise ValueError(f"{where}: mismatched file: the configuration lists arrays "
                         f"{sorted(config['arrays'])}, expected {sorted(expected)}")
    digest = _checksum(arrays)
    if digest != config["sha256"]:
        raise ValueError(f"{where}: tampered or corrupted file: the checksum of the weights "
                         f"and words is {digest[:16]}..., the configuration expects "
                         f"{str(config['sha256'])[:16]}...")

    vocab = None
    if config["vocab"] is not None:
        vc = config["vocab"]
        try:
            vocab = Vocabulary.from_list(arrays[VOCAB_KEY].tolist(), unk=vc["unk"],
                                         level=vc["level"], lower=vc["lower"])
        except (TypeError, ValueError, KeyError) as e:
            raise ValueError(f"{where}: mismatched file: the vocabulary is invalid ({e})") from e
    model.vocab = vocab
    for k in model.params:
        model.params[k][...] = arrays[k]          # in place: the layers keep their arrays
    return model


def _read_config(raw: np.ndarray, where: str) -> dict:
    """Decode and validate the configuration array."""
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise ValueError(f"{where}: not a minirnn model file: {CONFIG_KEY!r} must be a 1-D "
                         f"uint8 array of UTF-8 JSON, got dtype {raw.dtype}, shape {raw.shape}")
    try:
        config = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{where}: corrupted configuration: expected UTF-8 JSON ({e})") from e
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        got = config.get("format") if isinstance(config, dict) else type(config).__name__
        raise ValueError(f"{where}: not a minirnn model file: expected format {FORMAT!r}, "
                         f"got {got!r}")
    if config.get("version") == 1:
        config = {**config, "cell": "rnn"}       # version 1 had vanilla RNNs only
    if config.get("version") in (1, 2):
        config = {**config, **REGULARISATION}    # no dropout or tying before version 3
    if config.get("version") not in (1, 2, VERSION):
        raise ValueError(f"{where}: unsupported format version: expected {VERSION}, got "
                         f"{config.get('version')!r} (written by another minirnn version?)")
    for key in ("vocab_size", "embed_dim", "hidden_size"):
        v = config.get(key)
        if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
            raise ValueError(f"{where}: mismatched configuration: {key!r} must be a positive "
                             f"int, got {v!r}")
    if config.get("dtype") not in ("float64", "float32"):
        raise ValueError(f"{where}: mismatched configuration: 'dtype' must be 'float64' or "
                         f"'float32', got {config.get('dtype')!r}")
    if config.get("cell") not in CELLS:
        raise ValueError(f"{where}: mismatched configuration: 'cell' must be one of "
                         f"{sorted(CELLS)}, got {config.get('cell')!r}")
    for key, default in REGULARISATION.items():
        if type(config.get(key)) is not type(default):
            raise ValueError(f"{where}: mismatched configuration: {key!r} must be a "
                             f"{type(default).__name__}, got {config.get(key)!r}")
    if "vocab" not in config:
        raise ValueError(f"{where}: mismatched configuration: expected a 'vocab' entry (null "
                         f"or the vocabulary's settings), got keys {sorted(config)}")
    vc = config.get("vocab")
    if vc is not None and not (isinstance(vc, dict) and {"unk", "level", "lower"} <= set(vc)):
        raise ValueError(f"{where}: mismatched configuration: 'vocab' must be null or hold "
                         f"'unk', 'level', 'lower', got {vc!r}")
    if not isinstance(config.get("arrays"), dict) or not isinstance(config.get("sha256"), str):
        raise ValueError(f"{where}: mismatched configuration: expected 'arrays' (a dict) and "
                         f"'sha256' (a str), got {sorted(config)}")
    return config

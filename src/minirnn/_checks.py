"""Input validation shared by every public function.

Errors are raised at the public boundary, before any numpy arithmetic, so that
a reader sees *what was expected and what came* instead of a broadcasting
traceback from deep inside a matrix product.
"""

from __future__ import annotations

import numpy as np


class NonFiniteError(ValueError):
    """An array that must hold finite numbers holds NaN or inf.

    A ValueError like every bad input; its own class lets the training loop tell
    a model whose numbers overflowed (training diverged) from other bad input.
    """


def check_float_array(x, name: str, axes: tuple[str, ...], sizes: dict | None = None,
                      where: str = "", dtype=None) -> np.ndarray:
    """Validate a floating-point array and return it (cast to ``dtype`` if given).

    Parameters
    ----------
    x : array_like
        The array to check.
    name : str
        Its name in error messages, for example ``"xs"``.
    axes : tuple of str
        The name of each axis, for example ``("N", "T", "D")``: fixes the rank.
    sizes : dict, optional
        Required sizes for some axes, by axis name, for example ``{"D": 4}``.
    where : str
        The caller, for example ``"RNN.forward"``, to start the message with.
    dtype : numpy dtype, optional
        If given, the array is converted to it (float32 <-> float64 only).
    """
    # These checks run on every forward and backward call, so they use the cheap
    # forms (dtype.kind, the .all() method): at the toy size of chapter 3 the
    # checks are a large part of the layer's time (benchmarks/rnn_speed.py).
    prefix = f"{where}: " if where else ""
    if not isinstance(x, np.ndarray):
        if isinstance(x, (list, tuple, int, float, np.number)):
            x = np.asarray(x)
        else:
            raise TypeError(f"{prefix}{name} must be a numpy array of shape "
                            f"({', '.join(axes)}), got {type(x).__name__}")
    if x.dtype.kind != "f":                   # the floating-point dtypes
        raise TypeError(f"{prefix}{name} must be a floating-point array, got dtype {x.dtype}"
                        f" (convert it with {name}.astype(np.float64))")
    if x.ndim != len(axes):
        raise ValueError(f"{prefix}{name} must have {len(axes)} axes ({', '.join(axes)}), "
                         f"got {x.ndim} axes with shape {x.shape}")
    _check_sizes(x.shape, name, axes, sizes, prefix)
    if not np.isfinite(x).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(x))[0])
        raise NonFiniteError(f"{prefix}{name} contains NaN or inf (first at index {bad})")
    if dtype is not None and x.dtype != dtype:
        x = x.astype(dtype)
    return x


def check_token_ids(ids, name: str, vocab_size: int, axes: tuple[str, ...],
                    where: str = "", sizes: dict | None = None) -> np.ndarray:
    """Validate an integer array of token ids in ``[0, vocab_size)`` (``sizes`` as for
    :func:`check_float_array`)."""
    prefix = f"{where}: " if where else ""
    shape_txt = "(" + ", ".join(axes) + ")"
    if isinstance(ids, (list, tuple)):
        ids = np.asarray(ids)
    if not isinstance(ids, np.ndarray):
        raise TypeError(f"{prefix}{name} must be an integer numpy array of shape {shape_txt}, "
                        f"got {type(ids).__name__}")
    if not np.issubdtype(ids.dtype, np.integer):
        raise TypeError(f"{prefix}{name} must be an array of integer token ids, "
                        f"got dtype {ids.dtype}")
    if ids.ndim != len(axes):
        raise ValueError(f"{prefix}{name} must have {len(axes)} axes {shape_txt}, "
                         f"got {ids.ndim} axes with shape {ids.shape}")
    _check_sizes(ids.shape, name, axes, sizes, prefix)
    outside = (ids < 0) | (ids >= vocab_size)
    if np.any(outside):
        pos = tuple(int(i) for i in np.argwhere(outside)[0])
        raise ValueError(f"{prefix}{name} must hold token ids in [0, {vocab_size}) "
                         f"(the vocabulary size), got {int(ids[pos])} at index {pos}")
    return ids


_EMPTY_HINT = {"N": "a batch needs at least one sequence",
               "T": "a sequence needs at least one time step",
               "S": "a source sequence needs at least one step",
               "M": "a stream needs at least one token"}


def _check_sizes(shape, name, axes, sizes, prefix) -> None:
    """Every axis non-empty, and of the required size where one is given."""
    for i, (axis, size) in enumerate(zip(axes, shape, strict=True)):
        if sizes and axis in sizes and sizes[axis] is not None and size != sizes[axis]:
            raise ValueError(f"{prefix}{name} axis {i} ({axis}) must have size {sizes[axis]}, "
                             f"got shape {shape}")
        if size == 0:
            hint = _EMPTY_HINT.get(axis, "empty arrays have nothing to compute")
            raise ValueError(f"{prefix}{name} axis {i} ({axis}) must not be empty ({hint}), "
                             f"got shape {shape}")


def check_positive_int(value, name: str, where: str = "") -> int:
    """Validate a size argument such as ``hidden_size``."""
    prefix = f"{where}: " if where else ""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{prefix}{name} must be a positive int, got {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{prefix}{name} must be a positive int, got {value}")
    return int(value)


def check_dtype(dtype, where: str = "") -> np.dtype:
    """Allow float64 (the default) and float32 only."""
    dt = np.dtype(dtype)
    if dt not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise TypeError(f"{where}: dtype must be float64 or float32, got {dt}")
    return dt

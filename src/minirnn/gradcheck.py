"""Gradient checking by central differences.

A backward pass is trusted only after it agrees with a numerical derivative:

    df/dp_i  ~  (f(p + eps e_i) - f(p - eps e_i)) / (2 eps)

whose error is O(eps^2); in float64 with eps = 1e-5 the two agree to about 1e-8
relative error or better when the analytic gradient is right.
"""

from __future__ import annotations

import warnings

import numpy as np


def numerical_gradient(f, x: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """Central-difference gradient of a scalar function with respect to ``x``.

    Parameters
    ----------
    f : callable
        ``f()`` returns a float; it must read ``x`` (which is perturbed in place
        and restored).
    x : ndarray, float64
        The array to differentiate with respect to.
    eps : float
        Step size.

    Returns
    -------
    ndarray, same shape as x
    """
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"numerical_gradient: x must be a floating-point array, got {x.dtype}")
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + eps
        f_plus = f()
        x[i] = old - eps
        f_minus = f()
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a, b, floor: float = 1e-12) -> float:
    """Relative error of two arrays as wholes: ``||a - b|| / max(||a|| + ||b||, floor)``.

    Measured on the whole array rather than element by element: the error of a
    central difference is roughly the same absolute amount for every element,
    so an element whose true gradient is nearly zero would show a large
    elementwise ratio even when the backward pass is right.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"relative_error: shapes differ, {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), floor))


def gradient_check(f, params, grads, eps: float = 1e-5, floor: float = 1e-12) -> float:
    """Compare analytic gradients with central differences.

    Parameters
    ----------
    f : callable
        ``f()`` recomputes the scalar loss from the current values in ``params``.
    params : ndarray or dict of ndarray
        The arrays to perturb (in place, then restored).
    grads : ndarray or dict of ndarray
        The analytic gradients, same keys and shapes, computed at the
        unperturbed ``params``.
    eps : float
        Finite-difference step.
    floor : float
        Denominator floor, so that two all-zero gradients count as agreeing.

    Returns
    -------
    float
        The maximum, over the arrays, of :func:`relative_error` between the
        analytic and the numerical gradient. Below 1e-6 means the backward
        pass is right; a wrong formula typically gives 1e-2 or more.
    """
    if isinstance(params, np.ndarray):
        params, grads = {"x": params}, {"x": grads}
    low = sorted(k for k, p in params.items() if np.asarray(p).dtype != np.float64)
    if low:
        warnings.warn(f"gradient_check: {low} are not float64 (got "
                      f"{np.asarray(params[low[0]]).dtype}); a central difference in float32 "
                      "is accurate to about 1e-3 only, so even a correct backward pass shows a "
                      "large error. Build the layer with dtype=np.float64 to check it.",
                      stacklevel=2)
    if params.keys() != grads.keys():
        raise ValueError(f"gradient_check: params and grads must have the same keys, "
                         f"got {sorted(params)} and {sorted(grads)}")
    worst = 0.0
    for k, p in params.items():
        g = np.asarray(grads[k])
        if g.shape != p.shape:
            raise ValueError(f"gradient_check: grads[{k!r}] must have shape {p.shape}, "
                             f"got {g.shape}")
        num = numerical_gradient(f, p, eps)
        worst = max(worst, relative_error(g, num, floor))
    return worst

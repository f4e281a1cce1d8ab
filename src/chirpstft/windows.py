"""Analysis windows and the COLA / NOLA conditions for exact inversion.

A window is given as a name or tuple understood by :func:`scipy.signal.get_window`
(``"hann"``, ``("kaiser", 8.0)``, ``("gaussian", 12)``, ...) and built periodic
(``fftbins=True``) with ``win_length`` samples, or as an array of exactly
``win_length`` values (real or complex). A window shorter than ``n_fft`` is
zero-padded on both sides, centred, to ``n_fft`` samples (librosa's convention:
``(n_fft - win_length) // 2`` zeros on the left).

The chirp factor ``exp(j*pi*a*t**2)`` has modulus 1, so both conditions depend only
on the window ``w`` and the hop, never on the chirp rates:

* **NOLA** (nonzero overlap-add): ``sum_m |w[n - m*hop]|**2 > 0`` for every ``n``.
  Needed and sufficient for the least-squares inverse (``method="ls"``).
* **COLA** (constant overlap-add): ``sum_m w[n - m*hop]`` is the same nonzero
  constant for every ``n``. Needed for the plain overlap-add inverse
  (``method="ola"``), which uses no synthesis window.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.signal

from ._docs import fill_doc
from ._errors import InputTypeError, ParameterError
from ._validation import check_size, positive_int, tolerance

__all__ = ["check_cola", "check_nola", "get_window"]


def get_window(window: Any, win_length: int, n_fft: int | None = None) -> np.ndarray:
    """Build the analysis window, zero-padded and centred to ``n_fft`` samples.

    Parameters
    ----------
    window : str, tuple or array_like, shape (win_length,)
        A window name or ``(name, parameter...)`` tuple for
        :func:`scipy.signal.get_window` (built periodic, ``fftbins=True``), or the
        window values themselves (real or complex, all finite).
    win_length : int
        Number of nonzero-support samples of the window.
    n_fft : int, optional
        Frame length; defaults to ``win_length``. Must be ``>= win_length``.

    Returns
    -------
    ndarray, shape (n_fft,)
        float64 for real windows, complex128 for complex array windows.

    Examples
    --------
    >>> from chirpstft import get_window
    >>> get_window("hann", 4, 8)
    array([0. , 0. , 0. , 0.5, 1. , 0.5, 0. , 0. ])
    """
    win_length = positive_int(win_length, "win_length")
    n_fft = win_length if n_fft is None else positive_int(n_fft, "n_fft")
    if win_length > n_fft:
        raise ParameterError(
            f"win_length={win_length} must not exceed n_fft={n_fft}; "
            f"pass a win_length <= n_fft or a larger n_fft"
        )
    # the window, its padded copy and the plan's chirp-phase table t**2: a few arrays of n_fft
    check_size(4 * n_fft, 16, f"n_fft={n_fft}", "pass a smaller n_fft (frame length in samples)")
    if isinstance(window, tuple) and (not window or not isinstance(window[0], str)):
        raise ParameterError(
            f"window={window!r} is not a window: a tuple is (name, parameter...), e.g. ('kaiser', 8.0); "
            f"pass such a tuple, a name such as 'hann', or an array of win_length={win_length} values"
        )
    if isinstance(window, (str, tuple)):
        try:
            w = scipy.signal.get_window(window, win_length, fftbins=True)
        except (ValueError, TypeError, IndexError, KeyError, ZeroDivisionError, OverflowError) as exc:
            raise ParameterError(
                f"window={window!r} is not a window scipy.signal.get_window can build "
                f"({exc}); pass a name such as 'hann', a tuple such as ('kaiser', 8.0), "
                f"or an array of win_length={win_length} values"
            ) from None
        w = np.asarray(w, dtype=np.float64)
    else:
        try:
            w = np.asarray(window)
        except Exception as exc:
            raise InputTypeError(
                f"window of type {type(window).__name__} is not a name, tuple or array ({exc})"
            ) from None
        if w.dtype.kind not in "biufc":
            raise InputTypeError(
                f"window has dtype {w.dtype}; pass a window name such as 'hann' or an "
                f"array of real or complex numbers"
            )
        if w.ndim != 1:
            raise ParameterError(
                f"window must be one-dimensional, got shape {w.shape}; pass an array "
                f"of win_length={win_length} values"
            )
        if w.shape[0] != win_length:
            raise ParameterError(
                f"window has {w.shape[0]} values but win_length={win_length}; pass "
                f"win_length={w.shape[0]} (and n_fft >= {w.shape[0]}) or a window of "
                f"{win_length} values"
            )
        w = w.astype(np.complex128 if w.dtype.kind == "c" else np.float64)
        if np.iscomplexobj(w) and not np.any(w.imag):
            w = w.real.copy()
    if not np.all(np.isfinite(w)):
        raise ParameterError("window contains NaN or inf values; pass a finite window")
    if not np.any(w):
        raise ParameterError("window is all zeros; pass a window with nonzero values")
    if win_length < n_fft:
        lpad = (n_fft - win_length) // 2
        w = np.pad(w, (lpad, n_fft - win_length - lpad))
    return w


def _resolve(window: Any, hop_length: int, n_fft: int | None, win_length: int | None):
    hop_length = positive_int(hop_length, "hop_length")
    if win_length is None:
        if isinstance(window, (str, tuple)):
            if n_fft is None:
                raise ParameterError("a named window needs its length: pass n_fft= or win_length=")
            win_length = n_fft
        else:
            try:
                win_length = len(np.atleast_1d(np.asarray(window)))
            except Exception as exc:
                raise InputTypeError(
                    f"window of type {type(window).__name__} is not a name, tuple or array ({exc})"
                ) from None
    w = get_window(window, win_length, n_fft)
    return w, hop_length


def _fold(values: np.ndarray, hop: int) -> np.ndarray:
    """Sum ``values[i]`` over ``i`` in each residue class modulo ``hop``.

    This is the overlap-add of infinitely many copies shifted by ``hop``, over one
    period: ``out[r] = sum_m values[r + m*hop]``.
    """
    n = values.shape[-1]
    k = -(-n // hop)
    padded = np.zeros(k * hop, dtype=values.dtype)
    padded[:n] = values
    return padded.reshape(k, hop).sum(axis=0)


def nola_holds(w: np.ndarray, hop: int, tol: float) -> bool:
    """NOLA test on a built window array (see :func:`check_nola`)."""
    if hop > w.shape[-1]:  # gaps of hop - n_fft samples that no window covers
        return False
    env = _fold(np.abs(w) ** 2, hop)
    return bool(env.min() > tol * env.max())


def cola_holds(w: np.ndarray, hop: int, tol: float) -> bool:
    """COLA test on a built window array (see :func:`check_cola`)."""
    if hop > w.shape[-1]:  # gaps of zeros between nonzero overlap-adds: never constant
        return False
    env = _fold(w, hop)
    ref = env.mean()
    if not np.abs(ref) > tol * np.abs(env).max():
        return False
    return bool(np.abs(env - ref).max() <= tol * np.abs(ref))


@fill_doc
def check_nola(
    window: Any,
    hop_length: int,
    *,
    n_fft: int | None = None,
    win_length: int | None = None,
    tol: float = 1e-10,
) -> bool:
    """Whether the window satisfies NOLA at this hop, so ``istft(method="ls")`` is exact.

    Checks ``min_n sum_m |w[n - m*hop]|**2 > tol * max_n sum_m |w[n - m*hop]|**2``
    over one period of the infinite overlap-add (the interior of a signal; samples
    near the ends of a signal with ``center=False`` may still be uncovered, see
    :func:`chirpstft.istft`). The chirp rates do not matter: ``|g_m| = |w|``.

    Parameters
    ----------
    %(window_check)s

    Returns
    -------
    bool
        True when least-squares synthesis (``method="ls"``) recovers the interior exactly.

    Examples
    --------
    >>> import chirpstft
    >>> chirpstft.check_nola("hann", 64, n_fft=256)
    True
    >>> chirpstft.check_nola("hann", 300, n_fft=256)
    False
    """
    tol = tolerance(tol, "tol")
    return nola_holds(*_resolve(window, hop_length, n_fft, win_length), tol)


# check_nola and check_cola mirror each other line for line, docstring included: two public checks of
# one shape (a kept pair; their rules are nola_holds and cola_holds).
@fill_doc
def check_cola(
    window: Any,
    hop_length: int,
    *,
    n_fft: int | None = None,
    win_length: int | None = None,
    tol: float = 1e-10,
) -> bool:
    """Whether the window satisfies COLA at this hop, so ``istft(method="ola")`` is exact.

    Checks that ``sum_m w[n - m*hop]`` is nonzero and constant within relative
    tolerance ``tol`` over one period of the infinite overlap-add.

    Parameters
    ----------
    %(window_check)s

    Returns
    -------
    bool
        True when overlap-add synthesis (``method="ola"``) recovers the interior exactly.

    Examples
    --------
    >>> import chirpstft
    >>> chirpstft.check_cola("hann", 64, n_fft=256)
    True
    >>> chirpstft.check_cola("hann", 100, n_fft=256)
    False
    """
    tol = tolerance(tol, "tol")
    return cola_holds(*_resolve(window, hop_length, n_fft, win_length), tol)

"""The shared kernel rules of :mod:`._common`, compiled for the Numba CPU kernels."""

from __future__ import annotations

from numba import njit

from ._common import pad_index as _pad_index_py

__all__ = ["pad_index"]

#: :func:`._common.pad_index` compiled (with ``NUMBA_DISABLE_JIT=1``, the Python function itself).
pad_index = njit(cache=True, nogil=True)(_pad_index_py)

"""Rules every kernel shares, CPU and GPU alike: padding codes and the padded index, sparse resize,
the level and resize arguments of a render.

(The working-dtype rule they share is :func:`chirpstft._validation.real_dtype_of`.)

Plain Python and NumPy only: the Numba CPU kernels compile :func:`pad_index` with ``njit``,
the CUDA kernels with ``cuda.jit(device=True)``, so both read the padded signal by the same
rule, and the NumPy reference pads with :func:`numpy.pad` in the same modes.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["PAD_CODES", "RenderTables", "pad_index", "render_tables", "sparse_rows"]

#: The integer code of each ``pad_mode`` inside the kernels (see :func:`pad_index`).
PAD_CODES: dict[str, int] = {"constant": 0, "edge": 1, "reflect": 2, "symmetric": 3, "wrap": 4}


def pad_index(p, n, mode):
    """Index into the unpadded signal (length ``n``) of padded-coordinate sample ``p``.

    -1 means a zero (``"constant"``, code 0). The other modes extend the signal periodically
    as :func:`numpy.pad` does, also when the padding is longer than the signal: 1 edge,
    2 reflect (period ``2n - 2``), 3 symmetric (period ``2n``), 4 wrap (period ``n``).
    """
    if p >= 0 and p < n:
        return p
    if mode == 0:
        return -1
    if mode == 1:
        return 0 if p < 0 else n - 1
    if mode == 2:
        if n == 1:
            return 0
        period = 2 * n - 2
        r = p % period
        return r if r < n else period - r
    if mode == 3:
        period = 2 * n
        r = p % period
        return r if r < n else period - 1 - r
    return p % n


def sparse_rows(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(starts, counts, weights)`` of a banded resampling matrix ``(n_out, n_in)``.

    Row ``i`` of the matrix is nonzero only in columns ``starts[i] .. starts[i] + counts[i] - 1``,
    whose values are ``weights[i, :counts[i]]`` (the rest of ``weights`` is 0). An all-zero
    row has ``counts[i] == 0``.
    """
    matrix = np.asarray(matrix)
    nz = matrix != 0
    any_nz = nz.any(axis=1)
    starts = np.where(any_nz, nz.argmax(axis=1), 0)
    stops = np.where(any_nz, matrix.shape[1] - np.argmax(nz[:, ::-1], axis=1), 0)
    counts = stops - starts
    width = max(int(counts.max(initial=0)), 1)
    weights = np.zeros((matrix.shape[0], width))
    for i in range(matrix.shape[0]):
        weights[i, : counts[i]] = matrix[i, starts[i] : stops[i]]
    return starts.astype(np.int64), counts.astype(np.int64), weights


class RenderTables(NamedTuple):
    """The levels and resize tables of a render launch, the same for every backend (built once by
    :func:`chirpstft.render` with :func:`render_tables`)."""

    amin: float
    ref_value: float  # <= 0: each image's own maximum
    top_db: float  # -1.0: no floor
    db_lo: float  # db_lo == db_hi == 0.0: each image's own range
    db_hi: float
    rows: tuple  # sparse_rows of the row resampling matrix (height rows)
    cols: tuple  # sparse_rows of the column resampling matrix (width columns)

    @property
    def height(self) -> int:
        return int(self.rows[1].shape[0])

    @property
    def width(self) -> int:
        return int(self.cols[1].shape[0])


def render_tables(amin, ref_value, top_db, db_range, rows_matrix, cols_matrix) -> RenderTables:
    """The level and resize arguments of a render kernel (the Numba CPU and the CUDA ones alike):
    floats, ``top_db`` -1.0 for no floor, ``db_lo == db_hi == 0.0`` for each image's own range
    (``db_range`` None), and the :func:`sparse_rows` tables of the row and column resampling
    matrices."""
    lo, hi = (0.0, 0.0) if db_range is None else (float(db_range[0]), float(db_range[1]))
    top = -1.0 if top_db is None else float(top_db)
    rows, cols = sparse_rows(rows_matrix), sparse_rows(cols_matrix)
    return RenderTables(float(amin), float(ref_value), top, lo, hi, rows, cols)

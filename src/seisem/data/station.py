"""A station's series files read once, for both a dataset's images and its daily confound table.

:func:`read_station` is what :func:`seisem.data.build.build_station` and
:func:`seisem.data.daily.station_daily` read a station with (``cfg`` is a
:class:`~seisem.data.BuildConfig`: its ``format``, ``feature``, ``element`` and ``channel``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .formats import FORMATS

__all__ = ["StationRecord", "read_station"]


class StationRecord(NamedTuple):
    """A station's files read once (:func:`read_station`)."""

    times: np.ndarray  #: datetime64[ns], all files concatenated
    values: np.ndarray  #: the dataset's series (``cfg.feature``, ``cfg.element`` or ``cfg.channel``)
    reports: list  #: each file's read report (dict)
    parts: list  #: per file, ``{name: values}``: every IAGA-2002 element, else ``{"series": values}``
    in_nt: bool  #: the values are magnetic field in nT (IAGA-2002)


def read_station(code: str, files: list, cfg, *, missing_element: str = "raise") -> StationRecord:
    """Read a station's files once, for both the images and the daily confound table.

    An IAGA-2002 file without ``cfg.element`` raises :class:`~seisem.ReadError`
    (``missing_element="skip"``: the file is left out).
    """
    fmt = FORMATS[cfg.format]
    got = [part for f in files for part in fmt.read(f, code, cfg, missing_element)]
    reports = [p.report for p in got]
    parts = [p.columns for p in got]
    if not got:
        return StationRecord(np.empty(0, "datetime64[ns]"), np.empty(0), reports, parts, fmt.in_nt)
    times = np.concatenate([p.times for p in got])
    values = np.concatenate([p.values for p in got])
    return StationRecord(times, values, reports, parts, fmt.in_nt)

"""A station's series files read once, for both a dataset's images and its daily confound table.

:func:`read_station` is what :func:`seisem.data.build.build_station` and
:func:`seisem.data.daily.station_daily` read a station with (``cfg`` is a
:class:`~seisem.data.BuildConfig`: its ``format``, ``feature``, ``element`` and ``channel``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._errors import ReadError
from ..io import read_aeta_features, read_iaga2002, read_obspy

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
    times, values, reports, parts = [], [], [], []
    for f in files:
        if cfg.format == "aeta":
            s = read_aeta_features(f, feature=cfg.feature, station=code, errors="skip")
            times.append(s.times)
            values.append(s.values)
            reports.append(s.report.to_dict())
            parts.append({"series": s.values})
        elif cfg.format == "iaga2002":
            r = read_iaga2002(f, errors="skip")
            if cfg.element not in r.values:
                if missing_element == "skip":
                    continue
                raise ReadError(f"{f}: element={cfg.element!r} not in the file (it has {r.elements})")
            times.append(r.times)
            values.append(r.values[cfg.element])
            reports.append(r.report.to_dict())
            parts.append(dict(r.values))
        else:
            for s in read_obspy(f, channel=cfg.channel).values():
                if s.station_code == code:
                    times.append(s.times)
                    values.append(s.values)
                    reports.append(s.report.to_dict())
                    parts.append({"series": s.values})
    in_nt = cfg.format == "iaga2002"
    if not times:
        return StationRecord(np.empty(0, "datetime64[ns]"), np.empty(0), reports, parts, in_nt)
    return StationRecord(np.concatenate(times), np.concatenate(values), reports, parts, in_nt)

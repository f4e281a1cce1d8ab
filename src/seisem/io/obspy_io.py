"""Anything ObsPy reads (miniSEED, SAC, GSE2, ...), and ObsPy ``Stream``/``Trace`` objects."""

from __future__ import annotations

import os

import numpy as np

from .._errors import ParameterError, ReadError, require
from ._report import ReadReport
from .aeta import StationSeries


def read_obspy(source, *, channel: str | None = None, format: str | None = None) -> dict:
    """Read station series through ObsPy.

    Parameters
    ----------
    source : path, glob, ``obspy.Stream`` or ``obspy.Trace``
        Passed to ``obspy.read`` when it is a path or glob.
    channel : str, optional
        Keep only traces whose channel code matches (ObsPy wildcards allowed, e.g. ``"LF?"``).
    format : str, optional
        ObsPy format name, when auto-detection is not wanted.

    Returns
    -------
    dict
        ``station code -> StationSeries``. Traces of one station and channel are merged;
        gaps between them become NaN (reported as ``gap samples``). A station with several
        channels after filtering is an error: choose one with ``channel=``.
    """
    obspy = require("obspy", "obspy", "reading with ObsPy")
    if isinstance(source, obspy.Trace):
        st = obspy.Stream([source])
        name = source.id
    elif isinstance(source, obspy.Stream):
        st = source
        name = "Stream"
    elif isinstance(source, (str, os.PathLike)):
        name = os.fspath(source)
        try:
            st = obspy.read(name, format=format) if format else obspy.read(name)
        except FileNotFoundError as exc:
            raise ReadError(f"{name}: no such file (or the glob matched nothing)") from exc
        except Exception as exc:
            raise ReadError(f"{name}: ObsPy could not read it: {exc}") from exc
    else:
        raise ParameterError(
            f"source must be a path, an obspy.Stream or an obspy.Trace, not {type(source).__name__}"
        )
    st = st.copy()
    if channel is not None:
        st = st.select(channel=channel)
        if len(st) == 0:
            raise ReadError(f"{name}: no trace has channel {channel!r}")
    out: dict = {}
    for station in sorted({tr.stats.station for tr in st}):
        sub = st.select(station=station)
        chans = sorted({tr.stats.channel for tr in sub})
        if len(chans) > 1:
            raise ParameterError(
                f"station {station!r} has channels {chans} in {name}; choose one with channel="
            )
        sub.merge(method=0, fill_value=None)
        if len(sub) != 1:
            raise ReadError(f"{name}: station {station!r} has traces with different sampling rates")
        tr = sub[0]
        data = np.ma.filled(np.ma.asarray(tr.data, dtype=np.float64), np.nan)
        report = ReadReport(f"{name}:{tr.id}", rows_read=data.size, rows_kept=int(np.isfinite(data).sum()))
        n_gap = int((~np.isfinite(data)).sum())
        if n_gap:
            report.dropped["gap samples"] = n_gap
        t0 = np.datetime64(tr.stats.starttime.datetime, "ns")
        times = t0 + np.round(np.arange(data.size) * tr.stats.delta * 1e9).astype("timedelta64[ns]")
        out[str(station)] = StationSeries(
            str(station),
            times,
            data,
            channel=tr.stats.channel,
            meta={
                "network": tr.stats.network,
                "location": tr.stats.location,
                "sampling_rate": tr.stats.sampling_rate,
            },
            report=report.finish(),
        )
    return out

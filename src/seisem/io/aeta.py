"""AETA network files: per-station feature CSVs, and the paper's raw exports.

The AETA competition distributed one file per station, ``<StationID>_magn.csv``, with
columns ``StationID``, ``TimeStamp`` (Unix seconds, UTC) and ``magn@<feature>`` (for
example ``magn@abs_mean``, ``magn@var``, ``magn@power``), one row per 10 minutes or per
minute. The station list (``StationInfo.csv``) and the earthquake list (``eqlst.csv``)
are read by :mod:`seisem.io.catalog`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

import numpy as np

from .._errors import ParameterError, ReadError, require
from ._report import ReadReport, check_errors
from ._time import unix_to_datetime64

FILE_PATTERN = re.compile(r"^(?P<station>[^_/\\]+)_magn\.csv$")


@dataclass
class StationSeries:
    """A station's samples as read: UTC times (``datetime64[ns]``), float64 values, metadata."""

    station_code: str
    times: np.ndarray
    values: np.ndarray
    channel: str = ""
    meta: dict = field(default_factory=dict)
    report: ReadReport | None = field(default=None, repr=False)

    def to_series(self):
        import pandas as pd

        return pd.Series(
            self.values,
            index=pd.DatetimeIndex(self.times, name="time").tz_localize("UTC"),
            name=f"{self.station_code}_{self.channel}" if self.channel else self.station_code,
        )


def feature_column(feature: str) -> str:
    """``"abs_mean"`` or ``"magn@abs_mean"`` -> ``"magn@abs_mean"``."""
    if not isinstance(feature, str) or not feature:
        raise ParameterError(f"feature={feature!r} must name an AETA feature such as 'abs_mean'")
    return feature if "@" in feature else f"magn@{feature}"


def read_aeta_features(
    path: str | os.PathLike, *, feature: str = "abs_mean", station: str | None = None, errors: str = "raise"
) -> StationSeries:
    """Read one AETA ``<StationID>_magn.csv`` feature file.

    Parameters
    ----------
    path : path-like
    feature : str
        The feature column, with or without the ``magn@`` prefix.
    station : str, optional
        The expected station id; by default taken from the file name. Rows of another
        station are dropped (and reported) or raise, per ``errors``.
    errors : {"raise", "skip"}
        Rows with a missing or unparsable time stamp or value, or another station's id.

    Returns
    -------
    StationSeries
        Times in UTC, sorted; duplicated time stamps are kept here and resolved by
        :func:`seisem.data.regularize`, which reports them.
    """
    check_errors(errors)
    pd = require("pandas", "seisem", "reading AETA files")
    path = os.fspath(path)
    name = os.path.basename(path)
    if station is None:
        m = FILE_PATTERN.match(name)
        station = m.group("station") if m else None
    col = feature_column(feature)
    report = ReadReport(name)
    fast = _read_clean(pd, path, col, station)
    if fast is not None:  # a well-formed file: the C parser's numbers, no row-by-row checks needed
        t, v, ids = fast
        report.rows_read = report.rows_kept = t.size
        order = np.argsort(t, kind="stable")
        return StationSeries(
            str(station if station is not None else (ids[0] if ids.size else "")),
            t[order],
            v[order],
            channel=col,
            meta={"feature": col},
            report=report.finish(),
        )
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ReadError(f"{path}: not a readable CSV file: {exc}") from exc
    except pd.errors.EmptyDataError as exc:
        raise ReadError(f"{path}: the file is empty") from exc
    missing = [c for c in ("StationID", "TimeStamp", col) if c not in df.columns]
    if missing:
        feats = [c for c in df.columns if c.startswith("magn@")]
        raise ReadError(
            f"{path}: missing column(s) {missing}; an AETA feature file has StationID, TimeStamp "
            f"and magn@<feature> columns (features here: {feats})"
        )
    report.rows_read = len(df)
    ts = pd.to_numeric(df["TimeStamp"].str.strip(), errors="coerce").to_numpy(dtype=np.float64)
    vals = pd.to_numeric(df[col].str.strip().replace({"": "nan"}), errors="coerce").to_numpy(dtype=np.float64)
    raw_vals = df[col].str.strip().str.lower()
    ok = np.isfinite(ts)
    bad_value = ~np.isfinite(vals) & ~raw_vals.isin(["", "nan", "null", "none"]).to_numpy()
    ids = df["StationID"].str.strip().to_numpy()
    other = np.zeros(len(df), bool) if station is None else ids != str(station)
    for i in np.flatnonzero(~ok | bad_value | other):
        reason = (
            "unparsable TimeStamp"
            if not ok[i]
            else f"unparsable {col}"
            if bad_value[i]
            else f"StationID {ids[i]!r} is not {station!r}"
        )
        report.drop(i + 2, reason, ",".join(df.iloc[i].astype(str)), errors)
    keep = ok & ~bad_value & ~other
    if station is None and keep.any():
        station = str(ids[keep][0])
    t = unix_to_datetime64(ts[keep])
    v = vals[keep]
    order = np.argsort(t, kind="stable")
    report.rows_kept = int(keep.sum())
    return StationSeries(
        str(station), t[order], v[order], channel=col, meta={"feature": col}, report=report.finish()
    )


def _read_clean(pd, path, col, station):
    """Parse with numeric dtypes; ``None`` unless every row is clean (then the checked path runs)."""
    try:
        df = pd.read_csv(
            path, usecols=["StationID", "TimeStamp", col], dtype={"StationID": str}, encoding="utf-8-sig"
        )
    except Exception:
        return None
    ts, val = df["TimeStamp"], df[col]
    if not (pd.api.types.is_numeric_dtype(ts) and pd.api.types.is_numeric_dtype(val)):
        return None
    ts = ts.to_numpy(dtype=np.float64)
    ids = df["StationID"].astype(str).str.strip().to_numpy()
    if not np.isfinite(ts).all() or np.isinf(val.to_numpy(dtype=np.float64)).any():
        return None
    if ids.size and ((station is not None and (ids != str(station)).any()) or (ids != ids[0]).any()):
        return None
    t = unix_to_datetime64(ts)
    return t, val.to_numpy(dtype=np.float64), ids


#: Default patterns for :func:`read_raw_export`: ``M<mag>`` and ``<dist>km`` in the file
#: name, or ``magnitude: <mag>`` / ``distance: <dist> km`` header lines.
NAME_PATTERN = (
    r"(?P<station>[A-Za-z0-9]+)[_-].*?M(?P<magnitude>\d+(?:\.\d+)?)[_-].*?(?P<distance>\d+(?:\.\d+)?)\s*km"
)
HEADER_PATTERN = (
    r"(?i)^\s*#?\s*(?:(?:magnitude|mag|M)\s*[:=]\s*(?P<magnitude>\d+(?:\.\d+)?)|"
    r"(?:distance|dist|epicentral[_ ]distance)\s*[:=]\s*(?P<distance>\d+(?:\.\d+)?)\s*(?:km)?|"
    r"(?:station)\s*[:=]\s*(?P<station>\S+)|(?:start)\s*[:=]\s*(?P<start>\S+(?:[ T]\S+)?))\s*$"
)


def read_raw_export(
    path: str | os.PathLike,
    *,
    name_pattern: str | None = NAME_PATTERN,
    header_pattern: str | None = HEADER_PATTERN,
    interval_s: float = 60.0,
    start: str | None = None,
    tz: str = "UTC",
    errors: str = "raise",
) -> StationSeries:
    """Read a raw single-series export whose magnitude and distance sit in its name or header.

    The seed paper's exports carry the event's magnitude and epicentral distance in the
    file name or in header lines; regular expressions with named groups ``magnitude``,
    ``distance`` (km), optionally ``station`` and ``start`` extract them. Header lines
    start with ``#``; data lines are either ``value`` or ``time,value`` (ISO time or Unix
    seconds). Without times the samples are ``interval_s`` apart from ``start``.

    Returns
    -------
    StationSeries
        With ``meta["source_magnitude"]`` and ``meta["path_distance_km"]`` when found.
    """
    check_errors(errors)
    from ._time import to_utc_index

    path = os.fspath(path)
    name = os.path.basename(path)
    report = ReadReport(name)
    meta: dict = {}

    def take(m):
        for key, val in m.groupdict().items():
            if val is not None and key not in meta:
                meta[key] = val

    if name_pattern:
        m = re.search(name_pattern, name)
        if m:
            take(m)
    hdr = re.compile(header_pattern) if header_pattern else None
    times: list = []
    values: list = []
    with open(path, encoding="utf-8-sig") as fh:
        for no, raw in enumerate(fh, start=1):
            line = raw.strip()
            if not line:
                continue
            if line.startswith("#") or (hdr is not None and not values and hdr.match(line)):
                if hdr is not None:
                    m = hdr.match(line)
                    if m:
                        take(m)
                continue
            report.rows_read += 1
            parts = [p.strip() for p in re.split(r"[,;\t]", line)]
            try:
                if len(parts) == 1:
                    values.append(float(parts[0]))
                elif len(parts) == 2:
                    times.append(parts[0])
                    values.append(float(parts[1]))
                else:
                    raise ValueError
            except ValueError:
                report.drop(no, "expected 'value' or 'time,value'", line, errors)
                continue
            report.rows_kept += 1
    v = np.asarray(values, dtype=np.float64)
    if times and len(times) != len(values):
        raise ReadError(f"{path}: some data lines have a time and some do not")
    if times:
        try:
            nums = np.asarray(times, dtype=np.float64)
            t = unix_to_datetime64(nums)
        except ValueError:
            t = to_utc_index(times, tz).tz_localize(None).to_numpy(dtype="datetime64[ns]")
    else:
        start = start or meta.get("start")
        if start is None:
            raise ReadError(
                f"{path}: the data lines have no times; pass start='YYYY-MM-DD HH:MM' (or put "
                "'# start: ...' in the header)"
            )
        t0 = to_utc_index([start], tz).tz_localize(None).to_numpy(dtype="datetime64[ns]")[0]
        t = t0 + (np.arange(v.size) * interval_s * 1e9).astype("timedelta64[ns]")
    out_meta = {"file": name}
    for key, dest in (("magnitude", "source_magnitude"), ("distance", "path_distance_km")):
        if key in meta:
            out_meta[dest] = float(meta[key])
    return StationSeries(
        str(meta.get("station", os.path.splitext(name)[0])),
        t,
        v,
        channel="raw",
        meta=out_meta,
        report=report.finish(),
    )

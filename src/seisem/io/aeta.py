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
from ._time import UNIX_MAX, UNIX_MIN, unix_to_datetime64

#: Largest magnitude accepted as a feature or raw value: anything beyond (1e300, inf) is a
#: corrupt field, reported and dropped in skip mode, never kept.
VALUE_MAX = 1e15

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
    from ._csv import csv_frame

    df = csv_frame(path, report, errors)  # undecodable lines, short/long rows: reported there
    lines = df.attrs["lines"]
    missing = [c for c in ("StationID", "TimeStamp", col) if c not in df.columns]
    if missing:
        feats = [c for c in df.columns if c.startswith("magn@")]
        raise ReadError(
            f"{path}: missing column(s) {missing}; an AETA feature file has StationID, TimeStamp "
            f"and magn@<feature> columns (features here: {feats})"
        )
    report.rows_read += len(df)
    ts = pd.to_numeric(df["TimeStamp"].str.strip(), errors="coerce").to_numpy(dtype=np.float64)
    vals = np.array(
        pd.to_numeric(df[col].str.strip().replace({"": "nan"}), errors="coerce"), dtype=np.float64
    )
    raw_vals = df[col].str.strip().str.lower()
    ok = (ts >= UNIX_MIN) & (ts < UNIX_MAX)  # NaN fails too; a truncated 1482621966 -> 14 fails
    missing_value = raw_vals.isin(["", "nan", "null", "none"]).to_numpy()
    vals[missing_value] = np.nan
    bad_value = ~missing_value & ~(np.abs(vals) <= VALUE_MAX)
    ids = df["StationID"].str.strip().to_numpy()
    other = np.zeros(len(df), bool) if station is None else ids != str(station)
    for i in np.flatnonzero(~ok | bad_value | other):
        reason = (
            "unparsable TimeStamp"
            if not np.isfinite(ts[i])
            else "TimeStamp outside 1990-2100"
            if not ok[i]
            else f"unparsable {col}"
            if not np.isfinite(vals[i]) and not np.isinf(vals[i])
            else f"{col} not finite or beyond {VALUE_MAX:g}"
            if bad_value[i]
            else f"StationID {ids[i]!r} is not {station!r}"
        )
        report.drop(int(lines[i]), reason, ",".join(df.iloc[i].astype(str)), errors)
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
    """Parse with numeric dtypes; ``None`` unless every row is clean (then the checked path runs).

    Clean means: UTF-8 throughout, no quotes, every line with the header's number of commas,
    a line end after the last line, time stamps in 1990-2100 and values finite and within
    :data:`VALUE_MAX` (or empty/NaN), one station id.
    """
    try:
        with open(path, "rb") as fh:
            data = fh.read()
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if not text.endswith("\n") or '"' in text or "\r" in text.rstrip("\n").replace("\r\n", ""):
        return None
    # every line with the header's number of commas, counted for all lines at once (a Python
    # loop over the lines took half of a station-year's read); blank lines are not counted
    buf = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(buf == 10)
    if ends.size == 0:
        return None
    commas = np.bincount(np.searchsorted(ends, np.flatnonzero(buf == 44)), minlength=ends.size)
    starts = np.concatenate(([0], ends[:-1] + 1))
    blank = ends - starts == 0
    if blank.any():  # blank or whitespace-only lines: the per-line check below decides
        body = [ln for ln in text.splitlines() if ln.strip()]
        if not body or any(ln.count(",") != body[0].count(",") for ln in body):
            return None
    elif (commas != commas[0]).any():
        return None
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
    ids = np.array([str(u).strip() for u in pd.unique(df["StationID"].to_numpy(dtype=object))], dtype=object)
    v = val.to_numpy(dtype=np.float64)
    if not ((ts >= UNIX_MIN) & (ts < UNIX_MAX)).all() or (np.abs(v) > VALUE_MAX).any() or np.isinf(v).any():
        return None
    if ids.size and ((station is not None and (ids != str(station)).any()) or (ids != ids[0]).any()):
        return None  # (ids: the distinct station ids, stripped)
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


def _number(text):
    """A decimal number, or ``None`` (``float`` also reads ``inf``, ``1_0``: refused here)."""
    if not _NUMBER.match(text):
        return None
    return float(text)


_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")


def _raw_time(text, tz, parse_iso_times):
    """Unix seconds (1990-2100) or a strict ISO 8601 time -> UTC ``datetime64[ns]`` (NaT if neither)."""
    x = _number(text)
    if x is not None:
        if not UNIX_MIN <= x < UNIX_MAX:
            return np.datetime64("NaT", "ns")
        return unix_to_datetime64([x])[0]
    return parse_iso_times([text], tz)[0]


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
    if not (isinstance(interval_s, (int, float)) and not isinstance(interval_s, bool)
            and np.isfinite(interval_s) and interval_s > 0):  # fmt: skip
        raise ParameterError(f"interval_s={interval_s!r} must be a finite number of seconds > 0")
    from ._csv import read_bytes, split_lines
    from ._time import parse_iso_times

    hdr = re.compile(header_pattern) if header_pattern else None
    lines, _ = split_lines(read_bytes(path))
    # Header lines come first; from the first data line on, every line is one sample slot:
    # a blank, undecodable or malformed line is a bad sample (raised, or dropped and
    # reported), never skipped over, so that later samples keep their own times.
    data: list = []  # (line no, text or None when undecodable)
    for no, raw in lines:
        try:
            line = raw.decode("utf-8").strip()
        except UnicodeDecodeError:
            line = None
        if not data:
            if line is not None and not line:
                continue
            if line is not None and (line.startswith("#") or (hdr is not None and hdr.match(line))):
                if hdr is not None:
                    m = hdr.match(line)
                    if m:
                        take(m)
                continue
        data.append((no, line))
    while data and data[-1][1] == "":  # blank lines after the last sample
        data.pop()
    mode = None  # 1: values only; 2: time,value
    slots, values, texts = [], [], []
    for slot, (no, line) in enumerate(data):
        report.rows_read += 1
        if line is None:
            report.drop(no, "bytes that do not decode as UTF-8", repr(lines[no - 1][1])[2:-1], errors)
            continue
        if not line:
            report.drop(no, "empty line among the samples", line, errors)
            continue
        parts = [p.strip() for p in re.split(r"[,;\t]", line)]
        if mode is None and len(parts) in (1, 2):
            mode = len(parts)
        if len(parts) != mode:
            report.drop(no, "expected 'value'" if mode == 1 else "expected 'time,value'", line, errors)
            continue
        text = parts[-1]
        v = np.nan if text.lower() == "nan" else _number(text)
        if v is None or not (np.isnan(v) or abs(v) <= VALUE_MAX):
            report.drop(no, f"value not a number within +-{VALUE_MAX:g}", line, errors)
            continue
        if mode == 2:
            t = _raw_time(parts[0], tz, parse_iso_times)
            if np.isnat(t):
                report.drop(
                    no, "time not ISO 8601 (complete date) or Unix seconds in 1990-2100", line, errors
                )
                continue
            texts.append(t)
        slots.append(slot)
        values.append(v)
        report.rows_kept += 1
    v = np.asarray(values, dtype=np.float64)
    if mode == 2:
        t = np.asarray(texts, dtype="datetime64[ns]")
    else:
        start = start or meta.get("start")
        if start is None:
            raise ReadError(
                f"{path}: the data lines have no times; pass start='YYYY-MM-DD HH:MM' (or put "
                "'# start: ...' in the header)"
            )
        t0 = parse_iso_times([start], tz)[0]
        if np.isnat(t0):
            raise ReadError(
                f"{path}: start={start!r} is not a complete ISO 8601 time in 1900-2100 "
                "(write 'YYYY-MM-DD HH:MM')"
            )
        t = t0 + (np.asarray(slots, dtype=np.float64) * interval_s * 1e9).astype("timedelta64[ns]")
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
